"""The in-memory caseload queries answer as the SQL ones do (on SQLite and PostgreSQL), so the
fast use-case tests in tests/service, which run on the fake, test what the service runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from carecluster.adapters.caseload import (
    CaseloadFilter,
    CaseloadQueries,
    FakeCaseloadQueries,
    SqlAlchemyCaseloadQueries,
)
from carecluster.store import migrate
from carecluster.store.db import Database, now
from carecluster.store.models import Allocation, Assessment, AssignmentPeriod, Review, ServiceUser, Team, User
from carecluster.store.repository import add_record, amend

ZEROS = [0] * 18


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    migrate.upgrade(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


def _seed(session: Session) -> tuple[int, int, int]:
    """Two teams' people with open, ended and amended periods, reviews, allocations and ratings."""
    team_a, team_b = Team(code="A", name="A", created_at=now()), Team(code="B", name="B", created_at=now())
    user = User(username="u", full_name="U", role="clinician", password_hash="x", active=True,
                failed_logins=0, created_at=now())  # fmt: skip
    session.add_all([team_a, team_b, user])
    session.flush()
    uid = user.id

    def person(name: str, team: Team, clinician: int | None = None) -> str:
        row = add_record(session, ServiceUser, uid, nhs_number=f"999{len(name):03d}{ord(name[0]):04d}", name=name,
                         date_of_birth=date(1980, 1, 1), team_id=team.id, clinician_id=clinician)  # fmt: skip
        session.flush()
        return row.record_id

    def assess(su: str, on: date, ratings: list[int]) -> Assessment:
        row = add_record(session, Assessment, uid, service_user_id=su, assessed_on=on, clustering_event="initial",
                         rater_id=uid, ratings=ratings, problem_type="B")  # fmt: skip
        session.flush()
        return row

    def allocate(su: str, assessment: Assessment, status: str, reasons: list[str]) -> Allocation:
        row = add_record(session, Allocation, uid, service_user_id=su, assessment_id=assessment.record_id,
                         suggested_cluster=4, suggestion={"status": status}, reference_id="r",
                         reference_version="1", reason_required=[{"code": c} for c in reasons])  # fmt: skip
        session.flush()
        return row

    def period(su: str, allocation: Allocation, cluster: int, start: date, end: date | None = None) -> AssignmentPeriod:
        row = add_record(session, AssignmentPeriod, uid, service_user_id=su, allocation_id=allocation.record_id,
                         cluster=cluster, start_date=start, end_date=end)  # fmt: skip
        session.flush()
        return row

    def review(su: str, on: date) -> Review:
        row = add_record(session, Review, uid, service_user_id=su, reviewed_on=on, current_cluster=4,
                         outcome="same", result={}, facts={})  # fmt: skip
        session.flush()
        return row

    ann = person("Ann", team_a, uid)
    first = assess(ann, date(2026, 1, 1), ZEROS)
    red = allocate(ann, first, "suggested", ["red_breach"])
    opened = period(ann, red, 4, date(2026, 1, 1))
    amend(session, opened, uid, "start date", {"start_date": date(2026, 1, 5)})
    later = assess(ann, date(2026, 5, 1), [1] * 12 + [0] * 6)
    allocate(ann, later, "needs_answers", [])
    review(ann, date(2026, 3, 1))
    amend(session, review(ann, date(2026, 4, 1)), uid, "date", {"reviewed_on": date(2026, 4, 2)})

    bob = person("Bob", team_a)
    old = allocate(bob, assess(bob, date(2025, 1, 1), ZEROS), "suggested", ["differs_from_suggestion"])
    period(bob, old, 1, date(2025, 1, 1), end=date(2025, 6, 1))
    moved = person("Cat", team_a)
    amend(session, session.scalars(select(ServiceUser).where(ServiceUser.record_id == moved)).one(), uid,
          "moved", {"team_id": team_b.id, "name": "Cat Moved"})  # fmt: skip
    dan = person("Dan", team_b, uid)
    period(dan, allocate(dan, assess(dan, date(2026, 2, 1), ZEROS), "suggested", []), 12, date(2026, 2, 1))
    return team_a.id, team_b.id, uid


def _copy(row: Any) -> Any:
    """A detached copy of a stored row, column for column."""
    return type(row)(**{c.key: getattr(row, c.key) for c in inspect(type(row)).columns})


def _answers(queries: CaseloadQueries, team_a: int, team_b: int, uid: int) -> dict[str, Any]:
    filters = {
        "team A": CaseloadFilter(team_id=team_a, within_teams=frozenset({team_a})),
        "team B, all teams": CaseloadFilter(team_id=team_b),
        "clinician within A": CaseloadFilter(clinician_id=uid, within_teams=frozenset({team_a})),
        "no teams": CaseloadFilter(clinician_id=uid, within_teams=frozenset()),
        "cluster 4": CaseloadFilter(cluster=4),
    }
    found: dict[str, Any] = {
        name: [(r.person.record_id, r.person.name, r.cluster, r.since) for r in queries.people(where)]
        for name, where in filters.items()
    }
    ids = [r.person.record_id for r in queries.people(CaseloadFilter())]
    found["everyone"] = ids
    found["last_reviews"] = queries.last_reviews(ids)
    found["ever_clustered"] = queries.ever_clustered(ids)
    found["open_period_reasons"] = queries.open_period_reasons(ids)
    found["latest_suggestions"] = queries.latest_suggestions(ids)
    found["rating_history"] = {
        sid: [(a.record_id, a.assessed_on, list(a.ratings)) for a in rows]
        for sid, rows in queries.rating_history(ids).items()
    }
    found["nobody"] = (queries.last_reviews([]), queries.ever_clustered([]), queries.open_period_reasons([]),
                       queries.latest_suggestions([]), queries.rating_history([]))  # fmt: skip
    return found


def test_the_fake_answers_as_the_database_does(db: Database) -> None:
    with db.transaction() as session:
        team_a, team_b, uid = _seed(session)
    with db.transaction(write=False) as session:
        stored = _answers(SqlAlchemyCaseloadQueries(session), team_a, team_b, uid)
        fake = FakeCaseloadQueries()
        for model in (ServiceUser, Assessment, Allocation, AssignmentPeriod, Review):
            fake.add(*(_copy(row) for row in session.scalars(select(model))))
    assert stored["team A"] == [
        (stored["everyone"][0], "Ann", 4, date(2026, 1, 5)),
        (stored["team A"][1][0], "Bob", None, None),
    ]
    assert [name for _, name, _, _ in stored["team B, all teams"]] == ["Cat Moved", "Dan"]
    assert stored["no teams"] == []
    assert len(stored["ever_clustered"]) == 3
    assert _answers(fake, team_a, team_b, uid) == stored
