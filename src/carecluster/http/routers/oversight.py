"""Caseloads (with next review due and overdue flags) and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from carecluster.http.runtime import CurrentActor, IsoDateTime, PageParams, run
from carecluster.service.audit import query_audit
from carecluster.service.caseload_currency import caseload_with_groups
from carecluster.service.context import Context
from carecluster.service.schemas import AuditOut, CaseloadGroupRow, CaseloadRow, Page
from carecluster.service.worklists import worklists

router = APIRouter(tags=["caseloads and audit"])


GROUP_FILTER = (
    "Keep only people in this mental health currency population group today (e.g. MAA), or `ungrouped` "
    "for people without one (no open episode, or its grouping rejected). The codes are the population "
    "groups of the current currency tables (`population_groups.csv`, see docs/currency.md); an unlisted "
    "code is refused (422) with the list. `total` counts the rows that pass the filter."
)


@router.get("/caseload", response_model=Page[CaseloadGroupRow])
def get_caseload(
    request: Request,
    actor: CurrentActor,
    page: PageParams,
    team_id: int | None = None,
    clinician_id: int | None = None,
    overdue: bool | None = None,
    cluster: Annotated[int | None, Query(ge=0, le=21)] = None,
    group: Annotated[str | None, Query(pattern=r"^(M[A-Z]{2}|ungrouped)$", description=GROUP_FILTER)] = None,
):
    """A team's or a clinician's caseload: current cluster, next review due, overdue flags, and each
    person's mental health currency group today (filter by population group with `group`)."""
    return run(
        request,
        actor,
        lambda ctx: caseload_with_groups(
            ctx,
            team_id=team_id,
            clinician_id=clinician_id,
            overdue=overdue,
            cluster=cluster,
            limit=page.limit,
            offset=page.offset,
            group=group,
        ),
    )


class WorkItemOut(BaseModel):
    """One person on one worklist, why, and the page that clears it."""

    row: CaseloadRow
    why: str
    action: str
    action_label: str


class WorklistsOut(BaseModel):
    counts: dict[str, int]
    lists: dict[str, list[WorkItemOut]]


@router.get("/worklists", response_model=WorklistsOut)
def get_worklists(request: Request, actor: CurrentActor, team_id: int | None = None, clinician_id: int | None = None):
    """Reviews overdue and due within 14 days, never clustered, red-rule breaches, the engine's open
    questions and HoNOS deterioration, for a team's or a clinician's caseload."""

    def build(ctx: Context) -> WorklistsOut:
        found = worklists(ctx, team_id=team_id, clinician_id=clinician_id)
        return WorklistsOut(
            counts=found.counts,
            lists={
                key: [WorkItemOut(row=i.row, why=i.why, action=i.action, action_label=i.action_label) for i in items]
                for key, items in found.lists.items()
            },
        )

    return run(request, actor, build)


@router.get("/audit", response_model=Page[AuditOut])
def get_audit(
    request: Request,
    actor: CurrentActor,
    page: PageParams,
    user_id: int | None = None,
    action: str | None = None,
    entity: str | None = None,
    record_id: str | None = None,
    service_user_id: str | None = None,
    since: IsoDateTime | None = None,
    until: IsoDateTime | None = None,
):
    """The audit trail, newest first (admins and auditors). It has no endpoint that changes it."""
    return run(
        request,
        actor,
        lambda ctx: query_audit(
            ctx,
            limit=page.limit,
            offset=page.offset,
            user_id=user_id,
            action=action,
            entity=entity,
            record_id=record_id,
            service_user_id=service_user_id,
            since=since,
            until=until,
        ),
    )
