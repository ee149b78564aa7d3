"""Migration 0003: outcome administrations are versioned and guarded like every clinical table,
and external identifiers are append-only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from carecluster.store import migrate
from carecluster.store.db import Database, now
from carecluster.store.models import Episode, ExternalIdentifier, OutcomeAdministration, ServiceUser, Team, User
from carecluster.store.repository import add_record, amend, current, history


@pytest.fixture
def db(database_url: str):
    migrate.upgrade(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


def seed(db: Database) -> tuple[int, str]:
    with db.transaction() as session:
        team = Team(code="T", name="Team", created_at=now())
        user = User(username="u", full_name="U", role="clinician", password_hash="x", active=True,
                    failed_logins=0, created_at=now())  # fmt: skip
        session.add_all([team, user])
        session.flush()
        su = add_record(session, ServiceUser, user.id, nhs_number="9990000018", name="A",
                        date_of_birth=date(1980, 1, 1), team_id=team.id)  # fmt: skip
        session.flush()
        episode = add_record(session, Episode, user.id, service_user_id=su.record_id, team_id=team.id,
                             referral_date=date(2026, 1, 5))  # fmt: skip
        session.flush()
        outcome = add_record(
            session, OutcomeAdministration, user.id, service_user_id=su.record_id, episode_id=episode.record_id,
            measure_id="core10", measure_version="1", administered_on=date(2026, 1, 6), respondent="service_user",
            answers={"1": 2}, goals=None, score={"valid": False}, status="partial",
        )  # fmt: skip
        session.flush()
        session.add(ExternalIdentifier(kind="assessment", value="x-1", record_id=outcome.record_id,
                                       created_at=now(), created_by=user.id))  # fmt: skip
        return user.id, outcome.record_id


def test_an_outcome_is_amended_by_a_new_version(db: Database) -> None:
    user_id, record_id = seed(db)
    with db.transaction() as session:
        old = current(session, OutcomeAdministration, record_id)
        assert old is not None
        amend(session, old, user_id, "item 2 found", {"answers": {"1": 2, "2": 1}})
    with db.transaction() as session:
        versions = history(session, OutcomeAdministration, record_id)
        assert [(v.version, v.answers) for v in versions] == [(1, {"1": 2}), (2, {"1": 2, "2": 1})]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE outcome_administrations SET status = 'complete'",
        "UPDATE outcome_administrations SET answers = '{}'",
        "DELETE FROM outcome_administrations",
        "UPDATE external_identifiers SET value = 'x-2'",
        "DELETE FROM external_identifiers",
    ],
)
def test_the_database_refuses_to_rewrite_outcomes(db: Database, statement: str) -> None:
    seed(db)
    with pytest.raises(DBAPIError, match="carecluster"), db.transaction() as session:
        session.execute(text(statement))


def test_0003_steps_down_to_0002_and_back(database_url: str) -> None:
    migrate.upgrade(database_url, "0003")
    migrate.downgrade(database_url, "0002")
    migrate.upgrade(database_url, "0003")
    db = Database(database_url)
    try:
        assert migrate.current_revision(db.engine) == "0003"
    finally:
        db.dispose()
