"""Reading the audit trail. There is deliberately no function here, or anywhere, that edits it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from carecluster.service import permissions
from carecluster.service.context import Context
from carecluster.service.schemas import AuditOut, Page
from carecluster.store.models import AuditEvent, ServiceUser


def query_audit(
    ctx: Context,
    *,
    limit: int,
    offset: int,
    user_id: int | None = None,
    action: str | None = None,
    entity: str | None = None,
    record_id: str | None = None,
    service_user_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    username: str | None = None,
) -> Page[AuditOut]:
    permissions.require_audit_reader(ctx.actor)
    query = select(AuditEvent)
    for column, value in (
        (AuditEvent.user_id, user_id),
        (AuditEvent.username, username),
        (AuditEvent.action, action),
        (AuditEvent.entity, entity),
        (AuditEvent.record_id, record_id),
        (AuditEvent.service_user_id, service_user_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    total = ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = ctx.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset))
    page = Page(items=[AuditOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)
    ctx.audit(
        "read_audit",
        entity="audit_log",
        detail=f"user={user_id or username} person={service_user_id} since={since} until={until} action={action} record={record_id} offset={offset}",
    )
    return page


def audit_actions(ctx: Context) -> list[str]:
    """The actions the trail holds, for the auditor's filter."""
    permissions.require_audit_reader(ctx.actor)
    return list(ctx.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def person_record_ids(ctx: Context, person: str) -> list[str]:
    """The service-user record ids a person filter names: an NHS number (spaces allowed) or a
    record id. An auditor reads every team, so no team check is needed beyond the audit role."""
    permissions.require_audit_reader(ctx.actor)
    text = person.replace(" ", "").strip()
    if not text:
        return []
    rows = ctx.session.scalars(
        select(ServiceUser.record_id)
        .where((ServiceUser.nhs_number == text) | (ServiceUser.record_id == text))
        .distinct()
    )
    return list(rows)
