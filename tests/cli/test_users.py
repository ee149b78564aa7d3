"""`carecluster users ...`: a first admin, a password reset, an unlock and a list, at the server's
console; each audited, each a one-line error and exit 2 on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from carecluster.cli.main import app
from carecluster.service import throttle
from carecluster.service.errors import RateLimited
from carecluster.service.security import authenticate, login
from carecluster.store.db import Database, now
from carecluster.store.models import AuditEvent

runner = CliRunner()
PASSWORD = "a long enough password"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'users.db'}"


def users(url: str, *args: str, input: str | None = None):
    return runner.invoke(app, ["users", *args, "--database-url", url], input=input)


def _audit(url: str) -> list[AuditEvent]:
    db = Database(url)
    try:
        with db.transaction(write=False) as session:
            return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    finally:
        db.dispose()


def test_create_admin_then_sign_in_and_list(url: str) -> None:
    made = users(url, "create-admin", "first.admin", "--full-name", "First Admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert made.exit_code == 0, made.output
    assert "admin first.admin created" in made.output
    assert PASSWORD not in made.output
    db = Database(url)
    try:
        _token, user = login(db, "first.admin", PASSWORD, "127.0.0.1")
        assert user.role == "admin"
    finally:
        db.dispose()
    listed = users(url, "list")
    assert listed.exit_code == 0
    assert "first.admin\tadmin\tyes\t0\t0\tFirst Admin" in listed.output
    actions = [(e.action, e.role, e.client) for e in _audit(url) if e.username and e.username.startswith("operator:")]
    assert actions == [("create", "operator", "cli"), ("read", "operator", "cli")]


@pytest.mark.parametrize(
    ("args", "input", "message"),
    [
        (("create-admin", "x y", "--full-name", "A"), f"{PASSWORD}\n{PASSWORD}\n", "username"),
        (("create-admin", "short.pw", "--full-name", "A"), "short\nshort\n", "password"),
        (("reset-password", "nobody"), f"{PASSWORD}\n{PASSWORD}\n", "no user named 'nobody'"),
        (("unlock", "nobody"), None, "no user named 'nobody'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(url: str, args: tuple[str, ...], input: str | None, message: str) -> None:
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0  # only create-admin makes one
    result = users(url, *args, input=input)
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("carecluster: users ")
    assert message in last


def test_a_duplicate_admin_is_refused(url: str) -> None:
    for expected in (0, 2):
        result = users(url, "create-admin", "twice", "--full-name", "Twice", input=f"{PASSWORD}\n{PASSWORD}\n")
        assert result.exit_code == expected, result.output
    assert "a user named twice exists" in result.output


def test_reset_password_ends_sessions_and_unlock_clears_the_throttle(url: str) -> None:
    assert users(url, "create-admin", "ops", "--full-name", "Ops", input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 0
    db = Database(url)
    try:
        token, _ = login(db, "ops", PASSWORD, "10.0.0.1")
        with db.transaction() as session:
            for _ in range(throttle.FREE_FAILURES):
                throttle.record_failure(session, "ops", "10.0.0.9", now())
        with pytest.raises(RateLimited):
            login(db, "ops", PASSWORD, "10.0.0.9")
        unlocked = users(url, "unlock", "ops")
        assert unlocked.exit_code == 0
        assert "1 address(es) cleared" in unlocked.output
        assert login(db, "ops", PASSWORD, "10.0.0.9")[0]
        new = "another long password"
        reset = users(url, "reset-password", "ops", input=f"{new}\n{new}\n")
        assert reset.exit_code == 0, reset.output
        assert "session(s) ended" in reset.output
        from carecluster.service.errors import Unauthorised

        with pytest.raises(Unauthorised):
            authenticate(db, token)
        assert login(db, "ops", new, "10.0.0.1")[0]
    finally:
        db.dispose()
    actions = [e.action for e in _audit(url) if e.role == "operator"]
    assert actions == ["create", "unlock", "reset_password"]
