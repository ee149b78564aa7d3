"""Account work done at the server's own console (`carecluster users ...`), not through the API.

These exist for the moments the API cannot help: there is no admin left (a fresh database, or
the last admin has left), an admin has forgotten their password, or someone must be let back in
at once. Whoever can run them already holds the database, so no sign-in is asked; every one is
in the audit trail as the operating-system account that ran it, with `cli` as the client.

They take the unit of work itself (there is no signed-in actor to build a Context from) and
return schema objects; the CLI opens the unit of work (`cli/users.py`).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from carecluster.clock import now
from carecluster.domain.roles import Role
from carecluster.service import throttle
from carecluster.service.errors import Conflict, Invalid, NotFound
from carecluster.service.schemas import UserIn, UserOut
from carecluster.service.security import forget_user, hash_password
from carecluster.service_layer.unit_of_work import AbstractUnitOfWork
from carecluster.store.models import User

OPERATOR_ROLE = "operator"


def _operator() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        name = "unknown"
    return f"operator:{name}"[:80]


def _audit(uow: AbstractUnitOfWork, action: str, user: User | None, detail: str, **extra: Any) -> None:
    uow.audit.add(
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


def _user(uow: AbstractUnitOfWork, username: str) -> User:
    user = uow.users.by_username(username, lock=True)
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def create_admin(uow: AbstractUnitOfWork, username: str, full_name: str, password: str) -> UserOut:
    """A new active admin, validated by the same rules as `POST /api/v1/users`."""
    try:
        data = UserIn(username=username, full_name=full_name, role="admin", password=password)
    except ValidationError as error:
        raise _invalid(error) from None
    if uow.users.by_username(data.username) is not None:
        raise Conflict(f"a user named {data.username} exists")
    user = uow.users.add(
        User(
            username=data.username,
            full_name=data.full_name,
            role=Role.ADMIN.value,
            password_hash=hash_password(data.password),
            active=True,
            failed_logins=0,
            created_at=now(),
        )
    )
    after = {"id": user.id, "username": user.username, "full_name": user.full_name, "role": "admin", "active": True}
    _audit(uow, "create", user, "admin created at the server console", after=after)
    return UserOut.model_validate(user)


def _end_sessions(uow: AbstractUnitOfWork, user: User) -> int:
    ended = uow.users.end_sessions(user.id)
    forget_user(user.id)
    return ended


def reset_password(uow: AbstractUnitOfWork, username: str, password: str) -> int:
    """A new password; every session and token of the account ends, and its throttle is cleared.
    Returns the number of sessions ended."""
    try:
        UserIn(username="placeholder", full_name="x", role="clinician", password=password)
    except ValidationError as error:
        raise _invalid(error) from None
    user = _user(uow, username)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    uow.sign_in_delays.clear(username)
    ended = _end_sessions(uow, user)
    _audit(uow, "reset_password", user, f"password reset at the server console; sessions ended ({ended})")
    return ended


def unlock(uow: AbstractUnitOfWork, username: str) -> int:
    """Forget the account's failed sign-ins from every address. Returns the addresses cleared."""
    user = _user(uow, username)
    cleared = uow.sign_in_delays.clear(username)
    user.failed_logins = 0
    user.locked_until = None
    _audit(uow, "unlock", user, f"sign-in throttle cleared for {cleared} address(es)")
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


EVERY_ACCOUNT = 1_000_000


def list_accounts(uow: AbstractUnitOfWork) -> list[AccountLine]:
    """Every account with its failures, for the operator deciding whether to unlock."""
    waiting = uow.sign_in_delays.waiting_per_account(now())
    users, _ = uow.users.page(EVERY_ACCOUNT, 0, None, None)
    _audit(uow, "read", None, f"account list read at the server console ({len(users)} accounts)")
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
