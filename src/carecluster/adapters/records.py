"""Versioned clinical records (service users, episodes, assessments, allocations, assignment
periods, reviews) as `service/records.py` reads and writes them, on SQLAlchemy and in memory.

The SQLAlchemy version is `store.repository`'s functions on the unit of work's session, so the
rules of versioning (append only, one current version, the database's unique indexes) stay
there; the fake keeps every version in one list, shared with the fake caseload queries.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carecluster.store import repository as versions
from carecluster.store.db import now
from carecluster.store.models import Allocation, Assessment, AssignmentPeriod, Episode, Record, ServiceUser, Versioned

V = TypeVar("V", bound=Versioned)


def audit_values(row: Versioned) -> dict[str, Any]:
    """A clinical row's columns as the audit log keeps them (its before and after): here, beside
    the storage, so the use cases need not import `store.repository` to describe a row."""
    return versions.row_dict(row, clinical_only=True)


@dataclass(frozen=True)
class ServiceUserFilter:
    within_teams: frozenset[int] | None = None
    """Only people of these teams (the actor's); None: every team (an auditor)."""
    team_id: int | None = None
    clinician_id: int | None = None
    nhs_number: str | None = None
    name_contains: str | None = None
    """Case-insensitive; `%` and `_` are literal."""


@dataclass(frozen=True)
class Rated:
    """One current assessment with its allocation's chosen cluster (a review's look-back)."""

    assessed_on: date
    ratings: list[int]
    chosen_cluster: int | None


class RecordRepository(abc.ABC):
    @abc.abstractmethod
    def current(self, model: type[V], record_id: str, *, lock: bool = False) -> V | None:
        """The current version; `lock` holds it for update until the unit of work ends."""

    @abc.abstractmethod
    def history(self, model: type[V], record_id: str) -> list[V]:
        """Every version, oldest first."""

    @abc.abstractmethod
    def exists(self, record_id: str) -> bool:
        """Whether the record was ever created (whatever its versions say now)."""

    @abc.abstractmethod
    def add(self, model: type[V], user_id: int, **fields: Any) -> V:
        """Start a record at version 1."""

    @abc.abstractmethod
    def amend(self, old: V, user_id: int, reason: str, changes: dict[str, Any]) -> V:
        """Add version n+1 with `changes`; version n keeps every value it had."""

    @abc.abstractmethod
    def flush_unique(self) -> bool:
        """Write what is pending; False (and nothing written) when a uniqueness rule refuses it."""

    @abc.abstractmethod
    def service_user_with_nhs_number(self, nhs_number: str) -> str | None:
        """The record id of the current service user with this NHS number."""

    @abc.abstractmethod
    def service_users(self, where: ServiceUserFilter, limit: int, offset: int) -> tuple[list[ServiceUser], int]:
        """(current service users by name then row, total)."""

    @abc.abstractmethod
    def of_person(self, model: type[V], service_user_id: str, limit: int, offset: int) -> tuple[list[V], int]:
        """(a person's current records of one kind, newest first; total)."""

    @abc.abstractmethod
    def open_episode(self, service_user_id: str) -> Episode | None:
        """The current undischarged episode of care, latest referral first."""

    @abc.abstractmethod
    def open_period(self, service_user_id: str) -> AssignmentPeriod | None:
        """The current unended assignment period, locked for update."""

    @abc.abstractmethod
    def rated_history(self, service_user_id: str) -> list[Rated]:
        """Current assessments with a current allocation, oldest first."""


class SqlAlchemyRecords(RecordRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self, model: type[V], record_id: str, *, lock: bool = False) -> V | None:
        return versions.current(self.session, model, record_id, lock=lock)

    def history(self, model: type[V], record_id: str) -> list[V]:
        return list(versions.history(self.session, model, record_id))

    def exists(self, record_id: str) -> bool:
        return self.session.get(Record, record_id) is not None

    def add(self, model: type[V], user_id: int, **fields: Any) -> V:
        return versions.add_record(self.session, model, user_id, **fields)

    def amend(self, old: V, user_id: int, reason: str, changes: dict[str, Any]) -> V:
        return versions.amend(self.session, old, user_id, reason, changes)

    def flush_unique(self) -> bool:
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def service_user_with_nhs_number(self, nhs_number: str) -> str | None:
        return self.session.scalar(
            select(ServiceUser.record_id).where(
                ServiceUser.nhs_number == nhs_number, ServiceUser.superseded_at.is_(None)
            )
        )

    def service_users(self, where: ServiceUserFilter, limit: int, offset: int) -> tuple[list[ServiceUser], int]:
        query = select(ServiceUser).where(ServiceUser.superseded_at.is_(None))
        if where.within_teams is not None:
            query = query.where(ServiceUser.team_id.in_(where.within_teams or {-1}))
        if where.team_id is not None:
            query = query.where(ServiceUser.team_id == where.team_id)
        if where.clinician_id is not None:
            query = query.where(ServiceUser.clinician_id == where.clinician_id)
        if where.nhs_number:
            query = query.where(ServiceUser.nhs_number == where.nhs_number)
        if where.name_contains:
            text = where.name_contains.lower()
            query = query.where(func.lower(ServiceUser.name).contains(text, autoescape=True))
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(query.order_by(ServiceUser.name, ServiceUser.row_id).limit(limit).offset(offset))
        return list(rows), total

    def of_person(self, model: type[V], service_user_id: str, limit: int, offset: int) -> tuple[list[V], int]:
        query = select(model).where(model.service_user_id == service_user_id, model.superseded_at.is_(None))  # type: ignore[attr-defined]
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(query.order_by(model.row_id.desc()).limit(limit).offset(offset))
        return list(rows), total

    def open_episode(self, service_user_id: str) -> Episode | None:
        return self.session.scalars(
            select(Episode)
            .where(
                Episode.service_user_id == service_user_id,
                Episode.superseded_at.is_(None),
                Episode.discharge_date.is_(None),
            )
            .order_by(Episode.referral_date.desc())
        ).first()

    def open_period(self, service_user_id: str) -> AssignmentPeriod | None:
        return self.session.scalars(
            select(AssignmentPeriod)
            .where(
                AssignmentPeriod.service_user_id == service_user_id,
                AssignmentPeriod.superseded_at.is_(None),
                AssignmentPeriod.end_date.is_(None),
            )
            .with_for_update()
        ).first()

    def rated_history(self, service_user_id: str) -> list[Rated]:
        rows = self.session.execute(
            select(Assessment.assessed_on, Assessment.ratings, Allocation.chosen_cluster)
            .join(Allocation, Allocation.assessment_id == Assessment.record_id)
            .where(
                Assessment.service_user_id == service_user_id,
                Assessment.superseded_at.is_(None),
                Allocation.superseded_at.is_(None),
            )
            .order_by(Assessment.assessed_on)
        )
        return [Rated(r.assessed_on, r.ratings, r.chosen_cluster) for r in rows]


class FakeRecords(RecordRepository):
    """Every version of every record in one list (`rows`), as the SQL tables hold them."""

    def __init__(self, rows: list[Any] | None = None) -> None:
        self.rows: list[Any] = [] if rows is None else rows

    def _of(self, model: type[V]) -> list[V]:
        return [r for r in self.rows if isinstance(r, model)]

    def _current(self, model: type[V]) -> list[V]:
        return [r for r in self._of(model) if r.superseded_at is None]

    def current(self, model: type[V], record_id: str, *, lock: bool = False) -> V | None:
        return next((r for r in self._current(model) if r.record_id == record_id), None)

    def history(self, model: type[V], record_id: str) -> list[V]:
        return sorted((r for r in self._of(model) if r.record_id == record_id), key=lambda r: r.version)

    def exists(self, record_id: str) -> bool:
        return any(r.record_id == record_id for r in self.rows)

    def _row_id(self) -> int:
        return max((r.row_id for r in self.rows), default=0) + 1

    def add(self, model: type[V], user_id: int, **fields: Any) -> V:
        row = model(record_id=versions.new_id(), version=1, recorded_at=now(), recorded_by=user_id, **fields)
        row.row_id = self._row_id()
        row.superseded_at = None
        self.rows.append(row)
        return row

    def amend(self, old: V, user_id: int, reason: str, changes: dict[str, Any]) -> V:
        model = type(old)
        kept = {c.key: getattr(old, c.key) for c in inspect(model).columns if c.key not in versions.META_COLUMNS}
        old.superseded_at = now()
        row = model(
            record_id=old.record_id,
            version=old.version + 1,
            predecessor_row_id=old.row_id,
            recorded_at=now(),
            recorded_by=user_id,
            amend_reason=reason,
            **(kept | changes),
        )
        row.row_id = self._row_id()
        row.superseded_at = None
        self.rows.append(row)
        return row

    def flush_unique(self) -> bool:
        numbers = [su.nhs_number for su in self._current(ServiceUser)]
        return len(numbers) == len(set(numbers))

    def service_user_with_nhs_number(self, nhs_number: str) -> str | None:
        return next((su.record_id for su in self._current(ServiceUser) if su.nhs_number == nhs_number), None)

    def service_users(self, where: ServiceUserFilter, limit: int, offset: int) -> tuple[list[ServiceUser], int]:
        rows = [
            su
            for su in sorted(self._current(ServiceUser), key=lambda s: (s.name, s.row_id))
            if (where.within_teams is None or su.team_id in where.within_teams)
            and (where.team_id is None or su.team_id == where.team_id)
            and (where.clinician_id is None or su.clinician_id == where.clinician_id)
            and (not where.nhs_number or su.nhs_number == where.nhs_number)
            and (not where.name_contains or where.name_contains.lower() in su.name.lower())
        ]
        return rows[offset : offset + limit], len(rows)

    def of_person(self, model: type[V], service_user_id: str, limit: int, offset: int) -> tuple[list[V], int]:
        rows = [r for r in self._current(model) if getattr(r, "service_user_id", None) == service_user_id]
        rows.sort(key=lambda r: r.row_id, reverse=True)
        return rows[offset : offset + limit], len(rows)

    def open_episode(self, service_user_id: str) -> Episode | None:
        rows = [e for e in self._current(Episode) if e.service_user_id == service_user_id and e.discharge_date is None]
        return max(rows, key=lambda e: e.referral_date, default=None)

    def open_period(self, service_user_id: str) -> AssignmentPeriod | None:
        rows = self._current(AssignmentPeriod)
        return next((p for p in rows if p.service_user_id == service_user_id and p.end_date is None), None)

    def rated_history(self, service_user_id: str) -> list[Rated]:
        chosen = {a.assessment_id: a.chosen_cluster for a in self._current(Allocation)}
        rows = [a for a in self._current(Assessment) if a.service_user_id == service_user_id and a.record_id in chosen]
        rows.sort(key=lambda a: a.assessed_on)
        return [Rated(a.assessed_on, list(a.ratings), chosen[a.record_id]) for a in rows]
