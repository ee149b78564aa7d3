"""Reading the audit trail. There is deliberately no function here, or anywhere, that edits it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from carecluster.service import permissions
from carecluster.service.context import Context
from carecluster.service.schemas import AuditOut, Page
from carecluster.store.models import AuditEvent


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
) -> Page[AuditOut]:
    permissions.require_audit_reader(ctx.actor)
    query = select(AuditEvent)
    for column, value in (
        (AuditEvent.user_id, user_id),
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
        "read_audit", entity="audit_log", detail=f"user={user_id} action={action} record={record_id} offset={offset}"
    )
    return page
