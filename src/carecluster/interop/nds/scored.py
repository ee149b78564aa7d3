"""MHSDS v6 coded scored assessments: MHS606 (referral level) and MHS607 (care activity level).

MHSDS v6 has no clustering tables: every rated measure travels as one row per SNOMED CT coded
item with its score (`CodedAssToolType`, `PersScore`). carecluster records no care contacts, so
the export writes referral-level rows (MHS606CodedScoreAssessmentRefer) keyed by the episode of
care; import reads MHS606 and MHS607 alike. Codes come from the reference data (`codes.py`);
an item without a public code is listed in the rejects with the reason, never given a made-up
code. Field names: see docs/mhsds.md and `fields` below.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from pydantic import BaseModel, ConfigDict

from carecluster.domain.ratings import Ratings
from carecluster.interop.errors import Issue
from carecluster.interop.nds import fields
from carecluster.interop.nds.codes import AssessmentCode, CodeTable, builtin_codes
from carecluster.interop.nds.files import from_csv, to_csv
from carecluster.interop.nds.rows import NdsError, Row, local_patient_id, patient_rows, read_patients
from carecluster.interop.records import ServiceUser
from carecluster.reference.models import SCALE_CODES
from carecluster.spreadsheet import safe_cell

REFER: Final = "MHS606CodedScoreAssessmentRefer"
ACT: Final = "MHS607CodedScoreAssessmentAct"
REFER_COLUMNS: Final = (
    "LocalPatientId",
    "UniqServReqID",
    "CodedAssToolType",
    "PersScore",
    "AssToolCompTimestamp",
    "cc_AssessmentId",
    "cc_Measure",
    "cc_Item",
)
ACT_COLUMNS: Final = (
    "LocalPatientId",
    "UniqServReqID",
    "UniqCareContID",
    "UniqCareActID",
    "CareContDate",
    "CodedAssToolType",
    "PersScore",
    "cc_AssessmentId",
    "cc_Measure",
    "cc_Item",
)
"""CareContDate belongs to MHS201CareContact; it is copied here so that a file stands alone."""
COLUMNS: Final = {REFER: REFER_COLUMNS, ACT: ACT_COLUMNS}
REQUIRED: Final = {
    REFER: ("LocalPatientId", "CodedAssToolType", "PersScore", "AssToolCompTimestamp"),
    ACT: ("LocalPatientId", "UniqCareContID", "CareContDate", "CodedAssToolType", "PersScore"),
}
DATE_FIELD: Final = {REFER: "AssToolCompTimestamp", ACT: "CareContDate"}
REJECTS_COLUMNS: Final = ("AssessmentId", "LocalPatientId", "Measure", "Item", "Reason")

GOAL_MEASURES: Final = frozenset({"gbo", "gas"})
"""Measures rated per goal: the goal's place in the list (1, 2, 3) is its item; GAS has one code
for every goal's attainment level."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Administration(_Frozen):
    """One rated measure as it is to be written: MHCT rating, questionnaire or goal rating.

    `scores` are (item, score as text) in the order written; items follow the code table's
    naming (MHCT scales 1-12, 13, A-E and 8_type; questionnaire item ids; `total`; goal places).
    """

    id: str
    service_user: ServiceUser
    service_request_id: str | None = None
    measure: str
    completed_on: date
    scores: tuple[tuple[str, str], ...]


class ScoredItem(_Frozen):
    """One MHS606/MHS607 row, as read back."""

    local_patient_id: str
    service_request_id: str
    concept_code: str
    score: str
    completed_on: date
    measure: str
    item: str
    assessment_id: str | None = None
    care_contact_id: str | None = None
    care_activity_id: str | None = None


@dataclass(frozen=True, slots=True)
class Reject:
    """An item that was rated but is not written, and why."""

    assessment_id: str
    local_patient_id: str
    measure: str
    item: str
    reason: str


@dataclass
class ScoredExport:
    tables: dict[str, str]
    items: list[ScoredItem]
    rejects: list[Reject] = field(default_factory=list)

    def rejects_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(REJECTS_COLUMNS)
        for r in self.rejects:
            writer.writerow([safe_cell(v) for v in (r.assessment_id, r.local_patient_id, r.measure, r.item, r.reason)])
        return out.getvalue()


# --- what each measure writes ------------------------------------------------------------------


def _number(value: float | int) -> str:
    """A score as text without a spurious '.0' (decimals kept exactly as computed)."""
    return str(int(value)) if float(value).is_integer() else str(value)


def from_mhct(
    assessment_id: str, user: ServiceUser, service_request_id: str | None, completed_on: date, ratings: Ratings
) -> Administration:
    """An MHCT rating: scales 1-12 are the HoNOS working-age items; 13, A-E and scale 8's type follow."""
    scores = [(scale, str(value)) for scale, value in zip(SCALE_CODES, ratings.values, strict=True)]
    if ratings.problem_type:
        scores.insert(SCALE_CODES.index("8") + 1, ("8_type", ratings.problem_type))
    return Administration(
        id=assessment_id,
        service_user=user,
        service_request_id=service_request_id,
        measure="mhct",
        completed_on=completed_on,
        scores=tuple(scores),
    )


def from_outcome(
    administration_id: str,
    user: ServiceUser,
    service_request_id: str | None,
    measure: str,
    completed_on: date,
    answers: Mapping[str, Any],
    goals: Sequence[Mapping[str, Any]] | None,
    score: Mapping[str, Any],
    codes: CodeTable | None = None,
) -> Administration:
    """A stored outcome administration: totals for measures MHSDS carries as a total (ReQoL-10,
    SWEMWBS raw score, CORE-10), each answered item otherwise, each goal by its place for goals.
    Unanswered items have nothing to write; a total that is not valid is written as 'invalid' and
    then rejected (with the reason) by `coded_export`."""
    codes = codes or builtin_codes()
    scores: list[tuple[str, str]] = []
    if measure in GOAL_MEASURES:
        for place, goal in enumerate(goals or [], start=1):
            value = answers.get(str(goal.get("id")))
            if value is not None:
                scores.append((str(place), str(value)))
    elif codes.has_total(measure):
        total = score.get("raw_total") if measure == "swemwbs" else score.get("total")
        if score.get("valid") and total is not None:
            scores.append(("total", _number(total)))
        else:
            scores.append(("total", "invalid: " + str(score.get("reason") or "score not valid")))
    else:
        scores += [(item, str(value)) for item, value in answers.items() if value is not None]
    return Administration(
        id=administration_id,
        service_user=user,
        service_request_id=service_request_id,
        measure=measure,
        completed_on=completed_on,
        scores=tuple(scores),
    )


def _item_code(codes: CodeTable, measure: str, item: str) -> AssessmentCode | None:
    return codes.code_for(measure, "total" if measure == "gas" else item)


def coded_export(administrations: Iterable[Administration], codes: CodeTable | None = None) -> ScoredExport:
    """MHS001MPI and MHS606 CSV text, the items written, and what was not written and why."""
    codes = codes or builtin_codes()
    administrations = list(administrations)
    items: list[ScoredItem] = []
    rejects: list[Reject] = []
    rows: list[Row] = []
    for admin in administrations:
        key = local_patient_id(admin.service_user)
        for item, value in admin.scores:
            code = _item_code(codes, admin.measure, item)
            reason = None
            if value.startswith("invalid: "):
                reason = "the score is not valid: " + value.removeprefix("invalid: ")
            elif code is None:
                reason = codes.why_uncoded(admin.measure, item)
            if reason is not None:
                rejects.append(Reject(admin.id, key, admin.measure, item, reason))
                continue
            assert code is not None
            scored = ScoredItem(
                local_patient_id=key,
                service_request_id=admin.service_request_id or "",
                concept_code=code.concept_code,
                score=value,
                completed_on=admin.completed_on,
                measure=admin.measure,
                item=item,
                assessment_id=admin.id,
            )
            items.append(scored)
            rows.append(_refer_row(scored))
    tables = {
        fields.MPI: to_csv(fields.MPI, patient_rows(a.service_user for a in administrations)),
        REFER: _csv(REFER, rows),
    }
    return ScoredExport(tables, items, rejects)


def _refer_row(item: ScoredItem) -> Row:
    return {
        "LocalPatientId": item.local_patient_id,
        "UniqServReqID": item.service_request_id,
        "CodedAssToolType": item.concept_code,
        "PersScore": item.score,
        "AssToolCompTimestamp": item.completed_on.isoformat(),
        "cc_AssessmentId": item.assessment_id or "",
        "cc_Measure": item.measure,
        "cc_Item": item.item,
    }


def _csv(table: str, rows: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[table], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


# --- in ----------------------------------------------------------------------------------------

_RANGE = re.compile(r"^\s*(-?\d+)\s*-\s*(-?\d+)")
PROBLEM_TYPES: Final = frozenset("ABCDEFGHIJKO")
"""Scale 8 types: A-J (MHSDS 4.1/5.0); 6.0.7.1 adds K (elated mood) and O (other)."""


def value_problem(code: AssessmentCode, text: str) -> str | None:
    """Why `text` is not a score this code allows (from the reference data's values), or None."""
    if code.item == "8_type":
        return None if text in PROBLEM_TYPES else f"{text!r} is not a scale 8 problem type (A-K or O)"
    match = _RANGE.match(code.values)
    if match is None:
        return None
    low, high = int(match.group(1)), int(match.group(2))
    try:
        number = Decimal(text)
    except InvalidOperation:
        return f"{text!r} is not a number ({code.values})"
    if "9=Unknown" in code.values and number == 9:
        return None
    if code.item != "total" and number != number.to_integral_value():
        return f"{text!r} is not a whole number ({code.values})"
    if not low <= number <= high:
        return f"{text} is outside {code.values}"
    return None


def read_scored(
    table: str,
    text: str,
    known_people: Mapping[str, ServiceUser],
    codes: CodeTable | None = None,
    source: str | None = None,
) -> list[ScoredItem]:
    """One MHS606 or MHS607 file, checked strictly; every fault names file, line and field."""
    codes = codes or builtin_codes()
    source = source or f"{table}.csv"
    rows = _read_rows(table, text, source)
    issues: list[Issue] = []
    items: list[ScoredItem] = []

    def fault(line: int, name: str, message: str) -> None:
        issues.append(Issue(message, f"{source} line {line}, {name}", "value"))

    for line, row in enumerate(rows, start=2):
        key = row.get("LocalPatientId", "").strip()
        if not key:
            fault(line, "LocalPatientId", "required")
        elif key not in known_people:
            fault(line, "LocalPatientId", f"{key} is not in {fields.MPI}")
        concept = row.get("CodedAssToolType", "").strip()
        code = codes.by_code(concept) if concept else None
        if code is None:
            fault(line, "CodedAssToolType", f"{concept!r} is not a code in the MHSDS assessment reference data"
                  if concept else "required")  # fmt: skip
        score = row.get("PersScore", "").strip()
        if not score:
            fault(line, "PersScore", "required")
        elif code is not None and (problem := value_problem(code, score)):
            fault(line, "PersScore", f"{code.measure} item {code.item}: {problem}")
        date_field = DATE_FIELD[table]
        when_text = row.get(date_field, "").strip()
        try:
            when = date.fromisoformat(when_text)
        except ValueError:
            fault(line, date_field, f"{when_text!r} is not a date (YYYY-MM-DD)" if when_text else "required")
            when = None
        if table == ACT and not row.get("UniqCareContID", "").strip():
            fault(line, "UniqCareContID", "required")
        measure, item = row.get("cc_Measure", "").strip(), row.get("cc_Item", "").strip()
        if code is not None and measure and measure != code.measure:
            fault(line, "cc_Measure", f"{measure!r} but {concept} is a {code.measure} code")
        elif code is not None and item and item != code.item and code.measure not in GOAL_MEASURES:
            fault(line, "cc_Item", f"{item!r} but {concept} is item {code.item}")
        if code is None or when is None or not key or issues:
            continue
        items.append(
            ScoredItem(
                local_patient_id=key,
                service_request_id=row.get("UniqServReqID", "").strip(),
                concept_code=concept,
                score=score,
                completed_on=when,
                measure=code.measure,
                item=item or code.item,
                assessment_id=row.get("cc_AssessmentId", "").strip() or None,
                care_contact_id=row.get("UniqCareContID", "").strip() or None,
                care_activity_id=row.get("UniqCareActID", "").strip() or None,
            )
        )
    if issues:
        raise NdsError(issues)
    return items


def _read_rows(table: str, text: str, source: str) -> list[Row]:
    return from_csv(table, text, source, columns=COLUMNS[table], required=REQUIRED[table])


def import_scored(texts: Mapping[str, str], codes: CodeTable | None = None) -> list[ScoredItem]:
    """MHS001MPI with MHS606 and/or MHS607 CSV text -> the coded scores, all checked, or an NdsError."""
    if fields.MPI not in texts:
        raise NdsError([Issue(f"missing file {fields.MPI}.csv", f"{fields.MPI}.csv", "required")])
    if REFER not in texts and ACT not in texts:
        raise NdsError([Issue(f"missing file {REFER}.csv (or {ACT}.csv)", f"{REFER}.csv", "required")])
    issues: list[Issue] = []
    people = read_patients(from_csv(fields.MPI, texts[fields.MPI]), issues)
    if issues:
        raise NdsError(issues)
    items: list[ScoredItem] = []
    for table in (REFER, ACT):
        if table in texts:
            try:
                items += read_scored(table, texts[table], people, codes)
            except NdsError as error:
                issues += error.issues
    if issues:
        raise NdsError(issues)
    return items
