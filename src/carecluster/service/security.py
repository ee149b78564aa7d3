"""Passwords, tokens and who is asking (the brake on password guessing is `throttle`).

Passwords are stored as argon2id hashes. A login issues a random token; only its SHA-256 is
kept, so the token table is useless to someone who copies it. The same token serves as a bearer
token (API clients) and as a session cookie (the web pages).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecluster.service import throttle
from carecluster.service.errors import RateLimited, Unauthorised
from carecluster.store.db import Database, aware, now
from carecluster.store.models import AuthToken, User, UserTeam

HASHER = PasswordHasher()
_DUMMY_HASH = HASHER.hash("carecluster: a hash to verify against when the user does not exist")

TOKEN_HOURS = 12
"""Default sign-in lifetime; the one in force is `$CARECLUSTER_SESSION_HOURS` (see token_hours)."""


def token_hours() -> int:
    """How long a sign-in lasts, from the settings read at start-up."""
    from carecluster.settings import current_settings

    return current_settings().session_hours


def hash_password(password: str) -> str:
    return HASHER.hash(password)


_VERIFY_SLOTS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
"""At most one argon2 verification per CPU at a time: each takes tens of MiB and a CPU for
0.1-0.3 s, and a burst of sign-ins (the start of a shift, or a password guesser) run all at once
thrashes memory and makes every one of them, and every other request, slow."""


def verify_password(password_hash: str, password: str) -> bool:
    with _VERIFY_SLOTS:
        try:
            return HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the permission checks see them."""

    user_id: int
    username: str
    role: str
    team_ids: frozenset[int]

    @property
    def label(self) -> str:
        return f"{self.username} ({self.role})"


def _audit_login(session: Session, user: User | None, username: str, action: str, client: str, detail: str) -> None:
    from carecluster.store.repository import append_audit

    append_audit(
        session,
        user_id=user.id if user else None,
        username=username[:80],
        role=user.role if user else None,
        action=action,
        detail=detail,
        client=client,
    )


def login(db: Database, username: str, password: str, client: str, *, kind: str = "bearer") -> tuple[str, User]:
    """Check a password and issue a token, or raise Unauthorised / RateLimited.

    A client that has failed too often for this account waits (429 with Retry-After, see
    `throttle`) and its password is not even checked; nobody else is slowed. Failures are
    committed before the error is raised, so a guesser cannot roll them back.
    """
    with db.transaction(write=False) as session:
        wait = throttle.waiting(session, username, client, now())
        found = session.scalars(select(User).where(User.username == username)).one_or_none()
        user_id = found.id if found is not None else None
        active = found is not None and found.active
        password_hash = found.password_hash if found is not None else _DUMMY_HASH
    # argon2 runs outside any write transaction: it takes 0.1-0.3 s of CPU, and on SQLite a
    # write transaction holds the database's single write lock, so verifying inside one made
    # every clinical write in the process queue behind every sign-in (and behind a guesser).
    failure: str | None = None
    if wait is not None:
        failure = "throttled after repeated failed logins from this client"
    elif not active:
        verify_password(_DUMMY_HASH, password)  # the same work either way: no user enumeration by timing
        failure = "unknown or inactive user"
    elif not verify_password(password_hash, password):
        failure = "wrong password"
    with db.transaction() as session:
        # Locked for update (PostgreSQL): concurrent failures each count.
        user = session.get(User, user_id, with_for_update=True) if user_id is not None else None
        moment = now()
        if failure is None and (user is None or not user.active or user.password_hash != password_hash):
            failure = "account changed during sign-in"  # removed, deactivated or password reset meanwhile
        if failure is not None and wait is None:
            throttle.record_failure(session, username, client, moment)
            if user is not None:
                user.failed_logins += 1  # across all clients: shown to admins by `carecluster users list`
        if failure is not None:
            _audit_login(session, user, username, "login_failed", client, failure)
        else:
            assert user is not None
            user.failed_logins = 0
            throttle.clear(session, username, client)
            if HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            token = secrets.token_urlsafe(32)
            session.add(
                AuthToken(
                    token_hash=token_digest(token),
                    user_id=user.id,
                    kind=kind,
                    created_at=moment,
                    expires_at=moment + timedelta(hours=token_hours()),
                )
            )
            _audit_login(session, user, username, "login", client, kind)
    if wait is not None:
        raise RateLimited(
            f"too many failed sign-ins from this address: try again in {wait.seconds} seconds",
            retry_after=wait.seconds,
        )
    if failure is not None or user is None:  # no failure means the user was found (above)
        raise Unauthorised("incorrect username or password")
    return token, user


ACTOR_CACHE_SECONDS = 30.0
"""How long a token's Actor is reused without asking the database: one query fewer per request.
Sign-out, and an admin's change to a user, take effect at once in this process and within this
many seconds in any other."""
_actors: dict[str, tuple[Actor, float, datetime]] = {}
_actors_lock = threading.Lock()


def forget_user(user_id: int) -> None:
    with _actors_lock:
        for digest in [d for d, (actor, _at, _exp) in _actors.items() if actor.user_id == user_id]:
            _actors.pop(digest, None)


def authenticate(db: Database, token: str) -> Actor:
    """The Actor behind a bearer token or session cookie, or Unauthorised."""
    digest = token_digest(token)
    cached = _actors.get(digest)
    if cached is not None and time.monotonic() - cached[1] < ACTOR_CACHE_SECONDS and cached[2] > now():
        return cached[0]
    with db.transaction(write=False) as session:
        row = session.execute(
            select(User, AuthToken.expires_at)
            .join(AuthToken, AuthToken.user_id == User.id)
            .where(AuthToken.token_hash == digest)
        ).one_or_none()
        if row is None or aware(row.expires_at) <= now() or not row.User.active:
            raise Unauthorised("not signed in, or the session has expired")
        user: User = row.User
        teams = frozenset(session.scalars(select(UserTeam.team_id).where(UserTeam.user_id == user.id)))
        actor = Actor(user_id=user.id, username=user.username, role=user.role, team_ids=teams)
    with _actors_lock:
        if len(_actors) > 10_000:
            _actors.clear()
        _actors[digest] = (actor, time.monotonic(), aware(row.expires_at))
    return actor


def logout(db: Database, token: str) -> None:
    with _actors_lock:
        _actors.pop(token_digest(token), None)
    with db.transaction() as session:
        found = session.get(AuthToken, token_digest(token))
        if found is not None:
            session.delete(found)
