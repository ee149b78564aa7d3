"""Reading the audit trail. There is deliberately no function here, or anywhere, that edits it.
These use cases reach the store only through the unit of work (`ctx.uow`)."""

from __future__ import annotations

from datetime import datetime

from carecluster.adapters.repository import AuditFilter
from carecluster.service import permissions
from carecluster.service.context import Context
from carecluster.service.schemas import AuditOut, Page


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
    where = AuditFilter(
        user_id=user_id,
        username=username,
        action=action,
        entity=entity,
        record_id=record_id,
        service_user_id=service_user_id,
        since=since,
        until=until,
    )
    rows, total = ctx.uow.audit.page(where, limit, offset)
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
    return ctx.uow.audit.actions()


def person_record_ids(ctx: Context, person: str) -> list[str]:
    """The service-user record ids a person filter names: an NHS number (spaces allowed) or a
    record id. An auditor reads every team, so no team check is needed beyond the audit role."""
    permissions.require_audit_reader(ctx.actor)
    text = person.replace(" ", "").strip()
    if not text:
        return []
    return ctx.uow.service_users.record_ids(text)
