"""Account work done at the server's own console (`carecluster users ...`), not through the API.

These exist for the moments the API cannot help: there is no admin left (a fresh database, or
the last admin has left), an admin has forgotten their password, or someone must be let back in
at once. Whoever can run them already holds the database, so no sign-in is asked; every one is
in the audit trail as the operating-system account that ran it, with `cli` as the client.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from carecluster.service import throttle
from carecluster.service.errors import Conflict, Invalid, NotFound
from carecluster.service.schemas import UserIn
from carecluster.service.security import forget_user, hash_password
from carecluster.store.db import now
from carecluster.store.models import AuthToken, LoginThrottle, User
from carecluster.store.repository import append_audit

OPERATOR_ROLE = "operator"


def _operator() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        name = "unknown"
    return f"operator:{name}"[:80]


def _audit(session: Session, action: str, user: User | None, detail: str, **extra: Any) -> None:
    append_audit(
        session,
        user_id=None,
        username=_operator(),
        role=OPERATOR_ROLE,
        action=action,
        entity="user",
        record_id=str(user.id) if user is not None else None,
        detail=detail,
        client="cli",
        **extra,
    )


def _invalid(error: ValidationError) -> Invalid:
    return Invalid([(tuple(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()])


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username).with_for_update())
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def create_admin(session: Session, username: str, full_name: str, password: str) -> User:
    """A new active admin, validated by the same rules as `POST /api/v1/users`."""
    try:
        data = UserIn(username=username, full_name=full_name, role="admin", password=password)
    except ValidationError as error:
        raise _invalid(error) from None
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise Conflict(f"a user named {data.username} exists")
    user = User(
        username=data.username,
        full_name=data.full_name,
        role="admin",
        password_hash=hash_password(data.password),
        active=True,
        failed_logins=0,
        created_at=now(),
    )
    session.add(user)
    session.flush()
    after = {"id": user.id, "username": user.username, "full_name": user.full_name, "role": "admin", "active": True}
    _audit(session, "create", user, "admin created at the server console", after=after)
    return user


def _end_sessions(session: Session, user: User) -> int:
    ended = session.execute(delete(AuthToken).where(AuthToken.user_id == user.id)).rowcount or 0
    forget_user(user.id)
    return ended


def reset_password(session: Session, username: str, password: str) -> int:
    """A new password; every session and token of the account ends, and its throttle is cleared.
    Returns the number of sessions ended."""
    try:
        UserIn(username="placeholder", full_name="x", role="clinician", password=password)
    except ValidationError as error:
        raise _invalid(error) from None
    user = _user(session, username)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    throttle.clear(session, username)
    ended = _end_sessions(session, user)
    _audit(session, "reset_password", user, f"password reset at the server console; sessions ended ({ended})")
    return ended


def unlock(session: Session, username: str) -> int:
    """Forget the account's failed sign-ins from every address. Returns the addresses cleared."""
    user = _user(session, username)
    cleared = throttle.clear(session, username)
    user.failed_logins = 0
    user.locked_until = None
    _audit(session, "unlock", user, f"sign-in throttle cleared for {cleared} address(es)")
    return cleared


@dataclass(frozen=True)
class AccountLine:
    id: int
    username: str
    full_name: str
    role: str
    active: bool
    failed_logins: int
    throttled_addresses: int


def list_accounts(session: Session) -> list[AccountLine]:
    """Every account with its failures, for the operator deciding whether to unlock."""
    moment = now()
    waiting = dict(
        session.execute(
            select(LoginThrottle.account, func.count())
            .where(LoginThrottle.blocked_until > moment)
            .group_by(LoginThrottle.account)
        ).all()
    )
    users = list(session.scalars(select(User).order_by(User.id)))
    _audit(session, "read", None, f"account list read at the server console ({len(users)} accounts)")
    return [
        AccountLine(
            u.id,
            u.username,
            u.full_name,
            u.role,
            u.active,
            u.failed_logins,
            waiting.get(throttle.account_key(u.username), 0),
        )
        for u in users
    ]
