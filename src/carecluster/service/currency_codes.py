"""The coded currency inputs people record (team type, primary referral reason, ward bed type): which codes are
allowed and how they read. The allowed codes are the current year's currency tables, so a code
the grouper would reject can never be stored; names come from `currency.labels`."""

from __future__ import annotations

from carecluster.currency import currency_reference
from carecluster.currency.labels import described
from carecluster.currency.rules import BED_TYPE, REFERRAL_REASON, TEAM_TYPE


def team_types() -> list[tuple[str, str]]:
    """(code, 'code: name') for every team type in the current tables, in code order."""
    return [(t.code, described(TEAM_TYPE, t.code) or t.code) for t in currency_reference().team_types]


def referral_reasons() -> list[tuple[str, str]]:
    """(code, 'code: name') for every primary referral reason in the current tables."""
    return [(r.code, described(REFERRAL_REASON, r.code) or r.code) for r in currency_reference().referral_reasons]


def bed_types() -> list[tuple[str, str]]:
    """(code, 'code: name') for the ward bed types of the current data set version (v6) in the tables."""
    rows = currency_reference().bed_types
    return [(b.code, described(BED_TYPE, b.code) or b.code) for b in rows if b.data_set_version == "v6"]


def _check(value: str | None, codes: list[tuple[str, str]], what: str, example: str) -> str | None:
    if value is None or not value.strip():
        return None
    code = value.strip().upper()
    if code not in {c for c, _ in codes}:
        version = currency_reference().version
        raise ValueError(f"{code} is not a {what} in the {version} currency tables (for example {example})")
    return code


def check_team_type(value: str | None) -> str | None:
    """A team type code, trimmed and upper-case; ValueError naming the year if it is not listed."""
    return _check(value, team_types(), "service team type (ServTeamTypeRefToMH)", "A06")


def check_referral_reason(value: str | None) -> str | None:
    """A primary referral reason code ('04'); ValueError naming the year if it is not listed."""
    return _check(value, referral_reasons(), "primary reason for referral (PrimReasonReferralMH)", "04")


def check_bed_type(value: str | None) -> str | None:
    """A ward bed type code of data set v6 ('200'); ValueError naming the year if it is not listed."""
    return _check(value, bed_types(), "ward bed type (MHAdmittedPatientClass, data set v6)", "200")


UNGROUPED = "ungrouped"
"""The caseload filter's word for people with no population group: no open episode, or an input
the tables refuse (`currency_grouping.population_group_of` decides who that is)."""


def caseload_groups() -> list[tuple[str, str]]:
    """The caseload's group filter, web page and API alike: (code, label) for every population group
    in the current tables, then `ungrouped`."""
    rows = currency_reference().population_groups
    return [(g.group_code, f"{g.group_code}: {g.name}") for g in rows] + [(UNGROUPED, "No group (not grouped)")]


def check_caseload_group(value: str) -> str:
    """A caseload group filter as given; ValueError saying where the valid codes are if it is not one."""
    codes = [code for code, _ in caseload_groups()]
    if value not in codes:
        version = currency_reference().version
        raise ValueError(
            f"{value!r} is not a population group in the {version} currency tables (population_groups.csv); "
            f"give one of {', '.join(codes[:-1])}, or {UNGROUPED!r} for people without a group"
        )
    return value
