"""The sign-in throttle: growing delays per account and client address, never a lock-out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from carecluster.service import throttle
from carecluster.service.errors import RateLimited, Unauthorised
from carecluster.service.security import hash_password, login
from carecluster.store import migrate
from carecluster.store.db import Database, now
from carecluster.store.models import AuditEvent, User

PASSWORD = "the right password"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'throttle.db'}"
    migrate.upgrade(url)
    database = Database(url)
    with database.transaction() as session:
        for name in ("ann", "bob"):
            session.add(
                User(
                    username=name,
                    full_name=name,
                    role="clinician",
                    password_hash=hash_password(PASSWORD),
                    created_at=now(),
                )
            )
    yield database
    database.dispose()


def test_delays_grow_from_nothing_to_the_cap() -> None:
    delays = [throttle.delay_after(n).total_seconds() for n in range(1, 20)]
    assert delays[: throttle.FREE_FAILURES - 1] == [0] * (throttle.FREE_FAILURES - 1)
    growing = delays[throttle.FREE_FAILURES - 1 :]
    assert growing[:4] == [2, 4, 8, 16]
    assert growing == sorted(growing)
    assert max(growing) == throttle.MAX_DELAY.total_seconds()


def test_the_guessing_client_waits_and_the_owner_elsewhere_signs_in(db: Database) -> None:
    for i in range(throttle.FREE_FAILURES):
        with pytest.raises(Unauthorised):
            login(db, "ann", f"guess {i}", "10.0.0.66")
    with pytest.raises(RateLimited) as raised:
        login(db, "ANN", PASSWORD, "10.0.0.66")  # the guesser waits, even with the right password
    assert 1 <= raised.value.retry_after <= 2
    token, user = login(db, "ann", PASSWORD, "10.0.0.1")  # the owner, elsewhere: never locked out
    assert token
    assert user.username == "ann"
    login(db, "bob", PASSWORD, "10.0.0.66")  # another account from the guessing address


def test_many_guesses_never_lock_the_right_password_out(db: Database) -> None:
    """The old code locked the account for 15 minutes after 10 failures, for every client."""
    for i in range(40):
        with db.transaction() as session:  # as if each wait had been served
            throttle.record_failure(session, "ann", f"10.9.{i // 250}.{i % 250}", now())
            throttle.record_failure(session, "ann", "10.0.0.66", now() - timedelta(seconds=1))
    with db.transaction() as session:
        assert throttle.waiting(session, "ann", "10.0.0.66", now()) is not None
    assert login(db, "ann", PASSWORD, "192.168.1.5")[0]


def test_a_success_clears_its_own_count_and_every_refusal_is_audited(db: Database) -> None:
    for _ in range(throttle.FREE_FAILURES - 1):
        with pytest.raises(Unauthorised):
            login(db, "bob", "wrong", "10.0.0.7")
    login(db, "bob", PASSWORD, "10.0.0.7")
    for _ in range(throttle.FREE_FAILURES - 1):  # counting starts again: no wait yet
        with pytest.raises(Unauthorised):
            login(db, "bob", "wrong", "10.0.0.7")
    with db.transaction(write=False) as session:
        failed = session.query(AuditEvent).filter_by(action="login_failed", username="bob").count()
    assert failed == 2 * (throttle.FREE_FAILURES - 1)


def test_old_failures_are_forgotten(db: Database) -> None:
    with db.transaction() as session:
        for _ in range(10):
            throttle.record_failure(session, "ann", "10.0.0.8", now() - throttle.FORGET_AFTER - timedelta(hours=1))
        assert throttle.record_failure(session, "ann", "10.0.0.8", now()) == 1
