"""FHIR R4 and the national data set over the API (issue 10).

FHIR answers are `application/fhir+json`, and every refusal on the FHIR endpoints - a malformed
resource, an unknown service user, a missing reason, a permission - is an OperationOutcome
naming what is wrong and where, so an electronic patient record can handle them all one way.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from carecluster.http.runtime import CurrentActor, current_actor, run
from carecluster.interop.errors import InteropError, Issue, IssueCode, operation_outcome
from carecluster.interop.fhir import mhct_questionnaire
from carecluster.interop.fhir.capability import capability_statement
from carecluster.interop.nds.files import file_name
from carecluster.service import interop
from carecluster.service.context import Context
from carecluster.service.errors import Invalid, ServiceError

router = APIRouter(tags=["interoperability"])
FHIR_JSON = "application/fhir+json"
RESOURCE_SCHEMA = {
    "type": "object",
    "description": "A FHIR R4 QuestionnaireResponse, or a transaction Bundle holding one.",
    "required": ["resourceType"],
    "properties": {"resourceType": {"type": "string", "enum": ["QuestionnaireResponse", "Bundle"]}},
}


async def raw_body(request: Request) -> bytes:
    """The request body as sent: a FHIR resource is parsed by the interop reader, not by FastAPI."""
    return await request.body()


class RawResource(BaseModel):
    """The posted resource as text: what an Idempotency-Key is bound to."""

    text: str


def fhir(payload: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(payload, status_code=status_code, media_type=FHIR_JSON, headers=headers)


def outcome(issues: list[Issue], status_code: int) -> JSONResponse:
    return fhir(operation_outcome(issues).model_dump(mode="json", exclude_none=True), status_code)


def refused(error: Exception) -> JSONResponse:
    """Any refusal as an OperationOutcome: 400 for a resource we cannot read, 422 for one we can
    read but cannot accept, and the service's own status (401, 403, 404, 409) otherwise."""
    if isinstance(error, InteropError):
        unreadable = all(issue.code == "structure" for issue in error.issues)
        return outcome(error.issues, 400 if unreadable else 422)
    if isinstance(error, Invalid):
        return outcome([Issue(msg, ".".join(map(str, loc)), "invalid") for loc, msg in error.errors], 422)
    assert isinstance(error, ServiceError)
    codes: dict[int, IssueCode] = {401: "login", 403: "forbidden", 404: "not-found", 409: "conflict"}
    return outcome([Issue(error.message, None, codes.get(error.status, "processing"))], error.status)


def transaction_response(stored: dict[str, Any], created: bool, location: str) -> dict[str, Any]:
    """FHIR's answer to a transaction: a `transaction-response` Bundle with one entry per stored
    resource, each saying what happened to it (201 Created, or 200 OK when already held)."""
    status = "201 Created" if created else "200 OK"
    entries = [
        {
            "fullUrl": entry.get("fullUrl"),
            "resource": entry["resource"],
            "response": {"status": status, "location": location},
        }
        for entry in stored.get("entry", [])
    ]
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}


@router.get("/fhir/metadata", response_class=JSONResponse)
def metadata() -> JSONResponse:
    """The CapabilityStatement: what this server reads and writes over FHIR R4 (no sign-in needed:
    it holds no personal data)."""
    return fhir(capability_statement())


@router.get("/fhir/Questionnaire/mhct-v3.1", response_class=JSONResponse)
def questionnaire(request: Request) -> JSONResponse:
    """The MHCT v3.1 Questionnaire for an electronic patient record to render (no sign-in needed:
    it holds no personal data)."""
    return fhir(mhct_questionnaire(request.app.state.reference).model_dump(mode="json", exclude_none=True))


@router.post(
    "/fhir",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {FHIR_JSON: {"schema": RESOURCE_SCHEMA}, "application/json": {"schema": RESOURCE_SCHEMA}},
        }
    },
)
def import_fhir(request: Request, raw: Annotated[bytes, Depends(raw_body)]) -> Response:
    """Store an MHCT assessment sent as a QuestionnaireResponse or a transaction Bundle: 201 with
    the stored assessment as a Bundle and its Location; the same assessment identifier again is
    200 with the first import. Malformed resources: 400 or 422 with an OperationOutcome."""
    text = raw.decode("utf-8", errors="replace")
    state: dict[str, Any] = {}

    def use_case(ctx: Context) -> dict[str, Any]:
        result = interop.import_fhir(ctx, text)
        state["status"] = 201 if result.created else 200
        state["location"] = f"/api/v1/assessments/{result.assessment_id}"
        return transaction_response(result.bundle, result.created, state["location"])

    try:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or None
        actor = current_actor(request, token)
        response = run(request, actor, use_case, body=RawResource(text=text), status_code=201)
    except (InteropError, ServiceError) as error:
        return refused(error)
    if "status" in state:  # not a replayed response: say whether it was new
        response.status_code = state["status"]
        response.headers["location"] = state["location"]
    response.headers["content-type"] = FHIR_JSON
    return response


@router.get("/assessments/{record_id}/fhir", response_class=JSONResponse)
def assessment_fhir(request: Request, actor: CurrentActor, record_id: str) -> Response:
    """One stored assessment with its allocation as a FHIR transaction Bundle (Patient,
    QuestionnaireResponse, 18 scale Observations, the care cluster Observation)."""
    try:
        response = run(request, actor, lambda ctx: interop.assessment_bundle(ctx, record_id))
    except ServiceError as error:
        return refused(error)
    response.headers["content-type"] = FHIR_JSON
    return response


@router.get("/nds/export", response_model=None)
def nds_export(
    request: Request,
    actor: CurrentActor,
    format: Annotated[Literal["zip", "json"], Query(description="A zip of CSV files, or JSON of their texts.")] = "zip",
) -> Response:
    """The MHSDS clustering tables (MHS001MPI, MHS801ClusterTool, MHS802ClusterAssess,
    MHS803CareCluster) for every service user you may read: auditors get every team."""
    response = run(request, actor, interop.nds_export)
    if format == "json":
        return response
    tables: dict[str, str] = json.loads(bytes(response.body))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, text in tables.items():
            archive.writestr(file_name(table), text)
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="carecluster-mhsds.zip"'},
    )


def _nds6(ctx: Context) -> dict[str, Any]:
    export = interop.nds6_export(ctx)
    return {
        "tables": export.tables,
        "rejects": [
            {"assessment_id": r.assessment_id, "local_patient_id": r.local_patient_id, "measure": r.measure,
             "item": r.item, "reason": r.reason}
            for r in export.rejects
        ],
    }  # fmt: skip


@router.get("/nds/v6/export", response_model=None)
def nds6_export(
    request: Request,
    actor: CurrentActor,
    format: Annotated[Literal["zip", "json"], Query(description="A zip of CSV files, or JSON.")] = "zip",
) -> Response:
    """MHSDS v6 coded scored assessments (MHS001MPI, MHS606CodedScoreAssessmentRefer) for every
    MHCT rating and outcome measure you may read, with rejects.csv: each rated item not written
    (no public SNOMED CT code, or no valid score) and why. No code is ever invented."""
    response = run(request, actor, _nds6)
    if format == "json":
        return response
    data = json.loads(bytes(response.body))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, text in data["tables"].items():
            archive.writestr(file_name(table), text)
        archive.writestr("rejects.csv", _rejects_csv(data["rejects"]))
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="carecluster-mhsds-v6.zip"'},
    )


def _rejects_csv(rejects: list[dict[str, str]]) -> str:
    from carecluster.interop.nds.scored import Reject, ScoredExport

    return ScoredExport({}, [], [Reject(**r) for r in rejects]).rejects_csv()


def _fhir_answer(request: Request, actor: Any, use_case: Any) -> Response:
    try:
        response = run(request, actor, use_case)
    except (ServiceError, InteropError) as error:
        return refused(error)
    response.headers["content-type"] = FHIR_JSON
    return response


@router.get("/service-users/{record_id}/fhir", response_class=JSONResponse)
def person_fhir(request: Request, actor: CurrentActor, record_id: str) -> Response:
    """Every assessment of one person as one FHIR transaction Bundle (one Patient entry)."""
    return _fhir_answer(request, actor, lambda ctx: interop.person_fhir(ctx, record_id))


@router.get("/teams/{team_id}/fhir", response_model=None)
def team_fhir(request: Request, actor: CurrentActor, team_id: int) -> Response:
    """Bulk export: newline-delimited JSON, one person's Bundle a line, for the team's people."""
    try:
        response = run(request, actor, lambda ctx: interop.team_fhir_ndjson(ctx, team_id))
    except (ServiceError, InteropError) as error:
        return refused(error)
    return Response(json.loads(bytes(response.body)), media_type="application/fhir+ndjson")


@router.get("/fhir/Patient", response_class=JSONResponse)
def patient_search(
    request: Request,
    actor: CurrentActor,
    identifier: Annotated[str, Query(description="system|value: the NHS number or LocalPatientId system")],
) -> Response:
    """FHIR Patient search by identifier: a searchset Bundle of the people you may read."""
    return _fhir_answer(request, actor, lambda ctx: interop.search_patients(ctx, identifier))


@router.get("/fhir/Observation", response_class=JSONResponse)
def observation_search(
    request: Request,
    actor: CurrentActor,
    subject: Annotated[str, Query(description="Patient/<id>")],
    code: Annotated[str | None, Query(description="[system|]code, e.g. http://snomed.info/sct|979641000000103")] = None,
) -> Response:
    """FHIR Observation search by subject and code: a searchset Bundle."""
    return _fhir_answer(request, actor, lambda ctx: interop.search_observations(ctx, subject, code))


@router.get("/outcomes/{record_id}/fhir", response_class=JSONResponse)
def outcome_fhir(request: Request, actor: CurrentActor, record_id: str) -> Response:
    """One outcome measure as a FHIR transaction Bundle: Patient, QuestionnaireResponse (answers by
    item id), and Observations of the item and total scores (SNOMED CT where a public code exists)."""
    return _fhir_answer(request, actor, lambda ctx: interop.outcome_fhir(ctx, record_id))
