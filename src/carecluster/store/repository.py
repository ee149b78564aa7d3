"""Reading and writing clinical records as versions, and appending to the audit log.

`add_record` starts a record at version 1; `amend` writes version n+1 pointing at version n and
marks n superseded - the only UPDATE the database triggers allow. Concurrent amendments of
one record collide on the (record_id, version) unique constraint, so one of them fails rather
than both silently branching history.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from carecluster.store.db import aware, now
from carecluster.store.models import SCALE_COLUMNS, AuditEvent, Record, Versioned

V = TypeVar("V", bound=Versioned)
BULKY_COLUMNS = frozenset({"suggestion", "result"})
"""Computed engine output kept whole on the version row; the audit log names it, not repeats it."""
META_COLUMNS = frozenset(
    {
        "row_id",
        "record_id",
        "version",
        "recorded_at",
        "recorded_by",
        "amend_reason",
        "superseded_at",
        "predecessor_row_id",
    }
)


def new_id() -> str:
    return uuid.uuid4().hex


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return aware(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_dict(row: Any, *, clinical_only: bool = False) -> dict[str, Any]:
    """A row's columns as JSON-ready values (for the audit log's before and after)."""
    values: dict[str, Any] = {}
    for c in inspect(type(row)).columns:
        if clinical_only and c.key in META_COLUMNS and c.key not in ("record_id", "version"):
            continue
        if c.key in SCALE_COLUMNS:  # an assessment's 18 rating columns read as the one list they stand for
            values.setdefault("ratings", list(row.ratings))
            continue
        values[c.key] = jsonable(getattr(row, c.key))
    if clinical_only:
        for key in BULKY_COLUMNS & values.keys():
            values[key] = "(stored on the version row)"
    return values


def add_record(session: Session, model: type[V], user_id: int, **fields: Any) -> V:
    """Start a record at version 1. The identity row is inserted at once (the version row refers
    to it, and without relationship() the flush would not order them); the version row is
    flushed with the rest of the unit of work."""
    moment = now()
    record_id = new_id()
    session.execute(insert(Record).values(id=record_id, kind=model.KIND, created_at=moment))  # type: ignore[attr-defined]
    row = model(record_id=record_id, version=1, recorded_at=moment, recorded_by=user_id, **fields)
    session.add(row)
    return row


def current(session: Session, model: type[V], record_id: str, *, lock: bool = False) -> V | None:
    query = select(model).where(model.record_id == record_id, model.superseded_at.is_(None))
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def history(session: Session, model: type[V], record_id: str) -> list[V]:
    return list(session.scalars(select(model).where(model.record_id == record_id).order_by(model.version)))


def amend(session: Session, old: V, user_id: int, reason: str, changes: dict[str, Any]) -> V:
    """Add version n+1 with `changes` applied; version n keeps every value it had."""
    model = type(old)
    moment = now()
    values = {c.key: getattr(old, c.key) for c in inspect(model).columns if c.key not in META_COLUMNS}
    values.update(changes)
    old.superseded_at = moment
    session.flush()  # the old version is closed first: the partial unique index allows one current version
    row = model(
        record_id=old.record_id,
        version=old.version + 1,
        predecessor_row_id=old.row_id,
        recorded_at=moment,
        recorded_by=user_id,
        amend_reason=reason,
        **values,
    )
    session.add(row)
    session.flush()
    return row


def append_audit(
    session: Session,
    *,
    user_id: int | None,
    username: str | None,
    role: str | None,
    action: str,
    entity: str | None = None,
    record_id: str | None = None,
    service_user_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
    client: str | None = None,
) -> None:
    session.add(
        AuditEvent(
            at=now(),
            user_id=user_id,
            username=username,
            role=role,
            action=action,
            entity=entity,
            record_id=record_id,
            service_user_id=service_user_id,
            before=before,
            after=after,
            detail=detail,
            client=client,
        )
    )
