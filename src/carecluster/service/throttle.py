"""The brake on password guessing: growing delays per account and client, never a lock-out.

OWASP ASVS 2.2.1 asks for anti-automation that stops guessing without letting an attacker lock
the owner out. A hard lock-out (ten failures, then even the right password refused for fifteen
minutes) let anyone keep the only admin out with no credentials at all. Here failures are
counted per (account, client address): after `FREE_FAILURES` that pair must wait, 2 s, then
4 s, 8 s... up to `MAX_DELAY`, before its next attempt is even checked. The owner at another
address is never slowed by someone else's guesses, and the guesser gets at most a few dozen
tries an hour. The counts live in the database, so every worker process agrees on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from carecluster.store.db import aware
from carecluster.store.models import LoginThrottle

FREE_FAILURES = 5
"""Failures of one account from one client before any delay: typing mistakes cost nothing."""
FIRST_DELAY_SECONDS = 2
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)
"""A pair that has not failed for this long starts afresh."""


def account_key(username: str) -> str:
    return username.strip().lower()[:80]


def delay_after(failures: int) -> timedelta:
    """The wait imposed after `failures` consecutive failures: none, then doubling to the cap."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    exponent = min(failures - FREE_FAILURES, 20)  # 2 s * 2^20 is far past the cap
    return min(timedelta(seconds=FIRST_DELAY_SECONDS * 2**exponent), MAX_DELAY)


@dataclass(frozen=True)
class Wait:
    """This pair must wait: the number of whole seconds to say in Retry-After."""

    seconds: int


def waiting(session: Session, username: str, client: str, at: datetime) -> Wait | None:
    """Whether `client` must wait before trying `username` again (checked before any password)."""
    row = session.get(LoginThrottle, (account_key(username), client[:80]))
    if row is None or row.blocked_until is None:
        return None
    until = aware(row.blocked_until)
    if until <= at:
        return None
    return Wait(max(1, math.ceil((until - at).total_seconds())))


def record_failure(session: Session, username: str, client: str, at: datetime) -> int:
    """Count one failure for the pair (exactly, even when failures arrive at the same moment)."""
    key = {"account": account_key(username), "client": client[:80]}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginThrottle).values(**key, failures=0, last_failure_at=at).on_conflict_do_nothing())
    row = session.scalars(
        select(LoginThrottle).filter_by(**key).with_for_update().execution_options(populate_existing=True)
    ).one()
    if at - aware(row.last_failure_at) > FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = at
    wait = delay_after(row.failures)
    row.blocked_until = at + wait if wait else None
    return row.failures


def clear(session: Session, username: str, client: str | None = None) -> int:
    """Forget the failures of an account from one client (a successful sign-in) or from all
    (`carecluster users unlock`, a password reset). Returns the number of pairs forgotten."""
    query = delete(LoginThrottle).where(LoginThrottle.account == account_key(username))
    if client is not None:
        query = query.where(LoginThrottle.client == client[:80])
    result = session.execute(query)
    assert isinstance(result, CursorResult)  # a DELETE is answered with a cursor result, which has rowcount
    return result.rowcount or 0
