"""Records to MHSDS-shaped rows and back: pure functions, iterables in, lists out.

The service layer calls these with what it reads from (or writes to) the database; files.py
adds CSV. Every parser checks strictly and reports each fault with the table, the line (as in
a CSV file with a header: first row = line 2) and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time

from pydantic import ValidationError

from carecluster.domain.ratings import PROBLEM_TYPES, RatingError, Ratings
from carecluster.domain.schedule import ClusteringEvent
from carecluster.interop.errors import InteropError, Issue
from carecluster.interop.nds import fields
from carecluster.interop.nds.codes import builtin_codes
from carecluster.interop.records import (
    AllocationRecord,
    AssessmentRecord,
    ClusterAssignmentPeriod,
    Rater,
    ServiceUser,
    nhs_number_problem,
    super_class_code,
    super_class_name,
)
from carecluster.reference.models import SCALE_CODES, ReferenceSet

Row = dict[str, str]

PROBLEM_TYPE_ROW = "8_TYPE"
"""cc_ScaleCode of the row carrying scale 8's problem type (HoNOS item 8 type)."""


def _scale_concepts() -> dict[str, str]:
    table = builtin_codes()
    found = {scale: table.code_for("mhct", scale) for scale in SCALE_CODES}
    found[PROBLEM_TYPE_ROW] = table.code_for("mhct", "8_type")
    missing = [scale for scale, code in found.items() if code is None]
    if missing:
        raise RuntimeError(f"the MHSDS assessment code reference data has no code for MHCT scale(s) {missing}")
    return {scale: code.concept_code for scale, code in found.items() if code is not None}


SCALE_CONCEPT: dict[str, str] = _scale_concepts()
"""MHCT scale (and 8_TYPE) -> the SNOMED CT concept written as CodedAssToolType."""
SCALE_BY_CONCEPT: dict[str, str] = {concept: scale for scale, concept in SCALE_CONCEPT.items()}


class NdsError(InteropError):
    """National data set rows or files that cannot be imported; each issue names table, line, field."""


def cluster_code(number: int) -> str:
    """00-21, two digits, as AMHCareClustCodeInit/Fin."""
    return f"{number:02d}"


def local_patient_id(user: ServiceUser) -> str:
    """MHSDS keys a person by LocalPatientId; where none is recorded the NHS number stands in."""
    return user.local_id or user.nhs_number or ""


# --- out ----------------------------------------------------------------------------------------


def patient_rows(users: Iterable[ServiceUser]) -> list[Row]:
    """MHS001MPI: one row per person (LocalPatientId, NHSNumber)."""
    rows: dict[str, Row] = {}
    for user in users:
        key = local_patient_id(user)
        row = {"LocalPatientId": key, "NHSNumber": user.nhs_number or ""}
        if key in rows and rows[key] != row:
            raise ValueError(f"LocalPatientId {key} is used for two different NHS numbers")
        rows[key] = row
    return list(rows.values())


def cluster_tool_rows(records: Iterable[AssessmentRecord], reference: ReferenceSet) -> list[Row]:
    """MHS801ClusterTool: one row per assessment."""
    rows = []
    for record in records:
        allocation = record.allocation
        if allocation is not None:
            super_class = super_class_code(allocation.suggested_cluster, reference)
        elif record.super_class_given:
            super_class = reference.decision_tree.super_class(record.super_class_given).code
        else:
            super_class = "Z"
        given = reference.decision_tree.super_class(record.super_class_given).code if record.super_class_given else ""
        rows.append(
            {
                "ClustId": record.id,
                "LocalPatientId": local_patient_id(record.service_user),
                "ClustCat": fields.ADULT_MHCT,
                "AssToolCompDate": record.assessed_on.isoformat(),
                "AssToolCompTime": record.completed_time.isoformat() if record.completed_time else "",
                "ClustToolAssReason": record.assessment_reason or "",
                "MHCareClusterSuperClass": super_class,
                "AMHCareClustCodeInit": cluster_code(allocation.suggested_cluster) if allocation else "",
                "cc_ClusteringEvent": record.event.value if record.event else "",
                "cc_SuperClassGiven": given,
                "cc_Heading": record.heading or "",
                "cc_RaterId": (record.rater.id or "") if record.rater else "",
                "cc_RaterName": (record.rater.name or "") if record.rater else "",
                "cc_ChosenCluster": (
                    cluster_code(allocation.chosen_cluster)
                    if allocation and allocation.chosen_cluster is not None
                    else ""
                ),
                "cc_ChoiceReason": (allocation.reason or "") if allocation else "",
                "cc_ReferenceSetId": allocation.reference_id if allocation else "",
                "cc_ReferenceSetVersion": allocation.reference_version if allocation else "",
            }
        )
    return rows


def assessment_rows(records: Iterable[AssessmentRecord]) -> list[Row]:
    """MHS802ClusterAssess: one row per rated scale, then scale 8's problem type as its own row.

    CodedAssToolType is the SNOMED CT concept of the reference data (`codes.py`): HoNOS items for
    scales 1-12, the MHCT summary codes for 13 and A-E, the HoNOS item 8 type (PersScore = the
    letter). cc_ScaleCode always names the scale. PersScore is the rating as recorded, 9 for not
    known (national analyses count 0-4 as valid scores).
    """
    rows = []
    for record in records:
        ratings = record.ratings
        for scale, value in zip(SCALE_CODES, ratings.values, strict=True):
            rows.append(
                {
                    "ClustId": record.id,
                    "CodedAssToolType": SCALE_CONCEPT[scale],
                    "PersScore": str(value),
                    "cc_ScaleCode": scale,
                    "cc_ProblemType": "",
                    "cc_ProblemDescription": (ratings.problem_description or "") if scale == "8" else "",
                }
            )
            if scale == "8" and ratings.problem_type:
                rows.append(
                    {
                        "ClustId": record.id,
                        "CodedAssToolType": SCALE_CONCEPT[PROBLEM_TYPE_ROW],
                        "PersScore": ratings.problem_type,
                        "cc_ScaleCode": PROBLEM_TYPE_ROW,
                        "cc_ProblemType": "",
                        "cc_ProblemDescription": "",
                    }
                )
    return rows


def assignment_period_rows(periods: Iterable[ClusterAssignmentPeriod], reference: ReferenceSet) -> list[Row]:
    """MHS803CareCluster: one row per care cluster assignment period (open periods: no end date)."""
    return [
        {
            "ClustId": period.assessment_id,
            "LocalPatientId": local_patient_id(period.service_user),
            "AMHCareClustCodeFin": cluster_code(period.cluster),
            "MHCareClusterSuperClass": super_class_code(period.cluster, reference),
            "StartDateCareClust": period.start.isoformat(),
            "EndDateCareClust": period.end.isoformat() if period.end else "",
        }
        for period in periods
    ]


# --- in -----------------------------------------------------------------------------------------


@dataclass
class _Checker:
    table: str
    issues: list[Issue]

    def add(self, line: int, field: str | None, message: str) -> None:
        where = f"{self.table} line {line}" + (f", {field}" if field else "")
        self.issues.append(Issue(message, where, "value"))

    def date(self, row: Mapping[str, str], line: int, field: str, required: bool = True) -> date | None:
        text = (row.get(field) or "").strip()
        if not text:
            if required:
                self.add(line, field, "a date (YYYY-MM-DD) is required")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.add(line, field, f"{text!r} is not a date (YYYY-MM-DD)")
            return None

    def time(self, row: Mapping[str, str], line: int, field: str) -> time | None:
        text = (row.get(field) or "").strip()
        if not text:
            return None
        try:
            return time.fromisoformat(text)
        except ValueError:
            self.add(line, field, f"{text!r} is not a time (HH:MM:SS)")
            return None

    def cluster(self, row: Mapping[str, str], line: int, field: str, required: bool = True) -> int | None:
        text = (row.get(field) or "").strip()
        if not text:
            if required:
                self.add(line, field, "a care cluster code (00-21) is required")
            return None
        if len(text) != 2 or not text.isdigit() or int(text) > 21 or text == "09":
            self.add(line, field, f"{text!r} is not a care cluster code (two digits 00-08 or 10-21)")
            return None
        return int(text)


def _lines(rows: Sequence[Mapping[str, str]]) -> Iterable[tuple[int, Mapping[str, str]]]:
    return ((index + 2, row) for index, row in enumerate(rows))


def read_patients(rows: Sequence[Mapping[str, str]], issues: list[Issue]) -> dict[str, ServiceUser]:
    """MHS001MPI rows -> service users by LocalPatientId."""
    check = _Checker(fields.MPI, issues)
    users: dict[str, ServiceUser] = {}
    for line, row in _lines(rows):
        key = (row.get("LocalPatientId") or "").strip()
        nhs = (row.get("NHSNumber") or "").strip() or None
        if not key:
            check.add(line, "LocalPatientId", "required")
            continue
        if nhs and (problem := nhs_number_problem(nhs)):
            check.add(line, "NHSNumber", problem)
            continue
        if key in users:
            check.add(line, "LocalPatientId", f"{key} is listed twice")
            continue
        users[key] = ServiceUser(nhs_number=nhs, local_id=None if key == nhs else key)
    return users


def _person(users: Mapping[str, ServiceUser], key: str, check: _Checker, line: int) -> ServiceUser | None:
    if not key:
        check.add(line, "LocalPatientId", "required")
        return None
    if key not in users:
        check.add(line, "LocalPatientId", f"{key} is not in {fields.MPI}")
        return None
    return users[key]


def _scale_of(row: Mapping[str, str], check: _Checker, line: int) -> str | None:
    scale = (row.get("cc_ScaleCode") or "").strip().upper()
    concept = (row.get("CodedAssToolType") or "").strip()
    by_concept = SCALE_BY_CONCEPT.get(concept) if concept else None
    if concept and by_concept is None:
        check.add(line, "CodedAssToolType", f"{concept} is not a known MHCT scale concept")
        return None
    if scale and scale not in SCALE_CODES and scale != PROBLEM_TYPE_ROW:
        check.add(line, "cc_ScaleCode", f"{scale!r} is not an MHCT scale ({', '.join(SCALE_CODES)})")
        return None
    if scale and by_concept and scale != by_concept:
        check.add(line, "CodedAssToolType", f"{concept} is scale {by_concept}, but cc_ScaleCode says {scale}")
        return None
    if not (scale or by_concept):
        check.add(line, "cc_ScaleCode", "the scale is not named (cc_ScaleCode or CodedAssToolType)")
        return None
    return scale or by_concept


def _text(value: object) -> str | None:
    """A problem type or description as `_assess_by_tool` stores it (text), or None when not given."""
    return value if isinstance(value, str) else None


def _assess_by_tool(rows: Sequence[Mapping[str, str]], issues: list[Issue]) -> dict[str, tuple[int, dict[str, object]]]:
    """MHS802 rows grouped by ClustId: {ClustId: (first line, {scale: score, '8_TYPE': .., ...})}."""
    check = _Checker(fields.CLUSTER_ASSESS, issues)
    grouped: dict[str, tuple[int, dict[str, object]]] = {}
    for line, row in _lines(rows):
        clust = (row.get("ClustId") or "").strip()
        if not clust:
            check.add(line, "ClustId", "required")
            continue
        scale = _scale_of(row, check, line)
        score = (row.get("PersScore") or "").strip()
        scores = grouped.setdefault(clust, (line, {}))[1]
        if scale == PROBLEM_TYPE_ROW:
            if score not in PROBLEM_TYPES:
                check.add(line, "PersScore", f"{score!r} is not a scale 8 problem type (A-J)")
            elif scores.get(PROBLEM_TYPE_ROW, score) != score:
                check.add(line, "PersScore", f"scale 8 of {clust} has two problem types")
            else:
                scores[PROBLEM_TYPE_ROW] = score
            continue
        if score not in ("0", "1", "2", "3", "4", "9"):
            check.add(line, "PersScore", f"{score!r} is not a rating (0-4, or 9 for not known)")
            if scale is not None:
                scores.setdefault(scale, None)  # reported here; not "missing" as well
            continue
        if scale is None:
            continue
        if scores.get(scale, ...) is not ...:
            check.add(line, "cc_ScaleCode", f"scale {scale} of {clust} is given twice")
            continue
        scores[scale] = int(score)
        for field, key in (("cc_ProblemType", "8_TYPE"), ("cc_ProblemDescription", "8_DESCRIPTION")):
            value = (row.get(field) or "").strip()
            if value and scale != "8":
                check.add(line, field, "only the scale 8 row carries a problem type or description")
            elif value and scores.get(key, value) != value:
                check.add(line, field, f"scale 8 of {clust} has two problem types")
            elif value:
                scores[key] = value
    return grouped


def _allocation(row: Mapping[str, str], check: _Checker, line: int, reference: ReferenceSet) -> AllocationRecord | None:
    """The allocation a row records. The national form (no cc_ReferenceSetId column) names no
    reference set: its suggestion is taken as made with the one in force for the import."""
    suggested = check.cluster(row, line, "AMHCareClustCodeInit", required=False)
    chosen = check.cluster(row, line, "cc_ChosenCluster", required=False)
    national = "cc_ReferenceSetId" not in row
    ref_id = reference.id if national else (row.get("cc_ReferenceSetId") or "").strip()
    ref_version = reference.version if national else (row.get("cc_ReferenceSetVersion") or "").strip()
    if suggested is None:
        if chosen is not None or (ref_id and not national):
            check.add(line, "AMHCareClustCodeInit", "a chosen cluster or reference set without the suggested cluster")
        return None
    if not ref_id or not ref_version:
        check.add(line, "cc_ReferenceSetId", "every allocation names the reference set id and version it used")
        return None
    return AllocationRecord(
        suggested_cluster=suggested,
        chosen_cluster=chosen,
        reason=(row.get("cc_ChoiceReason") or "").strip() or None,
        reference_id=ref_id,
        reference_version=ref_version,
    )


def records_from_rows(
    patients: Sequence[Mapping[str, str]],
    tools: Sequence[Mapping[str, str]],
    assessments: Sequence[Mapping[str, str]],
    reference: ReferenceSet,
) -> list[AssessmentRecord]:
    """MHS001 + MHS801 + MHS802 rows -> assessments, or an NdsError listing every fault."""
    issues: list[Issue] = []
    users = read_patients(patients, issues)
    scores_by_tool = _assess_by_tool(assessments, issues)
    check = _Checker(fields.CLUSTER_TOOL, issues)
    has_given_column = any("cc_SuperClassGiven" in row for row in tools)
    events = {e.value for e in ClusteringEvent}
    records: list[AssessmentRecord] = []
    seen: set[str] = set()
    for line, row in _lines(tools):
        clust = (row.get("ClustId") or "").strip()
        if not clust or clust in seen:
            check.add(line, "ClustId", "required" if not clust else f"{clust} is listed twice")
            continue
        seen.add(clust)
        user = _person(users, (row.get("LocalPatientId") or "").strip(), check, line)
        assessed_on = check.date(row, line, "AssToolCompDate")
        category = (row.get("ClustCat") or "").strip()
        if category != fields.ADULT_MHCT:
            check.add(line, "ClustCat", f"{category!r}: only the adult MHCT ({fields.ADULT_MHCT}) is supported")
        super_class = (row.get("MHCareClusterSuperClass") or "").strip()
        if super_class not in fields.SUPER_CLASS_CODES:
            check.add(line, "MHCareClusterSuperClass", f"{super_class!r} is not one of A, B, C, Z")
        given_code = (row.get("cc_SuperClassGiven") or "").strip() if has_given_column else super_class
        given = super_class_name(given_code, reference) if given_code else None
        if given_code and given_code != "Z" and given is None:
            check.add(line, "cc_SuperClassGiven", f"{given_code!r} is not one of A, B, C")
        event = (row.get("cc_ClusteringEvent") or "").strip()
        if event and event not in events:
            check.add(line, "cc_ClusteringEvent", f"{event!r} is not one of {', '.join(sorted(events))}")
        allocation = _allocation(row, check, line, reference)
        completed_time = check.time(row, line, "AssToolCompTime")
        reason_code = (row.get("ClustToolAssReason") or "").strip() or None
        if reason_code is not None and (len(reason_code) != 2 or not reason_code.isdigit()):
            check.add(line, "ClustToolAssReason", f"{reason_code!r} is not a two-digit code")
        if clust not in scores_by_tool:
            check.add(line, "ClustId", f"no {fields.CLUSTER_ASSESS} rows for {clust}")
            continue
        scores = scores_by_tool[clust][1]
        missing = [scale for scale in SCALE_CODES if scale not in scores]
        if any(scores.get(scale) is None for scale in SCALE_CODES if scale in scores):
            continue  # a bad score, already reported
        if missing:
            check.add(line, "ClustId", f"{clust}: no {fields.CLUSTER_ASSESS} row for scale(s) {', '.join(missing)}")
            continue
        try:
            ratings = Ratings.from_sequence(
                [scores[s] for s in SCALE_CODES], _text(scores.get("8_TYPE")), _text(scores.get("8_DESCRIPTION"))
            )
        except RatingError as error:
            _Checker(fields.CLUSTER_ASSESS, issues).add(scores_by_tool[clust][0], "cc_ProblemType", f"{clust}: {error}")
            continue
        if user is None or assessed_on is None or issues:
            continue
        rater_id = (row.get("cc_RaterId") or "").strip() or None
        rater_name = (row.get("cc_RaterName") or "").strip() or None
        try:
            records.append(
                AssessmentRecord(
                    id=clust,
                    service_user=user,
                    assessed_on=assessed_on,
                    ratings=ratings,
                    event=ClusteringEvent(event) if event else None,
                    rater=Rater(id=rater_id, name=rater_name) if rater_id or rater_name else None,
                    super_class_given=given,
                    heading=(row.get("cc_Heading") or "").strip() or None,
                    allocation=allocation,
                    completed_time=completed_time,
                    assessment_reason=reason_code,
                )
            )
        except ValidationError as error:
            check.add(line, "ClustId", "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors()))
    unused = sorted(set(scores_by_tool) - seen)
    for clust in unused:
        _Checker(fields.CLUSTER_ASSESS, issues).add(
            scores_by_tool[clust][0], "ClustId", f"{clust} is not in {fields.CLUSTER_TOOL}"
        )
    if issues:
        raise NdsError(issues)
    return records


def periods_from_rows(
    patients: Sequence[Mapping[str, str]], rows: Sequence[Mapping[str, str]], reference: ReferenceSet
) -> list[ClusterAssignmentPeriod]:
    """MHS001 + MHS803 rows -> care cluster assignment periods, or an NdsError."""
    issues: list[Issue] = []
    users = read_patients(patients, issues)
    check = _Checker(fields.CARE_CLUSTER, issues)
    periods = []
    for line, row in _lines(rows):
        clust = (row.get("ClustId") or "").strip()
        if not clust:
            check.add(line, "ClustId", "required")
        user = _person(users, (row.get("LocalPatientId") or "").strip(), check, line)
        cluster = check.cluster(row, line, "AMHCareClustCodeFin")
        start = check.date(row, line, "StartDateCareClust")
        end = check.date(row, line, "EndDateCareClust", required=False)
        stated = (row.get("MHCareClusterSuperClass") or "").strip()
        if cluster is not None and stated and stated != super_class_code(cluster, reference):
            check.add(
                line,
                "MHCareClusterSuperClass",
                f"{stated!r} but cluster {cluster:02d} belongs to super class {super_class_code(cluster, reference)}",
            )
            continue
        if start and end and end < start:
            check.add(line, "EndDateCareClust", f"ends {end} before it starts {start}")
            continue
        if clust and user and cluster is not None and start:
            periods.append(
                ClusterAssignmentPeriod(service_user=user, assessment_id=clust, cluster=cluster, start=start, end=end)
            )
    if issues:
        raise NdsError(issues)
    return periods
