"""The migrations build the schema from nothing, take it back down, and guard history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from carecluster.store import migrate
from carecluster.store.db import Database, now
from carecluster.store.models import Base, ServiceUser, Team, User
from carecluster.store.repository import add_record as add
from carecluster.store.repository import amend, append_audit, current, history


def tables(url: str) -> set[str]:
    db = Database(url)
    try:
        return set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()


def test_upgrade_from_empty_to_head_and_back_down(database_url: str) -> None:
    assert tables(database_url) == set()
    migrate.upgrade(database_url)
    assert tables(database_url) == set(Base.metadata.tables) | {"alembic_version"}
    db = Database(database_url)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    db.dispose()
    migrate.downgrade(database_url, "base")
    assert tables(database_url) == {"alembic_version"}
    migrate.upgrade(database_url)  # and up again: the downgrade left nothing behind that blocks it
    assert "service_users" in tables(database_url)


@pytest.fixture
def db(database_url: str):
    migrate.upgrade(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


def seed(db: Database) -> tuple[int, str]:
    with db.transaction() as session:
        team = Team(code="T", name="Team", created_at=now())
        user = User(
            username="u",
            full_name="U",
            role="clinician",
            password_hash="x",
            active=True,
            failed_logins=0,
            created_at=now(),
        )
        session.add_all([team, user])
        session.flush()
        row = add(
            session,
            ServiceUser,
            user.id,
            nhs_number="9990000018",
            name="A",
            date_of_birth=date(1980, 1, 1),
            team_id=team.id,
        )
        append_audit(session, user_id=user.id, username="u", role="clinician", action="create")
        return user.id, row.record_id


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'pragmas.db'}"
    migrate.upgrade(url)
    db = Database(url)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(DBAPIError, match="FOREIGN KEY"), db.transaction() as session:
        session.execute(text("INSERT INTO user_teams (user_id, team_id) VALUES (999, 999)"))
    db.dispose()


def test_amendment_adds_a_version_and_keeps_the_old_one(db: Database) -> None:
    user_id, record_id = seed(db)
    with db.transaction() as session:
        old = current(session, ServiceUser, record_id)
        assert old is not None
        amend(session, old, user_id, "name misspelt", {"name": "B"})
    with db.transaction() as session:
        versions = history(session, ServiceUser, record_id)
        assert [(v.version, v.name, v.amend_reason) for v in versions] == [(1, "A", None), (2, "B", "name misspelt")]
        assert versions[0].superseded_at is not None
        assert versions[1].superseded_at is None
        assert versions[1].predecessor_row_id == versions[0].row_id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'nothing'",
        "DELETE FROM audit_log",
        "UPDATE service_users SET name = 'Rewritten'",
        "DELETE FROM service_users",
        "DELETE FROM records",
    ],
)
def test_the_database_refuses_to_rewrite_history(db: Database, statement: str) -> None:
    seed(db)
    with pytest.raises(DBAPIError, match="carecluster"), db.transaction() as session:
        session.execute(text(statement))


def test_a_superseded_version_cannot_be_reopened(db: Database) -> None:
    user_id, record_id = seed(db)
    with db.transaction() as session:
        old = current(session, ServiceUser, record_id)
        assert old is not None
        amend(session, old, user_id, "fix", {"name": "B"})
    with pytest.raises(DBAPIError, match="carecluster"), db.transaction() as session:
        session.execute(text("UPDATE service_users SET superseded_at = NULL WHERE version = 1"))
