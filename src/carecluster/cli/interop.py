"""`carecluster fhir ...` and `carecluster nds ...`: the interoperability formats, on files, and
(`fhir person / team / outcome`, `--database-url` with `--as`) exports run as the API runs them.

Exit codes as elsewhere: 0 success, 2 invalid input. A malformed FHIR resource prints its
OperationOutcome (JSON) on stdout, and one line per issue on stderr, so a script can pass the
OperationOutcome straight back to the system that sent the resource.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from carecluster.api import allocate as api_allocate
from carecluster.cli.common import ReferenceOption, chosen_reference, console, err_console, fail
from carecluster.domain.allocation import AllocationError
from carecluster.domain.ratings import RatingError, Ratings
from carecluster.domain.schedule import ClusteringEvent
from carecluster.interop import AllocationRecord, AssessmentRecord, ClusterAssignmentPeriod, Rater, ServiceUser
from carecluster.interop.allocate import allocate_record
from carecluster.interop.errors import InteropError
from carecluster.interop.fhir import from_resource, mhct_questionnaire, to_bundle, to_questionnaire_response
from carecluster.interop.nds import read_directory, write_directory
from carecluster.interop.nds.fields import MPI, TABLES
from carecluster.interop.nds.files import file_name
from carecluster.store.private import write_private

if TYPE_CHECKING:
    from carecluster.reference.models import ReferenceSet
    from carecluster.service.context import Context

T = TypeVar("T")

fhir_app = typer.Typer(
    help="FHIR R4: the MHCT Questionnaire, assessments as Bundles (export / import), and a database's "
    "people, teams and outcome measures (person / team / outcome)."
)
nds_app = typer.Typer(help="National data set (MHSDS) clustering tables as CSV files (export / import).")


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        write_private(output, text if text.endswith("\n") else text + "\n")
        err_console.print(f"wrote {output}", markup=False)


def _reject(error: InteropError, *, outcome: bool = True) -> None:
    """Issues on stderr (one a line), the OperationOutcome on stdout; exit 2."""
    for issue in error.issues:
        err_console.print(f"carecluster: {issue}", markup=False, soft_wrap=True)
    if outcome:
        sys.stdout.write(error.outcome_json() + "\n")
    raise typer.Exit(2)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        fail(f"{path}: cannot read the file: {error.strerror or error}")


DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        "--database",
        help="Work on this carecluster database (SQLAlchemy URL) instead of files.",
        show_default=False,
    ),
]
AsUser = Annotated[
    str | None,
    typer.Option("--as", help="With --database-url: the member of staff doing it (permissions and audit)."),
]


def _in_database(
    database: str | None, username: str | None, reference: ReferenceSet, work: Callable[[Context], T]
) -> T:
    """Run `work(ctx)` in one unit of work on the database as `username`; refusals exit non-zero."""
    from carecluster.cli.database import unit_of_work

    if not username:
        fail("--as USERNAME is needed with --database-url: every change and export is audited")
    return unit_of_work(database, username, reference, work)


@fhir_app.command("questionnaire")
def fhir_questionnaire(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    reference: ReferenceOption = None,
) -> None:
    """Print the MHCT v3.1 Questionnaire (FHIR R4 JSON) for an electronic patient record to render."""
    _write(mhct_questionnaire(chosen_reference(ctx, reference)).model_dump_json(indent=2), output)


@fhir_app.command("export")
def fhir_export(
    ctx: typer.Context,
    ratings: Annotated[
        str | None, typer.Option("--ratings", help="18 ratings, scales 1-13 then A-E; 9 = not known.")
    ] = None,
    assessed: Annotated[str | None, typer.Option("--date", help="Date rated, YYYY-MM-DD.")] = None,
    nhs_number: Annotated[str | None, typer.Option("--nhs-number", help="The service user's NHS number.")] = None,
    local_id: Annotated[str | None, typer.Option("--local-id", help="The provider's local patient id.")] = None,
    assessment_id: Annotated[str | None, typer.Option("--id", help="Assessment id (default: a new uuid).")] = None,
    event: Annotated[ClusteringEvent | None, typer.Option("--event", help="The clustering event.")] = None,
    super_class: Annotated[
        str | None, typer.Option("--super-class", "-s", help="non-psychotic, psychotic or organic.")
    ] = None,
    heading: Annotated[str | None, typer.Option("--heading", help="The decision tree's next heading.")] = None,
    problem_type: Annotated[str | None, typer.Option("--problem-type", help="Scale 8 problem type A-J.")] = None,
    problem_description: Annotated[
        str | None, typer.Option("--problem-description", help="Scale 8 type J: what the problem is.")
    ] = None,
    rater_name: Annotated[str | None, typer.Option("--rater-name")] = None,
    rater_id: Annotated[str | None, typer.Option("--rater-id")] = None,
    chosen: Annotated[int | None, typer.Option("--chosen", help="The cluster the clinician chose.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why, where the choice departs.")] = None,
    response_only: Annotated[
        bool, typer.Option("--questionnaire-response", help="Write only the QuestionnaireResponse.")
    ] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    reference: ReferenceOption = None,
    database: DatabaseUrl = None,
    as_user: AsUser = None,
    assessment: Annotated[
        str | None, typer.Option("--assessment", help="With --database-url: the stored assessment to export.")
    ] = None,
) -> None:
    """Allocate one MHCT rating and export it as a FHIR transaction Bundle; with --database-url,
    export a stored assessment (--assessment ID) instead."""
    ref = chosen_reference(ctx, reference)
    if database is not None:
        if not assessment:
            fail("--assessment ID is needed with --database-url")
        from carecluster.service.interop import assessment_bundle

        bundle = _in_database(database, as_user, ref, lambda c: assessment_bundle(c, assessment))
        _write(json.dumps(bundle, indent=2), output)
        return
    if ratings is None or assessed is None:
        fail("--ratings and --date are needed (or --database-url with --assessment)")
    try:
        date = dt.date.fromisoformat(assessed)
    except ValueError:
        fail(f"--date: {assessed!r} is not a date (use YYYY-MM-DD)")
    try:
        rated = Ratings.of(ratings, problem_type=problem_type, problem_description=problem_description)
        record = AssessmentRecord(
            id=assessment_id or uuid.uuid4().hex,
            service_user=ServiceUser(nhs_number=nhs_number, local_id=local_id),
            assessed_on=date,
            ratings=rated,
            event=event,
            rater=Rater(id=rater_id, name=rater_name) if rater_id or rater_name else None,
            super_class_given=super_class,  # type: ignore[arg-type]  # the model validates the word
            heading=heading,
        )
        result = api_allocate(rated, super_class, ref, heading=heading)
        allocation = AllocationRecord(
            suggested_cluster=result.suggested_cluster,
            chosen_cluster=chosen,
            reason=reason,
            reference_id=result.reference_id,
            reference_version=result.reference_version,
        )
    except (RatingError, AllocationError) as error:
        fail(str(error))
    except ValidationError as error:
        fail(
            "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors()
            )
        )
    record = record.model_copy(update={"allocation": allocation})
    resource = to_questionnaire_response(record, ref) if response_only else to_bundle(record, ref)
    _write(resource.model_dump_json(indent=2), output)


@fhir_app.command("import")
def fhir_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A QuestionnaireResponse or a Bundle (FHIR R4 JSON).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print {assessment, allocation} as JSON.")] = False,
    reference: ReferenceOption = None,
    database: DatabaseUrl = None,
    as_user: AsUser = None,
) -> None:
    """Read an assessment from FHIR, allocate it, and print both; malformed input gets an OperationOutcome.
    With --database-url, store it (idempotent on its identifier) and print what was stored."""
    ref = chosen_reference(ctx, reference)
    if database is not None:
        from carecluster.service.interop import FhirImport, import_fhir, stored_assessment
        from carecluster.service.schemas import AssessmentCreated

        text = _read_text(file)

        def store(c: Context) -> tuple[FhirImport, AssessmentCreated]:
            done = import_fhir(c, text)
            return done, stored_assessment(c, done.assessment_id)

        try:
            done, stored = _in_database(database, as_user, ref, store)
        except InteropError as error:
            _reject(error)
        word = "stored" if done.created else "already held"
        err_console.print(f"assessment {done.assessment_id}: {word}", markup=False)
        sys.stdout.write(stored.model_dump_json(indent=2) + "\n")
        return
    try:
        imported = from_resource(_read_text(file), ref)
        record, result = allocate_record(imported, ref)
    except InteropError as error:
        _reject(error)
    if as_json:
        payload = {"assessment": record.model_dump(mode="json"), "allocation": result.model_dump(mode="json")}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    user = record.service_user
    console.print(f"Assessment {record.id}: NHS number {user.nhs_number or '-'}, rated {record.assessed_on}")
    console.print(
        f"Ratings: {record.ratings}"
        + (f" (scale 8 type {record.ratings.problem_type})" if record.ratings.problem_type else "")
    )
    allocation = imported.allocation  # as recorded by the sender, if it sent one
    if allocation is not None:
        chosen = f", chosen {allocation.chosen_cluster}" if allocation.chosen_cluster is not None else ""
        console.print(
            f"Recorded allocation: suggested {allocation.suggested_cluster}{chosen} "
            f"({allocation.reference_id} {allocation.reference_version})"
        )
    console.print(f"Suggested cluster {result.suggested_cluster} {result.suggested_label} ({result.status})")
    console.print(result.explanation, markup=False)


Database = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        "--database",
        help="The carecluster database (SQLAlchemy URL); default $CARECLUSTER_DATABASE_URL, else SQLite "
        "in $CARECLUSTER_DATA_DIR.",
        show_default=False,
    ),
]
Exporter = Annotated[
    str | None, typer.Option("--as", help="The member of staff exporting (permissions and audit).", show_default=False)
]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")]


def _staged(output: Path) -> Path:
    """Fail before any export if `output` cannot be written to; else a new owner-only file beside it
    that `_export` fills and renames over it, so a failed write never leaves a partial export."""
    if output.is_dir():
        fail(f"--output {output}: is a directory")
    if not output.parent.is_dir():
        fail(f"--output {output}: no directory {output.parent}")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    except OSError as error:
        fail(f"--output {output}: cannot write there: {error.strerror or error}")
    os.close(fd)  # mkstemp made it 0600, as `write_private` would
    return Path(name)


def _export(
    ctx: typer.Context,
    reference: Path | None,
    database: str | None,
    as_user: str | None,
    where: str,
    output: Path | None,
    use_case: Callable[[Context], str],
) -> None:
    """Run a read-only export use case as `--as` (permission checks and the audit entry as in the
    API) and write its text. The file is written before the transaction commits, so a write that
    fails leaves no audit entry and no file; any mistake is one line and exit 2."""
    from carecluster.cli.database import unit_of_work

    if not as_user:
        fail("--as USERNAME is needed: every export is audited under the member of staff who made it")
    ref = chosen_reference(ctx, reference)
    staged = _staged(output) if output is not None else None

    def export(c: Context) -> str:
        text = use_case(c)
        if staged is not None:
            try:
                write_private(staged, text)
            except OSError as error:
                fail(f"--output {output}: cannot write there: {error.strerror or error}")
        return text

    try:
        text = unit_of_work(database, as_user, ref, export, refused=2, where=where)
        if staged is not None and output is not None:
            staged.replace(output)
            err_console.print(f"wrote {output}", markup=False, soft_wrap=True)
        else:
            sys.stdout.write(text)
    finally:
        if staged is not None:
            staged.unlink(missing_ok=True)  # a no-op once renamed; else the partial file goes


def _as_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


@fhir_app.command("person")
def fhir_person(
    ctx: typer.Context,
    service_user: Annotated[str, typer.Argument(metavar="SERVICE_USER_ID", help="The service user's record id.")],
    as_user: Exporter = None,
    database: Database = None,
    output: Output = None,
    reference: ReferenceOption = None,
) -> None:
    """Export every current assessment of one person as one FHIR transaction Bundle (as
    GET /api/v1/service-users/{id}/fhir), audited under --as."""
    from carecluster.service.interop import person_fhir

    _export(ctx, reference, database, as_user, f"service user {service_user}", output,
            lambda c: _as_json(person_fhir(c, service_user)))  # fmt: skip


@fhir_app.command("team")
def fhir_team(
    ctx: typer.Context,
    team: Annotated[str, typer.Argument(metavar="TEAM", help="The team's code (or its numeric id).")],
    as_user: Exporter = None,
    database: Database = None,
    output: Output = None,
    reference: ReferenceOption = None,
) -> None:
    """Bulk export: one person's FHIR Bundle a line (NDJSON) for each person of the team with
    assessments (as GET /api/v1/teams/{id}/fhir), audited under --as."""
    from carecluster.service.interop import team_fhir_ndjson, team_named

    _export(ctx, reference, database, as_user, f"team {team}", output,
            lambda c: team_fhir_ndjson(c, team_named(c, team)))  # fmt: skip


@fhir_app.command("outcome")
def fhir_outcome(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(metavar="RECORD_ID", help="The outcome measure's record id.")],
    as_user: Exporter = None,
    database: Database = None,
    output: Output = None,
    reference: ReferenceOption = None,
) -> None:
    """Export one outcome measure as a FHIR transaction Bundle (as GET /api/v1/outcomes/{id}/fhir),
    audited under --as."""
    from carecluster.service.interop import outcome_fhir

    _export(ctx, reference, database, as_user, f"outcome {record}", output,
            lambda c: _as_json(outcome_fhir(c, record)))  # fmt: skip


def _json_lines(path: Path, model: type[AssessmentRecord] | type[ClusterAssignmentPeriod]) -> list:
    items = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(model.model_validate_json(line))
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            fail(f"{path} line {number}: {problems}")
    return items


@nds_app.command("export")
def nds_export(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the CSV files.")],
    records: Annotated[
        Path | None, typer.Option("--records", help="Assessments, one AssessmentRecord JSON object a line.")
    ] = None,
    periods: Annotated[
        Path | None, typer.Option("--periods", help="Assignment periods, one JSON object a line.")
    ] = None,
    reference: ReferenceOption = None,
    database: DatabaseUrl = None,
    as_user: AsUser = None,
) -> None:
    """Write MHS001MPI, MHS801ClusterTool, MHS802ClusterAssess and MHS803CareCluster CSV files,
    from JSON lines or (--database-url) from every service user the --as user may read."""
    ref = chosen_reference(ctx, reference)
    if database is not None:
        if records or periods:
            fail("give --database-url or --records/--periods, not both")
        from carecluster.service.interop import nds_export as export_from_database

        tables = _in_database(database, as_user, ref, export_from_database)
        output.mkdir(parents=True, exist_ok=True)
        for table, text in tables.items():
            write_private(output / file_name(table), text)
            console.print(f"wrote {output / file_name(table)}", markup=False)
        return
    if records is None and periods is None:
        fail("nothing to export: give --records and/or --periods, or --database-url with --as")
    assessments = _json_lines(records, AssessmentRecord) if records else []
    assignment = _json_lines(periods, ClusterAssignmentPeriod) if periods else []
    try:
        written = write_directory(output, assessments, assignment, ref)
    except ValueError as error:
        fail(str(error))
    for path in written:
        console.print(f"wrote {path}", markup=False)


@nds_app.command("import")
def nds_import(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Directory holding the MHSDS CSV files.")],
    records: Annotated[Path | None, typer.Option("--records", help="Write assessments here (JSON lines).")] = None,
    periods: Annotated[Path | None, typer.Option("--periods", help="Write periods here (JSON lines).")] = None,
    reference: ReferenceOption = None,
    database: DatabaseUrl = None,
    as_user: AsUser = None,
) -> None:
    """Validate MHSDS clustering files and convert them to JSON lines (every fault: file, line, field);
    with --database-url, load them into the database, all or nothing (what is held already is kept)."""
    ref = chosen_reference(ctx, reference)
    if not directory.is_dir():
        fail(f"{directory}: not a directory")
    if database is not None:
        from carecluster.service.interop import nds_import as import_to_database

        texts = {
            t: (directory / file_name(t)).read_text(encoding="utf-8")
            for t in TABLES
            if (directory / file_name(t)).exists()
        }
        try:
            summary = _in_database(database, as_user, ref, lambda c: import_to_database(c, texts))
        except InteropError as error:
            _reject(error, outcome=False)
        console.print(
            f"{summary.assessments_created} assessment(s) and {summary.periods_created} assignment period(s) stored; "
            f"{summary.assessments_already_held} assessment(s) and {summary.periods_already_held} period(s) already held"
        )
        return
    try:
        data = read_directory(directory, ref)
    except InteropError as error:
        _reject(error, outcome=False)
    if records is not None:
        write_private(records, "".join(r.model_dump_json() + "\n" for r in data.records))
    if periods is not None:
        write_private(periods, "".join(p.model_dump_json() + "\n" for p in data.periods))
    console.print(f"{len(data.records)} assessment(s), {len(data.periods)} assignment period(s): valid")


@nds_app.command("export-v6")
def nds_export_v6(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the CSV files.")],
    database: DatabaseUrl = None,
    as_user: AsUser = None,
    reference: ReferenceOption = None,
) -> None:
    """Write MHSDS v6 coded scored assessments (MHS001MPI, MHS606CodedScoreAssessmentRefer) for every
    MHCT rating and outcome measure the --as user may read, and rejects.csv: each rated item with no
    public SNOMED CT code (or no valid score), named, with the reason; no code is ever invented."""
    if database is None:
        fail("give --database-url")
    from carecluster.service.interop import nds6_export

    export = _in_database(database, as_user, chosen_reference(ctx, reference), nds6_export)
    output.mkdir(parents=True, exist_ok=True)
    for table, text in export.tables.items():
        write_private(output / file_name(table), text)
        console.print(f"wrote {output / file_name(table)}", markup=False)
    write_private(output / "rejects.csv", export.rejects_csv())
    console.print(f"{len(export.items)} coded item(s) written; {len(export.rejects)} not written (see rejects.csv)")
    for reject in export.rejects:
        console.print(f"  not written: {reject.measure} item {reject.item} of {reject.assessment_id}: {reject.reason}",
                      markup=False)  # fmt: skip


@nds_app.command("check-v6")
def nds_check_v6(
    directory: Annotated[Path, typer.Argument(help="Directory holding MHS001MPI.csv and MHS606/MHS607 CSV files.")],
) -> None:
    """Check MHSDS v6 coded scored assessment files strictly (every fault: file, line, field)."""
    from carecluster.interop.nds.scored import ACT, REFER, import_scored

    if not directory.is_dir():
        fail(f"{directory}: not a directory")
    texts = {t: _read_text(directory / file_name(t)) for t in (MPI, REFER, ACT) if (directory / file_name(t)).exists()}
    try:
        items = import_scored(texts)
    except InteropError as error:
        _reject(error, outcome=False)
    console.print(f"{len(items)} coded item(s): valid")


def register(app: typer.Typer) -> None:
    app.add_typer(fhir_app, name="fhir")
    app.add_typer(nds_app, name="nds")
