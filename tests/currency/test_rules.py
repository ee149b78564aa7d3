"""Table-driven tests of the published 2026/27 cascade: every tier, every population group,
the age rules and the unknowns, each written from the rule, not from the code's output."""

from __future__ import annotations

import pytest

from carecluster.currency import Activity, group_activity

C, S = "contact", "spell"

# (kind, age, diagnosis, bed, team, reason, priority) -> (status, code, tier, field)
CASES = [
    # tier 1: diagnosis decides, one case per diagnosis population group
    ((C, 40, "F20.0", None, "A05", None, None), ("grouped", "MAA96A", "diagnosis", None)),
    ((C, 40, "F41", None, "A05", None, None), ("grouped", "MAB96A", "diagnosis", None)),
    ((C, 40, "F50.2", None, "A05", None, None), ("grouped", "MBC96A", "diagnosis", None)),
    ((C, 80, "G30", None, "A05", None, None), ("grouped", "MAE96A", "diagnosis", None)),
    ((C, 40, "F60.3", None, "A05", None, None), ("grouped", "MAF96A", "diagnosis", None)),
    ((C, 40, "F84.0", None, "A05", None, None), ("grouped", "MBY96A", "diagnosis", None)),
    ((C, 40, "R44", None, "A05", None, None), ("grouped", "MAA96A", "diagnosis", None)),
    # diagnosis beats team type and referral reason
    ((C, 40, "F32", None, "A16", "01", None), ("grouped", "MAB96B", "diagnosis", None)),
    # a diagnosis outside every range does not decide: falls to team type
    ((C, 40, "I10", None, "A16", None, None), ("grouped", "MAF96B", "team_type", None)),
    # tier 2: team type (contacts)
    ((C, 40, None, None, "A14", "04", None), ("grouped", "MAA96B", "team_type", None)),
    ((C, 40, None, None, "A02", None, None), ("grouped", "MAZ99A", "team_type", None)),
    ((C, 40, None, None, "A11", None, None), ("grouped", "MAZ99D", "team_type", None)),
    ((C, 40, None, None, "B02", None, None), ("grouped", "MBY96C", "team_type", None)),
    # tier 2: bed type (spells)
    ((S, 40, None, "209", None, None, None), ("grouped", "MAE98C", "bed_type", None)),
    ((S, 40, None, "40", None, None, None), ("grouped", "MAF98C", "bed_type", None)),
    ((S, 40, "F31", "206", None, None, None), ("grouped", "MAA98D", "diagnosis", None)),
    # tier 3: referral reason
    ((C, 40, None, None, "A05", "08", None), ("grouped", "MAE96A", "referral_reason", None)),
    ((S, 40, None, "212", None, "14", None), ("grouped", "MAF98B", "referral_reason", None)),
    ((S, 40, None, None, None, "18", None), ("grouped", "MAZ99Z", "referral_reason", None)),
    # team type with no setting: crisis teams go to 97Z, others 96Z; contact with no team 96Z
    ((C, 40, "F20", None, "A03", None, None), ("grouped", "MAA97Z", "diagnosis", None)),
    ((C, 40, "F20", None, "Z01", None, None), ("grouped", "MAA96Z", "diagnosis", None)),
    ((C, 40, "F20", None, None, None, None), ("grouped", "MAA96Z", "diagnosis", None)),
    # fallbacks
    ((C, 40, None, None, "A05", "10", None), ("unclassified", "MBU96A", "fallback", None)),
    ((S, 40, None, "200", None, None, None), ("unclassified", "MBU98A", "fallback", None)),
    # age rules: under 18 -> MHST first, adults-only groups become MCG, fallback MCG
    ((C, 12, "F20", None, "F01", None, None), ("grouped", "MCS99Z", "mhst", None)),
    ((C, 18, None, None, "F01", None, None), ("unclassified", "MBU96A", "fallback", None)),
    ((C, 17, "F20", None, "A05", None, None), ("grouped", "MCG96A", "diagnosis", None)),
    ((C, 18, "F20", None, "A05", None, None), ("grouped", "MAA96A", "diagnosis", None)),
    ((C, 14, "F50", None, "C10", None, None), ("grouped", "MBC96B", "diagnosis", None)),
    ((C, 14, None, None, "C01", None, None), ("grouped", "MBY96B", "team_type", None)),
    ((C, 14, None, None, "A02", None, None), ("grouped", "MCG97A", "team_type", None)),
    ((S, 11, None, "310", None, None, None), ("grouped", "MBY98C", "bed_type", None)),
    ((S, 11, None, None, None, "25", None), ("grouped", "MBY98Z", "referral_reason", None)),
    ((C, 0, None, None, None, None, None), ("unclassified", "MCG96Z", "fallback", None)),
    # unknowns are rejected with the field, never guessed
    ((C, 40, "F20", None, "X99", None, None), ("rejected", None, None, "ServTeamTypeRefToMH")),
    ((S, 40, "F20", "16", None, None, None), ("rejected", None, None, "MHAdmittedPatientClass")),
    ((C, 40, "20F", None, "A05", None, None), ("rejected", None, None, "PrimDiag")),
    ((C, 40, None, None, "A05", "09", None), ("rejected", None, None, "PrimReasonReferralMH")),
    ((C, None, "F20", None, "A05", None, None), ("rejected", None, None, "AgeCareContDate")),
    ((S, "forty", "F20", "10", None, None, None), ("rejected", None, None, "AgeHospStartDate")),
    ((S, 131, "F20", "10", None, None, None), ("rejected", None, None, "AgeHospStartDate")),
    ((None, 40, "F20", None, None, None, None), ("rejected", None, None, "HospProvSpellID/CareContactId")),
    (("both", 40, "F20", None, None, None, None), ("rejected", None, None, "HospProvSpellID/CareContactId")),
]


@pytest.mark.parametrize(("given", "expected"), CASES, ids=[f"{i}-{e[1] or e[3]}" for i, (_, e) in enumerate(CASES)])
def test_cascade(ref, given, expected) -> None:
    result = group_activity(Activity(*given), ref)
    assert (result.status, result.code, result.tier, result.field) == expected
    assert result.reference_version == "2026-27"
    if result.status == "rejected":
        assert result.problems
        assert result.problems[0].field == expected[3]
        assert result.population_group is None
    else:
        assert result.code == f"{result.population_group}{result.family}{result.setting}"
        assert result.population_name
        assert result.setting_name
        assert result.family_unit
        assert result.reason


def test_every_population_group_is_reached(ref) -> None:
    reached = {group_activity(Activity(*given), ref).population_group for given, _ in CASES}
    assert {g.group_code for g in ref.population_groups} <= reached


def test_reason_names_the_deciding_code(ref) -> None:
    result = group_activity(Activity(C, 15, "F32.1", None, "A05"), ref)
    assert result.reason == "diagnosis F32 -> MAB, adults only; under 18 -> MCG"
    missing = group_activity(Activity(S, 40, None, None), ref)
    assert (
        missing.reason == "no tier decides a group; not given: PrimDiag, MHAdmittedPatientClass, PrimReasonReferralMH"
    )


def test_every_fault_is_listed(ref) -> None:
    result = group_activity(Activity(C, "x", "??", None, "X99", "99"), ref)
    assert [p.field for p in result.problems] == [
        "AgeCareContDate",
        "PrimDiag",
        "ServTeamTypeRefToMH",
        "PrimReasonReferralMH",
    ]


def test_urgent_priority_makes_a18_without_setting_crisis(ref) -> None:
    from carecluster.currency.rules import is_crisis_referral, lookups

    lk = lookups(ref)
    a18 = lk.teams["A18"]
    assert is_crisis_referral(lk, a18, "1")
    assert is_crisis_referral(lk, a18, "4")
    assert not is_crisis_referral(lk, a18, "3")
    assert not is_crisis_referral(lk, None, "1")
