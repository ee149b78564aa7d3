"""Use cases on the in-memory unit of work: no database, so each test runs in milliseconds."""

from __future__ import annotations

import itertools
from datetime import date

from carecluster.adapters.caseload import FakeCaseloadQueries
from carecluster.api import resolve_reference
from carecluster.service.context import Context
from carecluster.service.security import Actor
from carecluster.service_layer.unit_of_work import AbstractUnitOfWork
from carecluster.store import repository as versions
from carecluster.store.db import now
from carecluster.store.models import (
    Allocation,
    Assessment,
    AssignmentPeriod,
    Review,
    ServiceUser,
    Team,
    User,
    Versioned,
)

TODAY = date(2026, 7, 1)


def context(uow: AbstractUnitOfWork, actor: Actor) -> Context:
    return Context(uow=uow, actor=actor, reference=resolve_reference(None), client="test", today=TODAY)


def account(uow: AbstractUnitOfWork, username: str, role: str, *teams: int, active: bool = True) -> Actor:
    """A stored account and the actor it signs in as."""
    user = uow.users.add(
        User(
            username=username,
            full_name=username.title(),
            role=role,
            password_hash="not-a-hash",
            active=active,
            failed_logins=0,
            created_at=now(),
        )
    )
    uow.users.set_teams(user.id, teams)
    return Actor(user.id, username, role, frozenset(teams))


def team(uow: AbstractUnitOfWork, code: str) -> int:
    return uow.teams.add(Team(code=code, name=f"Team {code}", created_at=now())).id


class Clinic:
    """Current version rows of clinical records, put straight into the fake caseload queries."""

    def __init__(self, uow: AbstractUnitOfWork) -> None:
        self.queries = uow.caseloads
        assert isinstance(self.queries, FakeCaseloadQueries)
        self._row_ids = itertools.count(1)

    def _add(self, row: Versioned, *, record_id: str | None = None, version: int = 1) -> str:
        row.row_id = next(self._row_ids)
        row.record_id = record_id or versions.new_id()
        row.version = version
        row.recorded_at = now()
        row.recorded_by = 1
        row.superseded_at = None
        self.queries.add(row)
        return row.record_id

    def person(self, name: str, team_id: int, clinician_id: int | None = None) -> str:
        return self._add(
            ServiceUser(
                nhs_number="9434765919",
                name=name,
                date_of_birth=date(1980, 1, 1),
                team_id=team_id,
                clinician_id=clinician_id,
            )
        )

    def assessment(self, service_user_id: str, on: date, ratings: list[int]) -> str:
        row = Assessment(
            service_user_id=service_user_id, assessed_on=on, clustering_event="initial", rater_id=1, problem_type="B"
        )
        row.ratings = ratings
        return self._add(row)

    def allocation(
        self, service_user_id: str, assessment_id: str, status: str = "suggested", reasons: tuple[str, ...] = ()
    ) -> str:
        return self._add(
            Allocation(
                service_user_id=service_user_id,
                assessment_id=assessment_id,
                suggested_cluster=4,
                suggestion={"status": status},
                reference_id="test",
                reference_version="1",
                reason_required=[{"code": code, "text": code} for code in reasons],
            )
        )

    def period(
        self, service_user_id: str, cluster: int, start: date, *, allocation_id: str = "", end: date | None = None
    ) -> str:
        return self._add(
            AssignmentPeriod(
                service_user_id=service_user_id,
                allocation_id=allocation_id or versions.new_id(),
                cluster=cluster,
                start_date=start,
                end_date=end,
            )
        )

    def review(self, service_user_id: str, on: date, cluster: int) -> str:
        return self._add(
            Review(
                service_user_id=service_user_id,
                reviewed_on=on,
                current_cluster=cluster,
                outcome="same",
                result={},
                facts={},
            )
        )

    def supersede(self, record_id: str) -> None:
        """Mark the record's current version superseded (as an amendment does) without a successor."""
        for row in self.queries.rows:
            if row.record_id == record_id and row.superseded_at is None:
                row.superseded_at = now()
