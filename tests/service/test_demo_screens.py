"""Demo data fills every screen (issue 17 item 10): patient-rated measures, goals, experience,
episodes with discharges, transfers between teams, and a local rating habit the drift report
finds; seeded, so two runs give the same records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from carecluster.reference import ReferenceSet
from carecluster.reports.drift import profile_drift
from carecluster.reports.models import Filters
from carecluster.service.demo import GOAL_MEASURES, LOCAL_HABITS, PATIENT_RATED, create_demo_data
from carecluster.store import migrate
from carecluster.store.db import Database
from carecluster.store.models import Episode, OutcomeAdministration, ServiceUser

TODAY = date(2026, 11, 1)
PEOPLE = 160  # enough ratings per habit cluster for the drift test to be run on them


def _seed(path: Path, reference: ReferenceSet) -> tuple[Database, object]:
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    db = Database(url)
    return db, create_demo_data(db, reference, PEOPLE, today=TODAY)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, reference: ReferenceSet):
    db, summary = _seed(tmp_path_factory.mktemp("demo") / "a.db", reference)
    yield db, summary
    db.dispose()


def _outcomes(db: Database) -> list[OutcomeAdministration]:
    with db.transaction(write=False) as session:
        rows = list(session.scalars(select(OutcomeAdministration).order_by(OutcomeAdministration.row_id)))
        session.expunge_all()
    return rows


def test_every_outcome_measure_has_records_to_show(seeded) -> None:
    db, summary = seeded
    rows = _outcomes(db)
    by_measure = {m: [r for r in rows if r.measure_id == m] for m in (*PATIENT_RATED, *GOAL_MEASURES, "fft")}
    assert {m for m, found in by_measure.items() if not found} == set()
    assert len(rows) == summary.outcomes
    assert all(r.goals for m in GOAL_MEASURES for r in by_measure[m])  # goals named and rated
    # paired measures: someone has a first and a later answer to the same measure in one episode
    pairs = {(r.episode_id, r.measure_id) for r in rows}
    assert any(sum(1 for r in rows if (r.episode_id, r.measure_id) == pair) >= 2 for pair in pairs)


def test_episodes_discharges_and_transfers_are_present(seeded) -> None:
    db, summary = seeded
    with db.transaction(write=False) as session:
        episodes = list(session.scalars(select(Episode).where(Episode.superseded_at.is_(None))))
        moved = session.scalars(
            select(ServiceUser.amend_reason).where(ServiceUser.amend_reason.like("Transferred%"))
        ).all()
    assert len(episodes) >= PEOPLE
    assert any(e.discharge_date is not None for e in episodes)
    assert any(e.discharge_date is None for e in episodes)
    assert len(moved) == summary.transfers > 0


def test_the_drift_report_finds_the_local_habit(seeded, reference: ReferenceSet) -> None:
    db, _summary = seeded
    with db.transaction(write=False) as session:
        result = profile_drift(session, Filters(date_from=date(2000, 1, 1), date_to=TODAY), reference)
    flagged = {(c.cluster, c.scale) for c in result.flagged()}
    habits = {(cluster, scale) for cluster, (scale, _share) in LOCAL_HABITS.items()}
    assert flagged & habits, (flagged, habits)


def test_the_same_seed_gives_the_same_records(seeded, tmp_path: Path, reference: ReferenceSet) -> None:
    db, summary = seeded
    again, summary_again = _seed(tmp_path / "b.db", reference)
    try:
        assert summary_again == summary
        first = [(r.measure_id, r.administered_on, r.answers) for r in _outcomes(db)]
        assert [(r.measure_id, r.administered_on, r.answers) for r in _outcomes(again)] == first
    finally:
        again.dispose()
