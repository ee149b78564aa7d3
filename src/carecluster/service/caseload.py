"""Caseloads: who is on a team's or clinician's books, in which cluster, and when review is due.

The review clock runs from the later of the current assignment period's start and the last
review; the due date and overdue flag come from the domain's schedule (the cluster's review
interval in the reference set).
"""

from __future__ import annotations

from sqlalchemy import and_, select

from carecluster.domain.schedule import ScheduleError
from carecluster.domain.schedule import schedule as engine_schedule
from carecluster.service import permissions
from carecluster.service.context import Context
from carecluster.service.errors import Forbidden, Invalid
from carecluster.service.records import last_reviews
from carecluster.service.schemas import CaseloadRow, Page
from carecluster.store.models import AssignmentPeriod, ServiceUser, UserTeam


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
        shared = ctx.session.scalar(
            select(UserTeam.team_id).where(UserTeam.user_id == clinician_id, UserTeam.team_id.in_(actor.team_ids))
        )
        if shared is None:
            raise Forbidden(f"clinician {clinician_id} is not in any of your teams")


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
    _authorise(ctx, team_id, clinician_id)
    query = (
        select(ServiceUser, AssignmentPeriod.cluster, AssignmentPeriod.start_date)
        .outerjoin(
            AssignmentPeriod,
            and_(
                AssignmentPeriod.service_user_id == ServiceUser.record_id,
                AssignmentPeriod.superseded_at.is_(None),
                AssignmentPeriod.end_date.is_(None),
            ),
        )
        .where(ServiceUser.superseded_at.is_(None))
    )
    if team_id is not None:
        query = query.where(ServiceUser.team_id == team_id)
    if clinician_id is not None:
        query = query.where(ServiceUser.clinician_id == clinician_id)
    if ctx.actor.role != "auditor":
        query = query.where(ServiceUser.team_id.in_(ctx.actor.team_ids or {-1}))
    if cluster is not None:
        query = query.where(AssignmentPeriod.cluster == cluster)
    rows = ctx.session.execute(query.order_by(ServiceUser.name, ServiceUser.row_id)).all()
    reviewed = last_reviews(ctx, [r.ServiceUser.record_id for r in rows])
    items: list[CaseloadRow] = []
    for row in rows:
        su: ServiceUser = row.ServiceUser
        last = reviewed.get(su.record_id)
        due = None
        if row.cluster is not None:
            since = max(d for d in (row.start_date, last) if d is not None)
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
                cluster_since=row.start_date,
                last_reviewed=last,
                next_review_due=due.next_review_due if due else None,
                overdue=bool(due and due.overdue),
                days_overdue=due.days_overdue if due else 0,
                episode_exceeded=bool(due and due.episode_exceeded),
            )
        )
    if overdue is not None:
        items = [i for i in items if i.overdue == overdue]
    page = items[offset : offset + limit]
    ctx.audit(
        "read_caseload",
        entity="service_user",
        after={"record_ids": [i.service_user_id for i in page]},
        detail=f"team={team_id} clinician={clinician_id} overdue={overdue} cluster={cluster} offset={offset}",
    )
    return Page(items=page, total=len(items), limit=limit, offset=offset)
