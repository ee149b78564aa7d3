"""Running one use case from the command line against a carecluster database, as a named member
of staff: the same permission checks and audit trail as the API, with `cli` as the client."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select

from carecluster.cli.common import fail
from carecluster.reference.models import ReferenceSet
from carecluster.service.context import Context
from carecluster.service.errors import Invalid, ServiceError
from carecluster.service.security import Actor
from carecluster.store.db import Database
from carecluster.store.migrate import ensure_schema
from carecluster.store.models import User, UserTeam

T = TypeVar("T")


def actor_named(db: Database, username: str) -> Actor:
    """The active member of staff with this username, as the permission checks see them."""
    with db.transaction(write=False) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            fail(f"--as {username}: no active user with that username in the database")
        teams = frozenset(session.scalars(select(UserTeam.team_id).where(UserTeam.user_id == user.id)))
        return Actor(user_id=user.id, username=user.username, role=user.role, team_ids=teams)


def unit_of_work(
    url: str | None,
    username: str,
    reference: ReferenceSet,
    work: Callable[[Context], T],
    *,
    refused: int = 1,
    where: str = "",
) -> T:
    """`work(ctx)` in one transaction; a refusal is one line on stderr and exit 2 (invalid) or
    `refused` (a read-only export passes 2: an unknown or unreadable id is the caller's mistake),
    the line starting with `where` (what the person typed) when given."""
    from carecluster.cli.service import existing_database

    resolved = existing_database(url)
    ensure_schema(resolved)
    db = Database(resolved)
    try:
        actor = actor_named(db, username)
        with db.transaction() as session:
            return work(Context(session=session, actor=actor, reference=reference, client="cli"))
    except ServiceError as error:
        fail(f"{where}: {error.message}" if where else error.message, 2 if isinstance(error, Invalid) else refused)
    finally:
        db.dispose()
