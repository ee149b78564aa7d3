"""The 2026/27 grouping cascade for one spell or contact: pure, no database, no web.

Order (facts from the open ICB rebuilds of NHS England's grouper, see docs/currency.md):
children on a mental health support team go to MCS first; then the primary diagnosis, then the
bed type (spells) or team type (contacts), then the referral reason; the first tier whose code
names a population group decides. Under the adult age a group that is adults-only becomes MCG;
when no tier decides, children fall to MCG and adults to MBU ("unclassified"). A code given but
absent from the year's tables, or a missing or impossible age, is never guessed: the record is
"rejected" with the field and the reason.

The vectorised form (`carecluster.currency.vector`) must give the same answers; tests check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from carecluster.currency.reference import CurrencyReference, TeamType

Status = Literal["grouped", "unclassified", "rejected"]
Tier = Literal["mhst", "diagnosis", "bed_type", "team_type", "referral_reason", "fallback"]

# National data set (MHSDS v6) field names used for input and in every message.
SPELL_ID = "HospProvSpellID"
CONTACT_ID = "CareContactId"
SPELL_AGE = "AgeHospStartDate"
CONTACT_AGE = "AgeCareContDate"
DIAGNOSIS = "PrimDiag"
BED_TYPE = "MHAdmittedPatientClass"
TEAM_TYPE = "ServTeamTypeRefToMH"
REFERRAL_REASON = "PrimReasonReferralMH"
PRIORITY = "ClinRespPriorityType"
KIND_FIELD = f"{SPELL_ID}/{CONTACT_ID}"

ICD10 = re.compile(r"^[A-Z][0-9]{2}[0-9A-Z]{0,5}$")
AGE = re.compile(r"^[0-9]{1,3}$")
MAX_AGE = 130
LABELS = {DIAGNOSIS: "diagnosis", BED_TYPE: "bed type", TEAM_TYPE: "team type", REFERRAL_REASON: "referral reason"}
TIER_OF: dict[str, Tier] = {
    DIAGNOSIS: "diagnosis",
    BED_TYPE: "bed_type",
    TEAM_TYPE: "team_type",
    REFERRAL_REASON: "referral_reason",
}


@dataclass(frozen=True, slots=True)
class Activity:
    """One spell or contact, as the data set gives it (codes as text)."""

    kind: str | None
    """'spell' or 'contact'; anything else is rejected."""
    age: int | str | None
    diagnosis: str | None = None
    bed_type: str | None = None
    team_type: str | None = None
    referral_reason: str | None = None
    priority: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    value: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class GroupResult:
    status: Status
    code: str | None
    population_group: str | None
    population_name: str | None
    family: str | None
    family_unit: str | None
    setting: str | None
    setting_name: str | None
    tier: Tier | None
    reason: str
    field: str | None
    reference_version: str
    problems: tuple[Problem, ...] = ()


class Lookups:
    """Dictionaries built once per reference year."""

    def __init__(self, ref: CurrencyReference) -> None:
        self.version = ref.version
        self.adult_from = ref.manifest.adult_from_age
        self.groups = {g.category: g for g in ref.population_groups if g.category}
        self.by_code = {g.group_code: g for g in ref.population_groups}
        self.cyp_fallback = next(g for g in ref.population_groups if g.role == "cyp_fallback")
        self.adult_fallback = next(g for g in ref.population_groups if g.role == "adult_fallback")
        self.mhst = next((g for g in ref.population_groups if g.group_code == "MCS"), None)
        self.maz = "MAZ"
        self.settings = {(f.family, f.setting): f for f in ref.families}
        self.icd10: dict[str, str] = {}
        for r in ref.icd10_ranges:
            letter, lo, hi = r.first[0], int(r.first[1:]), int(r.last[1:])
            for n in range(lo, hi + 1):
                self.icd10[f"{letter}{n:02d}"] = r.category
        self.teams = {t.code: t for t in ref.team_types}
        self.beds = {b.code: b for b in ref.bed_types}
        self.reasons = {r.code: r.category for r in ref.referral_reasons}
        self.urgent = frozenset(p.code for p in ref.crisis_priorities)


_CACHE: dict[int, tuple[CurrencyReference, Lookups]] = {}


def lookups(ref: CurrencyReference) -> Lookups:
    hit = _CACHE.get(id(ref))
    if hit is None or hit[0] is not ref:
        hit = (ref, Lookups(ref))
        _CACHE[id(ref)] = hit
    return hit[1]


def kind_of(spell_id: object, contact_id: object) -> str | None:
    """'spell', 'contact', 'both' (rejected) or None (rejected) from the two identifiers."""
    spell, contact = clean(spell_id) is not None, clean(contact_id) is not None
    if spell and contact:
        return "both"
    return "spell" if spell else "contact" if contact else None


def clean(value: object) -> str | None:
    """Codes are compared as trimmed upper-case text; blank is not given."""
    if value is None:
        return None
    text = str(value).strip().upper()
    return text or None


def clean_diagnosis(value: object) -> str | None:
    text = clean(value)
    return None if text is None else text.replace(".", "")


def parse_age(value: object) -> tuple[int | None, str | None]:
    """(age, fault): whole years 0-130 as int or digits; None when not given."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, "not a whole number of years"
    if isinstance(value, int):
        text = str(value)
    else:
        text = str(value).strip()
        if not text:
            return None, None
    if not AGE.match(text) or int(text) > MAX_AGE:
        return None, f"{text} is not a whole number of years from 0 to {MAX_AGE}"
    return int(text), None


def problems_of(act: Activity, lk: Lookups) -> list[Problem]:
    """Every fault in the record, in field order; empty when it can be grouped."""
    found: list[Problem] = []
    kind = act.kind
    if kind not in ("spell", "contact"):
        why = (
            f"gives both {SPELL_ID} and {CONTACT_ID}"
            if kind == "both"
            else f"neither {SPELL_ID} nor {CONTACT_ID} is given"
        )
        found.append(Problem(KIND_FIELD, None, why))
    age_field = SPELL_AGE if kind == "spell" else CONTACT_AGE
    age, fault = parse_age(act.age)
    if kind in ("spell", "contact"):
        if fault is not None:
            found.append(Problem(age_field, clean(act.age), fault))
        elif age is None:
            found.append(Problem(age_field, None, "age not given: the age rules cannot be applied"))
    diag = clean_diagnosis(act.diagnosis)
    if diag is not None and not ICD10.match(diag):
        found.append(Problem(DIAGNOSIS, diag, f"{diag} is not an ICD-10 code"))
    if kind == "spell":
        bed = clean(act.bed_type)
        if bed is not None and bed not in lk.beds:
            found.append(Problem(BED_TYPE, bed, f"bed type {bed} is not in the {lk.version} tables"))
    if kind == "contact":
        team = clean(act.team_type)
        if team is not None and team not in lk.teams:
            found.append(Problem(TEAM_TYPE, team, f"team type {team} is not in the {lk.version} tables"))
    reason = clean(act.referral_reason)
    if reason is not None and reason not in lk.reasons:
        found.append(Problem(REFERRAL_REASON, reason, f"referral reason {reason} is not in the {lk.version} tables"))
    return found


def _setting(lk: Lookups, family: str, setting: str) -> tuple[str, str, str]:
    row = lk.settings.get((family, setting))
    if row is None:
        return family, setting, "Setting not known"
    return family, row.setting, row.setting_name


def group_activity(act: Activity, ref: CurrencyReference) -> GroupResult:
    """Group one spell or contact; see the module docstring for the rule order."""
    lk = lookups(ref)
    found = problems_of(act, lk)
    if found:
        first = found[0]
        return GroupResult(
            "rejected", None, None, None, None, None, None, None, None,
            f"{first.field}: {first.reason}", first.field, lk.version, tuple(found),
        )  # fmt: skip
    age, _ = parse_age(act.age)
    assert age is not None
    cyp = age < lk.adult_from
    spell = act.kind == "spell"
    diag = clean_diagnosis(act.diagnosis)
    diag3 = diag[:3] if diag else None
    team: TeamType | None = None if spell else lk.teams.get(clean(act.team_type) or "")
    middle_field = BED_TYPE if spell else TEAM_TYPE
    middle_value = clean(act.bed_type) if spell else clean(act.team_type)
    middle_cat = (
        (lk.beds[middle_value].category if spell else lk.teams[middle_value].category) if middle_value else None
    )
    reason_code = clean(act.referral_reason)
    tiers = (
        (DIAGNOSIS, diag3, lk.icd10.get(diag3) if diag3 else None),
        (middle_field, middle_value, middle_cat),
        (REFERRAL_REASON, reason_code, lk.reasons.get(reason_code) if reason_code else None),
    )

    tier: Tier
    if not spell and cyp and middle_cat == "S" and lk.mhst is not None:
        group, tier = lk.mhst, "mhst"
        why = f"team type {middle_value} is a mental health support team; under {lk.adult_from} -> {group.group_code}"
    else:
        for fld, value, cat in tiers:
            if cat is None or (cat == "S" and not cyp):
                continue
            chosen = lk.groups[cat]
            tier = TIER_OF[fld]
            why = f"{LABELS[fld]} {value} -> {chosen.group_code}"
            if cyp and not chosen.available_to_cyp:
                group = lk.cyp_fallback
                why += f", adults only; under {lk.adult_from} -> {group.group_code}"
            else:
                group = chosen
            break
        else:
            group = lk.cyp_fallback if cyp else lk.adult_fallback
            tier = "fallback"
            missing = [fld for fld, value, _ in tiers if value is None]
            why = "no tier decides a group" + (f"; not given: {', '.join(missing)}" if missing else "")
    code, family, setting, setting_name = _code(lk, group.group_code, spell, act, team)
    status: Status = "unclassified" if tier == "fallback" else "grouped"
    return GroupResult(
        status, code, group.group_code, group.name, family, _unit(lk, family), setting, setting_name, tier, why,
        None, lk.version,
    )  # fmt: skip


def _unit(lk: Lookups, family: str) -> str | None:
    row = lk.settings.get((family, "Z"))
    return row.unit if row else None


def _code(lk: Lookups, group: str, spell: bool, act: Activity, team: TeamType | None) -> tuple[str, str, str, str]:
    """Group + family + setting letter, e.g. MAA96A."""
    if spell:
        if group == lk.maz:
            family, setting, name = _setting(lk, "99", "Z")
        else:
            bed = lk.beds.get(clean(act.bed_type) or "")
            family, setting, name = _setting(lk, "98", bed.setting if bed else "Z")
        return f"{group}{family}{setting}", family, setting, name
    if group == "MCS":
        family, setting, name = _setting(lk, "99", "Z")
    elif group == lk.maz:
        crisis_setting = team.setting if team is not None and team.setting_group == "crisis" else None
        family, setting, name = _setting(lk, "99", crisis_setting or "Z")
    elif team is not None and team.setting_group is not None and team.setting is not None:
        family, setting, name = _setting(lk, "96" if team.setting_group == "community" else "97", team.setting)
    else:
        family, setting, name = _setting(lk, "97" if is_crisis_referral(lk, team, act.priority) else "96", "Z")
    return f"{group}{family}{setting}", family, setting, name


def is_crisis_referral(lk: Lookups, team: TeamType | None, priority: object) -> bool:
    """A crisis team, or a team that is crisis only when the response priority is urgent."""
    if team is None:
        return False
    return team.crisis or (team.crisis_if_urgent and clean(priority) in lk.urgent)
