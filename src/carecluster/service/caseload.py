"""Caseloads: who is on a team's or clinician's books, in which cluster, and when review is due.

The review clock runs from the later of the current assignment period's start and the last
review; the due date and overdue flag come from the domain's schedule (the cluster's review
interval in the reference set).
"""

from __future__ import annotations

from typing import Any

from carecluster.adapters.caseload import CaseloadFilter
from carecluster.domain.schedule import ScheduleError
from carecluster.domain.schedule import schedule as engine_schedule
from carecluster.service import permissions
from carecluster.service.context import Context
from carecluster.service.errors import Forbidden, Invalid
from carecluster.service.schemas import CaseloadRow, Page

RED_RULE = "red_breach"
"""The `reason_required` code an allocation carries when its cluster was chosen against a red rule."""


def _authorise(ctx: Context, team_id: int | None, clinician_id: int | None) -> None:
    actor = ctx.actor
    permissions.require_clinical_reader(actor)
    if team_id is None and clinician_id is None:
        raise Invalid.field(("query", "team_id"), "give a team_id or a clinician_id")
    if actor.role == "auditor":
        return
    if team_id is not None and team_id not in actor.team_ids:
        raise Forbidden(f"you are not a member of team {team_id}")
    if clinician_id is not None and clinician_id != actor.user_id:
        if actor.role != "team_lead":
            raise Forbidden("a clinician sees their own caseload and their teams'")
        if not set(ctx.uow.users.team_ids(clinician_id)) & actor.team_ids:
            raise Forbidden(f"clinician {clinician_id} is not in any of your teams")


def caseload_rows(
    ctx: Context, *, team_id: int | None, clinician_id: int | None, overdue: bool | None, cluster: int | None
) -> list[CaseloadRow]:
    """Every row of the caseload, unaudited: for the views that sort all the rows and audit the
    ones they show (the web caseload, the worklists)."""
    _authorise(ctx, team_id, clinician_id)
    where = CaseloadFilter(
        team_id=team_id,
        clinician_id=clinician_id,
        within_teams=None if ctx.actor.role == "auditor" else frozenset(ctx.actor.team_ids),
        cluster=cluster,
    )
    rows = ctx.uow.caseloads.people(where)
    reviewed = ctx.uow.caseloads.last_reviews([r.person.record_id for r in rows])
    items: list[CaseloadRow] = []
    for row in rows:
        su = row.person
        last = reviewed.get(su.record_id)
        due = None
        if row.cluster is not None:
            since = max(d for d in (row.since, last) if d is not None)
            try:
                due = engine_schedule(row.cluster, since, ctx.reference, max(ctx.today, since))
            except ScheduleError:
                due = None
        items.append(
            CaseloadRow(
                service_user_id=su.record_id,
                nhs_number=su.nhs_number,
                name=su.name,
                team_id=su.team_id,
                clinician_id=su.clinician_id,
                cluster=row.cluster,
                cluster_since=row.since,
                last_reviewed=last,
                next_review_due=due.next_review_due if due else None,
                overdue=bool(due and due.overdue),
                days_overdue=due.days_overdue if due else 0,
                episode_exceeded=bool(due and due.episode_exceeded),
            )
        )
    if overdue is not None:
        items = [i for i in items if i.overdue == overdue]
    return items


def caseload(
    ctx: Context,
    *,
    team_id: int | None,
    clinician_id: int | None,
    overdue: bool | None,
    cluster: int | None,
    limit: int,
    offset: int,
) -> Page[CaseloadRow]:
    items = caseload_rows(ctx, team_id=team_id, clinician_id=clinician_id, overdue=overdue, cluster=cluster)
    page = items[offset : offset + limit]
    ctx.audit(
        "read_caseload",
        entity="service_user",
        after={"record_ids": [i.service_user_id for i in page]},
        detail=f"team={team_id} clinician={clinician_id} overdue={overdue} cluster={cluster} offset={offset}",
    )
    return Page(items=page, total=len(items), limit=limit, offset=offset)


def flags(ctx: Context, ids: list[str]) -> tuple[set[str], set[str]]:
    """(ever clustered, current cluster chosen against a red rule) among `ids`."""
    if not ids:
        return set(), set()
    clustered = ctx.uow.caseloads.ever_clustered(ids)
    reasons = ctx.uow.caseloads.open_period_reasons(ids)
    red = {sid for sid, why in reasons.items() if any(_code(w) == RED_RULE for w in why)}
    return clustered, red


def _code(reason: Any) -> Any:
    return reason.get("code") if isinstance(reason, dict) else None
