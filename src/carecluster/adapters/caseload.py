"""The questions the caseload and worklist use cases put to the clinical records, on SQLAlchemy
and in memory (for `tests/service`). Only current versions count; the use cases turn the rows
into `CaseloadRow`s and decide what they mean (due dates, red rules, deterioration)."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from carecluster.store.models import Allocation, Assessment, AssignmentPeriod, Review, ServiceUser


@dataclass(frozen=True)
class OnCaseload:
    """A current service user with their open assignment period's cluster and start (None: none open)."""

    person: ServiceUser
    cluster: int | None
    since: date | None


@dataclass(frozen=True)
class CaseloadFilter:
    team_id: int | None = None
    clinician_id: int | None = None
    within_teams: frozenset[int] | None = None
    """Only people of these teams (the actor's); None: every team (an auditor)."""
    cluster: int | None = None


class CaseloadQueries(abc.ABC):
    @abc.abstractmethod
    def people(self, where: CaseloadFilter) -> list[OnCaseload]:
        """Current service users matching `where`, by name then row."""

    @abc.abstractmethod
    def last_reviews(self, service_user_ids: Sequence[str]) -> dict[str, date]:
        """Date of each person's latest current review (people never reviewed are absent)."""

    @abc.abstractmethod
    def ever_clustered(self, service_user_ids: Sequence[str]) -> set[str]:
        """People with any assignment period, in any version."""

    @abc.abstractmethod
    def open_period_reasons(self, service_user_ids: Sequence[str]) -> dict[str, list[Any]]:
        """The `reason_required` entries of the allocation behind each person's open period."""

    @abc.abstractmethod
    def latest_suggestions(self, service_user_ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Per person, the current allocation of their latest current assessment: (allocation id, stored suggestion)."""

    @abc.abstractmethod
    def rating_history(self, service_user_ids: Sequence[str]) -> dict[str, list[Assessment]]:
        """Per person, current assessments oldest first (date, then time recorded)."""


class SqlAlchemyCaseloadQueries(CaseloadQueries):
    def __init__(self, session: Session) -> None:
        self.session = session

    def people(self, where: CaseloadFilter) -> list[OnCaseload]:
        query = (
            select(ServiceUser, AssignmentPeriod.cluster, AssignmentPeriod.start_date)
            .outerjoin(
                AssignmentPeriod,
                and_(
                    AssignmentPeriod.service_user_id == ServiceUser.record_id,
                    AssignmentPeriod.superseded_at.is_(None),
                    AssignmentPeriod.end_date.is_(None),
                ),
            )
            .where(ServiceUser.superseded_at.is_(None))
        )
        if where.team_id is not None:
            query = query.where(ServiceUser.team_id == where.team_id)
        if where.clinician_id is not None:
            query = query.where(ServiceUser.clinician_id == where.clinician_id)
        if where.within_teams is not None:
            query = query.where(ServiceUser.team_id.in_(where.within_teams or {-1}))
        if where.cluster is not None:
            query = query.where(AssignmentPeriod.cluster == where.cluster)
        rows = self.session.execute(query.order_by(ServiceUser.name, ServiceUser.row_id)).all()
        return [OnCaseload(person, cluster, since) for person, cluster, since in rows]

    def last_reviews(self, service_user_ids: Sequence[str]) -> dict[str, date]:
        if not service_user_ids:
            return {}
        rows = self.session.execute(
            select(Review.service_user_id, func.max(Review.reviewed_on))
            .where(Review.service_user_id.in_(service_user_ids), Review.superseded_at.is_(None))
            .group_by(Review.service_user_id)
        )
        return {sid: on for sid, on in rows}

    def ever_clustered(self, service_user_ids: Sequence[str]) -> set[str]:
        if not service_user_ids:
            return set()
        query = select(AssignmentPeriod.service_user_id).where(AssignmentPeriod.service_user_id.in_(service_user_ids))
        return set(self.session.scalars(query.distinct()))

    def open_period_reasons(self, service_user_ids: Sequence[str]) -> dict[str, list[Any]]:
        if not service_user_ids:
            return {}
        rows = self.session.execute(
            select(AssignmentPeriod.service_user_id, Allocation.reason_required)
            .join(Allocation, Allocation.record_id == AssignmentPeriod.allocation_id)
            .where(
                AssignmentPeriod.service_user_id.in_(service_user_ids),
                AssignmentPeriod.superseded_at.is_(None),
                AssignmentPeriod.end_date.is_(None),
                Allocation.superseded_at.is_(None),
            )
        )
        found: dict[str, list[Any]] = {}
        for sid, why in rows:
            found.setdefault(sid, []).extend(why or [])
        return found

    def latest_suggestions(self, service_user_ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        if not service_user_ids:
            return {}
        rows = self.session.execute(
            select(Allocation.service_user_id, Allocation.record_id, Allocation.suggestion)
            .join(Assessment, Assessment.record_id == Allocation.assessment_id)
            .where(
                Allocation.service_user_id.in_(service_user_ids),
                Allocation.superseded_at.is_(None),
                Assessment.superseded_at.is_(None),
            )
            .order_by(Assessment.assessed_on, Assessment.row_id)
        ).all()
        return {sid: (rid, suggestion or {}) for sid, rid, suggestion in rows}  # the latest wins

    def rating_history(self, service_user_ids: Sequence[str]) -> dict[str, list[Assessment]]:
        if not service_user_ids:
            return {}
        rows = self.session.scalars(
            select(Assessment)
            .where(Assessment.service_user_id.in_(service_user_ids), Assessment.superseded_at.is_(None))
            .order_by(Assessment.assessed_on, Assessment.recorded_at, Assessment.row_id)
        )
        found: dict[str, list[Assessment]] = {}
        for row in rows:
            found.setdefault(row.service_user_id, []).append(row)
        return found


class FakeCaseloadQueries(CaseloadQueries):
    """Version rows as the tests add them (`add`) or the fake records repository writes them (a
    shared `rows`); superseded ones are kept and ignored as the SQL does."""

    def __init__(self, rows: list[Any] | None = None) -> None:
        self.rows: list[Any] = [] if rows is None else rows

    def add(self, *rows: Any) -> None:
        self.rows.extend(rows)

    def _current(self, model: type[Any]) -> list[Any]:
        return [r for r in self.rows if isinstance(r, model) and r.superseded_at is None]

    def people(self, where: CaseloadFilter) -> list[OnCaseload]:
        open_periods = [p for p in self._current(AssignmentPeriod) if p.end_date is None]
        found: list[OnCaseload] = []
        for su in sorted(self._current(ServiceUser), key=lambda s: (s.name, s.row_id)):
            if where.team_id is not None and su.team_id != where.team_id:
                continue
            if where.clinician_id is not None and su.clinician_id != where.clinician_id:
                continue
            if where.within_teams is not None and su.team_id not in where.within_teams:
                continue
            periods = [p for p in open_periods if p.service_user_id == su.record_id]
            found += [OnCaseload(su, p.cluster, p.start_date) for p in periods] or [OnCaseload(su, None, None)]
        if where.cluster is not None:
            found = [r for r in found if r.cluster == where.cluster]
        return found

    def last_reviews(self, service_user_ids: Sequence[str]) -> dict[str, date]:
        found: dict[str, date] = {}
        for r in self._current(Review):
            if r.service_user_id in service_user_ids:
                found[r.service_user_id] = max(found.get(r.service_user_id, r.reviewed_on), r.reviewed_on)
        return found

    def ever_clustered(self, service_user_ids: Sequence[str]) -> set[str]:
        ids = set(service_user_ids)
        return {p.service_user_id for p in self.rows if isinstance(p, AssignmentPeriod) and p.service_user_id in ids}

    def open_period_reasons(self, service_user_ids: Sequence[str]) -> dict[str, list[Any]]:
        allocations = {a.record_id: a for a in self._current(Allocation)}
        found: dict[str, list[Any]] = {}
        for p in self._current(AssignmentPeriod):
            if p.end_date is None and p.service_user_id in service_user_ids and p.allocation_id in allocations:
                found.setdefault(p.service_user_id, []).extend(allocations[p.allocation_id].reason_required or [])
        return found

    def latest_suggestions(self, service_user_ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        assessments = {a.record_id: a for a in self._current(Assessment)}
        pairs = [
            (assessments[a.assessment_id], a)
            for a in self._current(Allocation)
            if a.service_user_id in service_user_ids and a.assessment_id in assessments
        ]
        pairs.sort(key=lambda pair: (pair[0].assessed_on, pair[0].row_id))
        return {a.service_user_id: (a.record_id, a.suggestion or {}) for _, a in pairs}

    def rating_history(self, service_user_ids: Sequence[str]) -> dict[str, list[Assessment]]:
        rows = [a for a in self._current(Assessment) if a.service_user_id in service_user_ids]
        found: dict[str, list[Assessment]] = {}
        for row in sorted(rows, key=lambda a: (a.assessed_on, a.recorded_at, a.row_id)):
            found.setdefault(row.service_user_id, []).append(row)
        return found
