"""MHSDS-shaped CSV files: one per table, named after it (MHS801ClusterTool.csv, ...).

Writing is plain CSV (UTF-8, a header row of the field names, dates as YYYY-MM-DD). Reading is
strict: the header must hold every required field and no unknown one, so a misspelt column is
an error rather than silently empty data; faults name the file, the line and the field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from carecluster.interop.errors import Issue
from carecluster.interop.nds import fields
from carecluster.interop.nds.rows import (
    NdsError,
    Row,
    assessment_rows,
    assignment_period_rows,
    cluster_tool_rows,
    patient_rows,
    periods_from_rows,
    records_from_rows,
)
from carecluster.interop.records import AssessmentRecord, ClusterAssignmentPeriod
from carecluster.reference.models import ReferenceSet
from carecluster.spreadsheet import restore_cell, safe_cell
from carecluster.store.private import write_private


def file_name(table: str) -> str:
    return f"{table}.csv"


def to_csv(table: str, rows: Iterable[Row]) -> str:
    """One table as CSV; text a spreadsheet would evaluate is escaped (`carecluster.spreadsheet`)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields.COLUMNS[table], lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: safe_cell(value) for key, value in row.items()} for row in rows)
    return out.getvalue()


def from_csv(
    table: str,
    text: str,
    source: str | None = None,
    columns: Sequence[str] | None = None,
    required: Sequence[str] | None = None,
) -> list[Row]:
    """Rows of one table's CSV text; the header is checked against the table's fields (those of
    `fields` unless `columns` and `required` are given)."""
    source = source or file_name(table)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise NdsError([Issue(f"not readable as CSV: {error}", f"{source} line 1", "structure")]) from None
    known = fields.COLUMNS[table] if columns is None else columns
    required = fields.REQUIRED[table] if required is None else required
    issues = [
        Issue(f"unknown field {name!r}", f"{source} line 1, {name}", "structure")
        for name in header
        if name not in known
    ]
    issues += [
        Issue(f"missing field {name!r}", f"{source} line 1", "required") for name in required if name not in header
    ]
    if table == fields.CLUSTER_ASSESS and not {"cc_ScaleCode", "CodedAssToolType"} & set(header):
        issues.append(
            Issue("needs cc_ScaleCode or CodedAssToolType to name each scale", f"{source} line 1", "required")
        )
    if issues:
        raise NdsError(issues)
    rows = []
    line = 1
    try:
        for line, raw in enumerate(reader, start=2):
            if None in raw:
                raise NdsError([Issue("more values than fields", f"{source} line {line}", "structure")])
            rows.append({key.strip(): restore_cell(value or "") for key, value in raw.items()})
    except csv.Error as error:  # an oversized field, a stray quote at the end of the file
        raise NdsError([Issue(f"not readable as CSV: {error}", f"{source} line {line + 1}", "structure")]) from None
    return rows


@dataclass(frozen=True)
class NdsData:
    records: list[AssessmentRecord]
    periods: list[ClusterAssignmentPeriod]


def export_tables(
    records: Sequence[AssessmentRecord], periods: Sequence[ClusterAssignmentPeriod], reference: ReferenceSet
) -> dict[str, str]:
    """CSV text by table name: MHS001MPI, MHS801ClusterTool, MHS802ClusterAssess, MHS803CareCluster."""
    users = [r.service_user for r in records] + [p.service_user for p in periods]
    return {
        fields.MPI: to_csv(fields.MPI, patient_rows(users)),
        fields.CLUSTER_TOOL: to_csv(fields.CLUSTER_TOOL, cluster_tool_rows(records, reference)),
        fields.CLUSTER_ASSESS: to_csv(fields.CLUSTER_ASSESS, assessment_rows(records)),
        fields.CARE_CLUSTER: to_csv(fields.CARE_CLUSTER, assignment_period_rows(periods, reference)),
    }


def import_tables(texts: dict[str, str], reference: ReferenceSet) -> NdsData:
    """The inverse of export_tables; MHS803 may be absent (no periods)."""
    missing = [t for t in (fields.MPI, fields.CLUSTER_TOOL, fields.CLUSTER_ASSESS) if t not in texts]
    if missing:
        raise NdsError([Issue(f"missing file {file_name(t)}", file_name(t), "required") for t in missing])
    patients = from_csv(fields.MPI, texts[fields.MPI])
    tools = from_csv(fields.CLUSTER_TOOL, texts[fields.CLUSTER_TOOL])
    scores = from_csv(fields.CLUSTER_ASSESS, texts[fields.CLUSTER_ASSESS])
    periods_rows = from_csv(fields.CARE_CLUSTER, texts[fields.CARE_CLUSTER]) if fields.CARE_CLUSTER in texts else []
    issues: list[Issue] = []
    records: list[AssessmentRecord] = []
    periods: list[ClusterAssignmentPeriod] = []
    try:
        records = records_from_rows(patients, tools, scores, reference)
    except NdsError as error:
        issues += error.issues
    try:
        periods = periods_from_rows(patients, periods_rows, reference)
    except NdsError as error:
        issues += [i for i in error.issues if not (i.expression or "").startswith(fields.MPI)]
    if issues:
        raise NdsError(issues)
    if tools and "cc_ChosenCluster" not in tools[0]:
        records = _chosen_from_periods(records, periods)
    return NdsData(records, periods)


def _chosen_from_periods(
    records: list[AssessmentRecord], periods: list[ClusterAssignmentPeriod]
) -> list[AssessmentRecord]:
    """The national form has no chosen cluster in MHS801: where MHS803 assigns a cluster other
    than the initial one under the same ClustId, that was the clinician's choice."""
    first_period: dict[str, ClusterAssignmentPeriod] = {}
    for period in sorted(periods, key=lambda p: p.start):
        first_period.setdefault(period.assessment_id, period)
    result = []
    for record in records:
        first = first_period.get(record.id)
        allocation = record.allocation
        if allocation is not None and first is not None and first.cluster != allocation.suggested_cluster:
            record = record.model_copy(
                update={"allocation": allocation.model_copy(update={"chosen_cluster": first.cluster})}
            )
        result.append(record)
    return result


def write_directory(
    directory: Path,
    records: Sequence[AssessmentRecord],
    periods: Sequence[ClusterAssignmentPeriod],
    reference: ReferenceSet,
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table, text in export_tables(records, periods, reference).items():
        path = directory / file_name(table)
        write_private(path, text)
        written.append(path)
    return written


def _text_of(path: Path) -> str:
    """A file's UTF-8 text, or an NdsError naming the file and the line that is not UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise NdsError([Issue("not UTF-8 text", f"{path.name} line {line}", "structure")]) from None


def read_directory(directory: Path, reference: ReferenceSet) -> NdsData:
    texts = {}
    for table in fields.TABLES:
        path = directory / file_name(table)
        if path.exists():
            texts[table] = _text_of(path)
    return import_tables(texts, reference)
