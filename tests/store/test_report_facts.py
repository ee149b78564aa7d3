"""The reports' derived rows follow every write of the rows they come from, on both databases.

After each step the table as maintained write by write must equal the table rebuilt from
scratch, and a few values are checked by hand, so a refresh that missed a kind of write (an
amendment, a team transfer, a moved period, a rollback) would show here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from carecluster.store import migrate, report_facts
from carecluster.store.db import Database
from carecluster.store.models import SCALE_COLUMNS, AssessmentFact, ReviewFact
from tests.reports.population import Population, honos


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    migrate.upgrade(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


def rows(db: Database, model: Any) -> set[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return {tuple(r) for r in conn.execute(select(model))}


def assert_matches_rebuild(db: Database) -> None:
    maintained = rows(db, AssessmentFact), rows(db, ReviewFact)
    with db.engine.begin() as conn:
        report_facts.rebuild(conn)
    assert (rows(db, AssessmentFact), rows(db, ReviewFact)) == maintained


def fact(db: Database, assessment_id: str) -> Any:
    with db.engine.connect() as conn:
        return conn.execute(select(AssessmentFact).where(AssessmentFact.assessment_id == assessment_id)).one()


def test_facts_follow_writes_amendments_transfers_and_rollbacks(db: Database) -> None:
    with db.transaction() as session:
        p = Population(session)
        p.team("A")
        p.team("B")
        p.person("c1", "clinician", "A", "B")
        p.su("S", "A", "c1")
        episode = p.episode("S", date(2025, 1, 1))
        ratings = honos(14, nines=1)
        ratings[13] = 9  # scale A not known too
        first, first_alloc = p.assess(
            "S", date(2025, 1, 10), ratings, suggested=4, chosen=4, rater="c1", episode=episode
        )
        second, _ = p.assess(
            "S", date(2025, 7, 1), honos(6), suggested=3, chosen=2, rater="c1", episode=episode, why=("red", "rare")
        )
        p.period("S", first_alloc, 4, date(2025, 1, 10))
        p.review("S", date(2025, 4, 1), 4, "c1")
        p.review("S", date(2025, 7, 1), 4, "c1", second)
        ids = (first.record_id, second.record_id, first_alloc, p.people["S"], p.teams)

    first_id, second_id, first_alloc, su, teams = ids
    row = fact(db, first_id)
    assert (row.nines, row.honos_rated, row.honos_total, row.team_id) == (2, 11, 14, teams["A"])
    assert [getattr(row, c) for c in SCALE_COLUMNS] == ratings
    assert (row.chosen_cluster, row.red_breach, row.rare_transition) == (4, 0, 0)
    assert (fact(db, second_id).red_breach, fact(db, second_id).rare_transition) == (1, 1)
    with db.engine.connect() as conn:
        clocks = conn.execute(
            select(ReviewFact.reviewed_on, ReviewFact.previous_review_on, ReviewFact.period_start)
        ).all()
    assert sorted(clocks) == [
        (date(2025, 4, 1), None, date(2025, 1, 10)),
        (date(2025, 7, 1), date(2025, 4, 1), date(2025, 1, 10)),
    ]
    assert_matches_rebuild(db)

    # a new choice (a new allocation version) and a corrected date (a new assessment version)
    with db.transaction() as session:
        p = Population(session)
        p.user = session.scalar(select(AssessmentFact.rater_id))
        allocation = report_facts_current(session, "allocations", first_alloc.record_id)
        p.amend(allocation, chosen_cluster=5, reason="changed")
        assessment = report_facts_current(session, "assessments", first_id)
        p.amend(assessment, assessed_on=date(2025, 1, 12))
    row = fact(db, first_id)
    assert (row.chosen_cluster, row.assessed_on) == (5, date(2025, 1, 12))
    assert len(rows(db, AssessmentFact)) == 2
    assert_matches_rebuild(db)

    # the service user moves team: every derived row of theirs follows
    with db.transaction() as session:
        p = Population(session)
        p.user = session.scalar(select(AssessmentFact.rater_id))
        p.amend(report_facts_current(session, "service_users", su), team_id=teams["B"])
    assert {r.team_id for r in rows_of(db, AssessmentFact)} == {teams["B"]}
    assert {r.team_id for r in rows_of(db, ReviewFact)} == {teams["B"]}
    assert_matches_rebuild(db)

    # the period is corrected to start later: the first review's clock now has no period start
    with db.transaction() as session:
        p = Population(session)
        p.user = session.scalar(select(AssessmentFact.rater_id))
        period = session.scalars(select(_model("assignment_periods")).where(_current("assignment_periods"))).one()
        p.amend(period, start_date=date(2025, 5, 1))
    with db.engine.connect() as conn:
        clocks = conn.execute(select(ReviewFact.reviewed_on, ReviewFact.period_start)).all()
    assert sorted(clocks) == [(date(2025, 4, 1), None), (date(2025, 7, 1), date(2025, 5, 1))]
    assert_matches_rebuild(db)

    # a write that is rolled back leaves no derived row behind
    before = rows(db, AssessmentFact)
    with pytest.raises(RuntimeError, match="abandon"):
        assess_then_abandon(db, su)
    assert rows(db, AssessmentFact) == before


def assess_then_abandon(db: Database, su: str) -> None:
    with db.transaction() as session:
        p = Population(session)
        p.user = session.scalar(select(AssessmentFact.rater_id))
        p.people["S"], p.staff["c1"] = su, p.user
        p.assess("S", date(2025, 9, 1), honos(3), suggested=3, chosen=3, rater="c1")
        seen = select(AssessmentFact.assessment_id).where(AssessmentFact.assessed_on == date(2025, 9, 1))
        assert session.scalar(seen), "the derived row exists inside the unit of work"
        raise RuntimeError("abandon the unit of work")


def _model(table: str) -> Any:
    from carecluster.store.models import VERSIONED

    return next(m for m in VERSIONED if m.__tablename__ == table)


def _current(table: str) -> Any:
    return _model(table).superseded_at.is_(None)


def report_facts_current(session: Any, table: str, record_id: str) -> Any:
    model = _model(table)
    return session.scalars(select(model).where(model.record_id == record_id, _current(table))).one()


def rows_of(db: Database, model: Any) -> list[Any]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(model)))


def test_the_read_model_is_refreshed_by_the_unit_of_work_not_a_global_hook(db: Database) -> None:
    """Importing the app registers no flush hook on every session; the unit of work's own
    session carries the read-model handler while it is open, and drops it when it ends."""
    from sqlalchemy.orm import Session

    import carecluster.http.app  # noqa: F401 - everything the service imports

    assert len(Session().dispatch.after_flush) == 0
    with db.transaction() as session:
        assert len(session.dispatch.after_flush) == 1
    assert len(session.dispatch.after_flush) == 0
