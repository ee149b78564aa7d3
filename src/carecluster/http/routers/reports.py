"""Audit and assurance reports: JSON for tools, CSV / XLSX / HTML files, and the service users
behind each number. Team leads see their teams, auditors every team; clinicians and admins 403."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from carecluster.http.runtime import CurrentActor, client_of, database, reference
from carecluster.reports import REPORTS, Drill, Report
from carecluster.reports import service as reports
from carecluster.reports.render import drill_csv, render
from carecluster.service.context import Context
from carecluster.service.security import Actor

router = APIRouter(tags=["reports"])

From = Annotated[date, Query(alias="from", description="First day of the period.")]
To = Annotated[date, Query(alias="to", description="Last day of the period.")]
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _in_context(request: Request, actor: Actor, use_case: Callable[[Context], Any]) -> Any:
    """One transaction (reports append to the audit trail), returning the use case's own result."""
    with database(request).transaction() as session:
        ctx = Context(session=session, actor=actor, reference=reference(request), client=client_of(request))
        return use_case(ctx)


def _file(data: bytes, fmt: str, filename: str) -> Response:
    return Response(
        data, media_type=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'}
    )


@router.get("/reports")
def list_reports(actor: CurrentActor) -> list[dict[str, str]]:
    """The reports there are (team leads and auditors)."""
    reports.require_report_reader(actor)
    return [{"name": spec.name, "title": spec.title} for spec in REPORTS.values()]


@router.get("/reports/{name}", response_model=Report)
def get_report(
    request: Request,
    actor: CurrentActor,
    name: str,
    date_from: From,
    date_to: To,
    team_id: int | None = None,
    clinician_id: int | None = None,
    format: Literal["json", "csv", "xlsx", "html"] = "json",
) -> Response:
    """A report for a period: measures with numerators, denominators and breakdowns, and tables."""
    result: Report = _in_context(
        request, actor, lambda ctx: reports.report(ctx, name, date_from, date_to, team_id, clinician_id)
    )
    if format == "json":
        return JSONResponse(result.model_dump(mode="json"))
    return _file(render(result, format), format, f"carecluster-{name}-{date_from}-{date_to}")


@router.get("/reports/{name}/drill/{measure}", response_model=Drill)
def get_drill(
    request: Request,
    actor: CurrentActor,
    name: str,
    measure: str,
    date_from: From,
    date_to: To,
    team_id: int | None = None,
    clinician_id: int | None = None,
    which: Literal["numerator", "denominator", "rest"] = "numerator",
    dimension: Literal["team", "clinician", "cluster", "month"] | None = None,
    key: str | None = None,
    from_cluster: Annotated[
        int | None, Query(ge=0, le=21, description="Cluster changes: the cluster moved from")
    ] = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """The service users behind a number (up to 500 listed; `total` counts them all). For the
    transitions' moves, `dimension=cluster&key=TO&from_cluster=FROM` lists one cell of the matrix."""
    result: Drill = _in_context(
        request,
        actor,
        lambda ctx: reports.drill_down(
            ctx,
            name,
            measure,
            date_from,
            date_to,
            team_id=team_id,
            clinician_id=clinician_id,
            which=which,
            dimension=dimension,
            key=key,
            from_cluster=from_cluster,
        ),
    )
    if format == "csv":
        return _file(drill_csv(result).encode(), "csv", f"carecluster-{name}-{measure}-{which}")
    return JSONResponse(result.model_dump(mode="json"))
