"""Migration 0009's clinical columns are guarded like the rest: an episode's coded referral reason
and diagnosis, and an inpatient spell's bed type, are never rewritten in place (amend instead)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from carecluster.store import migrate
from carecluster.store.db import Database, now
from carecluster.store.models import Episode, InpatientSpell, ServiceUser, Team, User
from carecluster.store.repository import add_record, amend, current


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    migrate.upgrade(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


def _seed(db: Database) -> tuple[int, str, str]:
    with db.transaction() as session:
        team = Team(code="T", name="Team", team_type="A06", created_at=now())
        user = User(
            username="u", full_name="U", role="clinician", password_hash="x", active=True, failed_logins=0,
            created_at=now(),
        )  # fmt: skip
        session.add_all([team, user])
        session.flush()
        su = add_record(
            session, ServiceUser, user.id, nhs_number="9990000018", name="A", date_of_birth=date(1980, 1, 1),
            team_id=team.id,
        )  # fmt: skip
        session.flush()
        episode = add_record(
            session, Episode, user.id, service_user_id=su.record_id, team_id=team.id, referral_date=date(2026, 4, 1),
            primary_diagnosis="F32.1", referral_reason_code="04",
        )  # fmt: skip
        spell = add_record(
            session, InpatientSpell, user.id, service_user_id=su.record_id, episode_id=None,
            admitted_on=date(2026, 5, 1), bed_type="200",
        )  # fmt: skip
        session.flush()
        return user.id, episode.record_id, spell.record_id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE episodes SET referral_reason_code = '05'",
        "UPDATE episodes SET primary_diagnosis = 'F20.0'",
        "UPDATE episodes SET referral_reason = 'rewritten'",
        "UPDATE inpatient_spells SET bed_type = '201'",
        "DELETE FROM inpatient_spells",
    ],
)
def test_the_currency_inputs_are_never_rewritten_in_place(db: Database, statement: str) -> None:
    _seed(db)
    with pytest.raises(DBAPIError, match="carecluster"), db.transaction() as session:
        session.execute(text(statement))


def test_an_amendment_keeps_the_old_bed_type_and_reason(db: Database) -> None:
    user_id, episode_id, spell_id = _seed(db)
    with db.transaction() as session:
        old = current(session, InpatientSpell, spell_id)
        assert old is not None
        amend(session, old, user_id, "moved to PICU", {"bed_type": "202"})
        ep = current(session, Episode, episode_id)
        assert ep is not None
        amend(session, ep, user_id, "reason coded", {"referral_reason_code": "05"})
    with db.transaction(write=False) as session:
        assert [r[0] for r in session.execute(text("SELECT bed_type FROM inpatient_spells ORDER BY version"))] == [
            "200",
            "202",
        ]
        assert [r[0] for r in session.execute(text("SELECT referral_reason_code FROM episodes ORDER BY version"))] == [
            "04",
            "05",
        ]
