"""Caseloads (with next review due and overdue flags) and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from carecluster.http.runtime import CurrentActor, PageParams, run
from carecluster.service.audit import query_audit
from carecluster.service.caseload import caseload
from carecluster.service.schemas import AuditOut, CaseloadRow, Page

router = APIRouter(tags=["caseloads and audit"])


@router.get("/caseload", response_model=Page[CaseloadRow])
def get_caseload(
    request: Request,
    actor: CurrentActor,
    page: PageParams,
    team_id: int | None = None,
    clinician_id: int | None = None,
    overdue: bool | None = None,
    cluster: Annotated[int | None, Query(ge=0, le=21)] = None,
):
    """A team's or a clinician's caseload: current cluster, next review due, overdue flags."""
    return run(
        request,
        actor,
        lambda ctx: caseload(
            ctx,
            team_id=team_id,
            clinician_id=clinician_id,
            overdue=overdue,
            cluster=cluster,
            limit=page.limit,
            offset=page.offset,
        ),
    )


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
    since: datetime | None = None,
    until: datetime | None = None,
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
