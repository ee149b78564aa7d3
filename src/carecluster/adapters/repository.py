"""Repositories: the few questions and writes the converted use cases put to the store, named
for what they mean, so a use case never builds a query and can run on the in-memory fakes.

Each repository comes twice: on an open SQLAlchemy session (the live service) and in memory
(`tests/service`, `service_layer.unit_of_work.FakeUnitOfWork`). Rows are the store's model
objects (`User`, `Team`, `AuditEvent`, ...); the fakes hold the same classes, never attached to
a session. The use cases turn rows into schema objects before they return.

Versioned clinical records are in `adapters/records.py`, the caseload's questions in
`adapters/caseload.py`; use cases not yet converted (`interop.py`, `spells.py`, the currency
modules) still query the session themselves; see docs/architecture.md.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, inspect, select
from sqlalchemy.orm import Session

from carecluster.domain.roles import Role
from carecluster.service import throttle
from carecluster.store import repository as versions
from carecluster.store.db import now
from carecluster.store.models import (
    Assessment,
    AuditEvent,
    AuthToken,
    Episode,
    LoginThrottle,
    OutcomeAdministration,
    ServiceUser,
    Team,
    User,
    UserTeam,
)


@dataclass(frozen=True)
class AuditFilter:
    """What an audit search asks for; None means any."""

    user_id: int | None = None
    username: str | None = None
    action: str | None = None
    entity: str | None = None
    record_id: str | None = None
    service_user_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    entities: tuple[str, ...] | None = None
    """Only these entities (the privileged-changes view)."""
    without_actions: tuple[str, ...] = ()

    def matches(self, row: AuditEvent) -> bool:
        """The filter in Python, for the fake (the SQL one is `SqlAlchemyAuditLog._query`)."""
        pairs = (
            (row.user_id, self.user_id),
            (row.username, self.username),
            (row.action, self.action),
            (row.entity, self.entity),
            (row.record_id, self.record_id),
            (row.service_user_id, self.service_user_id),
        )
        return (
            all(want is None or have == want for have, want in pairs)
            and (self.since is None or row.at >= self.since)
            and (self.until is None or row.at < self.until)
            and (self.entities is None or row.entity in self.entities)
            and row.action not in self.without_actions
        )


# --- the contracts ---------------------------------------------------------------------------


class TeamRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, team_id: int) -> Team | None: ...

    @abc.abstractmethod
    def by_code(self, code: str) -> Team | None: ...

    @abc.abstractmethod
    def add(self, team: Team) -> Team:
        """Store a new team and give it its id."""

    @abc.abstractmethod
    def page(self, limit: int, offset: int) -> tuple[list[Team], int]:
        """(teams by id, total)."""

    @abc.abstractmethod
    def by_code_among(self, team_ids: frozenset[int] | None) -> list[Team]:
        """Teams ordered by code: these ones (None: every team)."""


class UserRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, user_id: int, *, lock: bool = False) -> User | None:
        """The account; `lock` holds it for update until the unit of work ends."""

    @abc.abstractmethod
    def by_username(self, username: str, *, lock: bool = False) -> User | None: ...

    @abc.abstractmethod
    def add(self, user: User) -> User:
        """Store a new account and give it its id."""

    @abc.abstractmethod
    def page(self, limit: int, offset: int, role: str | None, team_id: int | None) -> tuple[list[User], int]:
        """(accounts by id, optionally of one role and one team; total)."""

    @abc.abstractmethod
    def team_ids(self, user_id: int) -> list[int]:
        """The account's teams, sorted."""

    @abc.abstractmethod
    def set_teams(self, user_id: int, team_ids: Sequence[int]) -> None:
        """Replace the account's teams."""

    @abc.abstractmethod
    def active_admin_ids(self) -> list[int]:
        """Ids of the active admins, locked for update where the database can (PostgreSQL), so
        two admins demoting each other at once cannot both succeed."""

    @abc.abstractmethod
    def end_sessions(self, user_id: int) -> int:
        """Delete every session cookie and API token of the account; the number ended."""

    @abc.abstractmethod
    def names(self, user_ids: set[int]) -> dict[int, str]:
        """Full names of these accounts."""

    @abc.abstractmethod
    def active_members(self, roles: frozenset[str], team_ids: frozenset[int] | None) -> list[tuple[User, int]]:
        """(account, team) for each team membership of an active account with one of `roles`, in
        these teams (None: any), by full name then id."""


class SignInDelays(abc.ABC):
    """The sign-in throttle's rows (failed sign-ins per account and address)."""

    @abc.abstractmethod
    def clear(self, username: str) -> int:
        """Forget the account's failures at every address; the addresses cleared."""

    @abc.abstractmethod
    def waiting_per_account(self, at: datetime) -> dict[str, int]:
        """Addresses still made to wait at `at`, per throttle account key."""


class AuditLog(abc.ABC):
    """The audit trail: append and read, never edit."""

    @abc.abstractmethod
    def add(self, **fields: Any) -> None:
        """Append one event (`AuditEvent` columns; `at` is now)."""

    @abc.abstractmethod
    def page(self, where: AuditFilter, limit: int, offset: int) -> tuple[list[AuditEvent], int]:
        """(events matching, newest first; total)."""

    @abc.abstractmethod
    def actions(self) -> list[str]:
        """The distinct actions the trail holds, sorted."""


class ServiceUserIndex(abc.ABC):
    @abc.abstractmethod
    def record_ids(self, nhs_number_or_record_id: str) -> list[str]:
        """Service-user record ids whose NHS number or record id (any version) is the text given."""


class OutcomeRepository(abc.ABC):
    """Outcome administrations (versioned rows: an amendment adds a version, none is rewritten)."""

    @abc.abstractmethod
    def add(self, user_id: int, **fields: Any) -> OutcomeAdministration:
        """Start a new administration at version 1."""

    @abc.abstractmethod
    def amend(
        self, old: OutcomeAdministration, user_id: int, reason: str, changes: dict[str, Any]
    ) -> OutcomeAdministration:
        """Add the next version with `changes`; the old one keeps every value it had."""

    @abc.abstractmethod
    def page_for_person(
        self, service_user_id: str, measure_id: str | None, limit: int, offset: int
    ) -> tuple[list[OutcomeAdministration], int]:
        """(current administrations, newest first, optionally of one measure; total)."""

    @abc.abstractmethod
    def all_for_person(self, service_user_id: str) -> list[OutcomeAdministration]:
        """Every current administration, oldest first."""

    @abc.abstractmethod
    def latest_in_episode(self, episode_id: str, measure_id: str) -> OutcomeAdministration | None:
        """The newest current administration of a measure in an episode of care."""


class ClinicalReader(abc.ABC):
    """The current versions of the other clinical records a converted use case reads."""

    @abc.abstractmethod
    def assessment(self, record_id: str) -> Assessment | None: ...

    @abc.abstractmethod
    def episode(self, record_id: str) -> Episode | None: ...

    @abc.abstractmethod
    def episodes_of(self, service_user_id: str) -> list[Episode]:
        """Current episodes of care, newest referral first."""

    @abc.abstractmethod
    def assessments_of(self, service_user_id: str) -> list[Assessment]:
        """Current assessments, oldest first."""


# --- on SQLAlchemy -------------------------------------------------------------------------


class SqlAlchemyTeams(TeamRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, team_id: int) -> Team | None:
        return self.session.get(Team, team_id)

    def by_code(self, code: str) -> Team | None:
        return self.session.scalar(select(Team).where(Team.code == code))

    def add(self, team: Team) -> Team:
        self.session.add(team)
        self.session.flush()
        return team

    def page(self, limit: int, offset: int) -> tuple[list[Team], int]:
        total = self.session.scalar(select(func.count()).select_from(Team)) or 0
        rows = self.session.scalars(select(Team).order_by(Team.id).limit(limit).offset(offset))
        return list(rows), total

    def by_code_among(self, team_ids: frozenset[int] | None) -> list[Team]:
        query = select(Team).order_by(Team.code)
        if team_ids is not None:
            query = query.where(Team.id.in_(team_ids or {-1}))
        return list(self.session.scalars(query))


class SqlAlchemyUsers(UserRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int, *, lock: bool = False) -> User | None:
        return self.session.get(User, user_id, with_for_update=lock or None)

    def by_username(self, username: str, *, lock: bool = False) -> User | None:
        query = select(User).where(User.username == username)
        return self.session.scalar(query.with_for_update() if lock else query)

    def add(self, user: User) -> User:
        self.session.add(user)
        self.session.flush()
        return user

    def page(self, limit: int, offset: int, role: str | None, team_id: int | None) -> tuple[list[User], int]:
        query = select(User)
        if role:
            query = query.where(User.role == role)
        if team_id is not None:
            query = query.join(UserTeam, UserTeam.user_id == User.id).where(UserTeam.team_id == team_id)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        return list(self.session.scalars(query.order_by(User.id).limit(limit).offset(offset))), total

    def team_ids(self, user_id: int) -> list[int]:
        return sorted(self.session.scalars(select(UserTeam.team_id).where(UserTeam.user_id == user_id)))

    def set_teams(self, user_id: int, team_ids: Sequence[int]) -> None:
        self.session.execute(delete(UserTeam).where(UserTeam.user_id == user_id))
        for team_id in sorted(set(team_ids)):
            self.session.add(UserTeam(user_id=user_id, team_id=team_id))
        self.session.flush()

    def active_admin_ids(self) -> list[int]:
        query = select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True)).with_for_update()
        return list(self.session.scalars(query))

    def end_sessions(self, user_id: int) -> int:
        ended = self.session.execute(delete(AuthToken).where(AuthToken.user_id == user_id))
        return cast("CursorResult[Any]", ended).rowcount or 0  # a DELETE's result is a cursor result

    def names(self, user_ids: set[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        rows = self.session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids)))
        return {uid: name for uid, name in rows}

    def active_members(self, roles: frozenset[str], team_ids: frozenset[int] | None) -> list[tuple[User, int]]:
        query = (
            select(User, UserTeam.team_id)
            .join(UserTeam, UserTeam.user_id == User.id)
            .where(User.role.in_(tuple(roles)), User.active.is_(True))
        )
        if team_ids is not None:
            query = query.where(UserTeam.team_id.in_(team_ids or {-1}))
        return [(user, team) for user, team in self.session.execute(query.order_by(User.full_name, User.id))]


class SqlAlchemySignInDelays(SignInDelays):
    def __init__(self, session: Session) -> None:
        self.session = session

    def clear(self, username: str) -> int:
        return throttle.clear(self.session, username)

    def waiting_per_account(self, at: datetime) -> dict[str, int]:
        rows = self.session.execute(
            select(LoginThrottle.account, func.count())
            .where(LoginThrottle.blocked_until > at)
            .group_by(LoginThrottle.account)
        ).all()
        return {account: count for account, count in rows}


class SqlAlchemyAuditLog(AuditLog):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **fields: Any) -> None:
        self.session.add(AuditEvent(at=now(), **fields))

    @staticmethod
    def _query(where: AuditFilter) -> Any:
        query = select(AuditEvent)
        for column, value in (
            (AuditEvent.user_id, where.user_id),
            (AuditEvent.username, where.username),
            (AuditEvent.action, where.action),
            (AuditEvent.entity, where.entity),
            (AuditEvent.record_id, where.record_id),
            (AuditEvent.service_user_id, where.service_user_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if where.since is not None:
            query = query.where(AuditEvent.at >= where.since)
        if where.until is not None:
            query = query.where(AuditEvent.at < where.until)
        if where.entities is not None:
            query = query.where(AuditEvent.entity.in_(where.entities))
        if where.without_actions:
            query = query.where(AuditEvent.action.not_in(where.without_actions))
        return query

    def page(self, where: AuditFilter, limit: int, offset: int) -> tuple[list[AuditEvent], int]:
        query = self._query(where)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset))
        return list(rows), total

    def actions(self) -> list[str]:
        return list(self.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


class SqlAlchemyServiceUserIndex(ServiceUserIndex):
    def __init__(self, session: Session) -> None:
        self.session = session

    def record_ids(self, nhs_number_or_record_id: str) -> list[str]:
        text = nhs_number_or_record_id
        rows = self.session.scalars(
            select(ServiceUser.record_id)
            .where((ServiceUser.nhs_number == text) | (ServiceUser.record_id == text))
            .distinct()
        )
        return list(rows)


class SqlAlchemyOutcomes(OutcomeRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user_id: int, **fields: Any) -> OutcomeAdministration:
        row = versions.add_record(self.session, OutcomeAdministration, user_id, **fields)
        self.session.flush()
        return row

    def amend(
        self, old: OutcomeAdministration, user_id: int, reason: str, changes: dict[str, Any]
    ) -> OutcomeAdministration:
        return versions.amend(self.session, old, user_id, reason, changes)

    @staticmethod
    def _current(service_user_id: str) -> Any:
        return select(OutcomeAdministration).where(
            OutcomeAdministration.service_user_id == service_user_id, OutcomeAdministration.superseded_at.is_(None)
        )

    def page_for_person(
        self, service_user_id: str, measure_id: str | None, limit: int, offset: int
    ) -> tuple[list[OutcomeAdministration], int]:
        query = self._current(service_user_id)
        if measure_id:
            query = query.where(OutcomeAdministration.measure_id == measure_id)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        newest = (OutcomeAdministration.administered_on.desc(), OutcomeAdministration.row_id.desc())
        return list(self.session.scalars(query.order_by(*newest).limit(limit).offset(offset))), total

    def all_for_person(self, service_user_id: str) -> list[OutcomeAdministration]:
        query = self._current(service_user_id)
        return list(
            self.session.scalars(query.order_by(OutcomeAdministration.administered_on, OutcomeAdministration.row_id))
        )

    def latest_in_episode(self, episode_id: str, measure_id: str) -> OutcomeAdministration | None:
        return self.session.scalars(
            select(OutcomeAdministration)
            .where(
                OutcomeAdministration.episode_id == episode_id,
                OutcomeAdministration.measure_id == measure_id,
                OutcomeAdministration.superseded_at.is_(None),
            )
            .order_by(OutcomeAdministration.administered_on.desc(), OutcomeAdministration.row_id.desc())
        ).first()


class SqlAlchemyClinicalReader(ClinicalReader):
    def __init__(self, session: Session) -> None:
        self.session = session

    def assessment(self, record_id: str) -> Assessment | None:
        return versions.current(self.session, Assessment, record_id)

    def episode(self, record_id: str) -> Episode | None:
        return versions.current(self.session, Episode, record_id)

    def episodes_of(self, service_user_id: str) -> list[Episode]:
        return list(
            self.session.scalars(
                select(Episode)
                .where(Episode.service_user_id == service_user_id, Episode.superseded_at.is_(None))
                .order_by(Episode.referral_date.desc(), Episode.row_id.desc())
            )
        )

    def assessments_of(self, service_user_id: str) -> list[Assessment]:
        return list(
            self.session.scalars(
                select(Assessment)
                .where(Assessment.service_user_id == service_user_id, Assessment.superseded_at.is_(None))
                .order_by(Assessment.assessed_on, Assessment.row_id)
            )
        )


# --- in memory -------------------------------------------------------------------------------


class FakeTeams(TeamRepository):
    def __init__(self) -> None:
        self.rows: dict[int, Team] = {}
        self._last_id = 0  # plain data, so the fake unit of work can copy and restore it

    def get(self, team_id: int) -> Team | None:
        return self.rows.get(team_id)

    def by_code(self, code: str) -> Team | None:
        return next((t for t in self.rows.values() if t.code == code), None)

    def add(self, team: Team) -> Team:
        self._last_id += 1
        team.id = self._last_id
        self.rows[team.id] = team
        return team

    def page(self, limit: int, offset: int) -> tuple[list[Team], int]:
        ordered = sorted(self.rows.values(), key=lambda t: t.id)
        return ordered[offset : offset + limit], len(ordered)

    def by_code_among(self, team_ids: frozenset[int] | None) -> list[Team]:
        rows = [t for t in self.rows.values() if team_ids is None or t.id in team_ids]
        return sorted(rows, key=lambda t: t.code)


class FakeUsers(UserRepository):
    def __init__(self) -> None:
        self.rows: dict[int, User] = {}
        self.teams: dict[int, set[int]] = {}
        self.sessions: dict[int, int] = {}
        """Open sessions per account (a count is all the fake needs)."""
        self._last_id = 0

    def get(self, user_id: int, *, lock: bool = False) -> User | None:
        return self.rows.get(user_id)

    def by_username(self, username: str, *, lock: bool = False) -> User | None:
        return next((u for u in self.rows.values() if u.username == username), None)

    def add(self, user: User) -> User:
        self._last_id += 1
        user.id = self._last_id
        self.rows[user.id] = user
        return user

    def page(self, limit: int, offset: int, role: str | None, team_id: int | None) -> tuple[list[User], int]:
        rows = [
            u
            for u in sorted(self.rows.values(), key=lambda u: u.id)
            if (not role or u.role == role) and (team_id is None or team_id in self.teams.get(u.id, set()))
        ]
        return rows[offset : offset + limit], len(rows)

    def team_ids(self, user_id: int) -> list[int]:
        return sorted(self.teams.get(user_id, set()))

    def set_teams(self, user_id: int, team_ids: Sequence[int]) -> None:
        self.teams[user_id] = set(team_ids)

    def active_admin_ids(self) -> list[int]:
        return sorted(u.id for u in self.rows.values() if u.role == Role.ADMIN and u.active)

    def end_sessions(self, user_id: int) -> int:
        return self.sessions.pop(user_id, 0)

    def names(self, user_ids: set[int]) -> dict[int, str]:
        return {uid: u.full_name for uid, u in self.rows.items() if uid in user_ids}

    def active_members(self, roles: frozenset[str], team_ids: frozenset[int] | None) -> list[tuple[User, int]]:
        found = [
            (u, team)
            for u in sorted(self.rows.values(), key=lambda u: (u.full_name, u.id))
            if u.role in roles and u.active
            for team in sorted(self.teams.get(u.id, set()))
            if team_ids is None or team in team_ids
        ]
        return found


class FakeSignInDelays(SignInDelays):
    def __init__(self) -> None:
        self.blocked: dict[tuple[str, str], datetime] = {}
        """(throttle account key, address) -> blocked until."""

    def clear(self, username: str) -> int:
        key = throttle.account_key(username)
        gone = [k for k in self.blocked if k[0] == key]
        for k in gone:
            del self.blocked[k]
        return len(gone)

    def waiting_per_account(self, at: datetime) -> dict[str, int]:
        counts: dict[str, int] = {}
        for (account, _), until in self.blocked.items():
            if until > at:
                counts[account] = counts.get(account, 0) + 1
        return counts


class FakeAuditLog(AuditLog):
    def __init__(self) -> None:
        self.rows: list[AuditEvent] = []

    def add(self, **fields: Any) -> None:
        self.rows.append(AuditEvent(id=len(self.rows) + 1, at=now(), **fields))

    def page(self, where: AuditFilter, limit: int, offset: int) -> tuple[list[AuditEvent], int]:
        rows = [r for r in reversed(self.rows) if where.matches(r)]
        return rows[offset : offset + limit], len(rows)

    def actions(self) -> list[str]:
        return sorted({r.action for r in self.rows})


class FakeServiceUserIndex(ServiceUserIndex):
    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []
        """(record id, NHS number) of every stored version."""

    def record_ids(self, nhs_number_or_record_id: str) -> list[str]:
        text = nhs_number_or_record_id
        return sorted({rid for rid, nhs in self.rows if text in (rid, nhs)})


class FakeOutcomes(OutcomeRepository):
    """Administrations kept in `rows`, which the fake unit of work shares with the other clinical
    records (so the records use cases find them too); other kinds of row there are ignored."""

    def __init__(self, rows: list[Any] | None = None) -> None:
        self.rows: list[Any] = [] if rows is None else rows

    def _all(self) -> list[OutcomeAdministration]:
        return [r for r in self.rows if isinstance(r, OutcomeAdministration)]

    def _row_id(self) -> int:
        return max((r.row_id for r in self.rows), default=0) + 1

    def add(self, user_id: int, **fields: Any) -> OutcomeAdministration:
        row = OutcomeAdministration(
            row_id=self._row_id(),
            record_id=versions.new_id(),
            version=1,
            recorded_at=now(),
            recorded_by=user_id,
            superseded_at=None,
            **fields,
        )
        self.rows.append(row)
        return row

    def amend(
        self, old: OutcomeAdministration, user_id: int, reason: str, changes: dict[str, Any]
    ) -> OutcomeAdministration:
        columns = inspect(OutcomeAdministration).columns
        kept = {c.key: getattr(old, c.key) for c in columns if c.key not in versions.META_COLUMNS}
        old.superseded_at = now()
        row = OutcomeAdministration(
            row_id=self._row_id(),
            record_id=old.record_id,
            version=old.version + 1,
            predecessor_row_id=old.row_id,
            recorded_at=now(),
            recorded_by=user_id,
            amend_reason=reason,
            superseded_at=None,
            **(kept | changes),
        )
        self.rows.append(row)
        return row

    def _current(self, service_user_id: str) -> list[OutcomeAdministration]:
        rows = [r for r in self._all() if r.service_user_id == service_user_id and r.superseded_at is None]
        return sorted(rows, key=lambda r: (r.administered_on, r.row_id))

    def page_for_person(
        self, service_user_id: str, measure_id: str | None, limit: int, offset: int
    ) -> tuple[list[OutcomeAdministration], int]:
        rows = [r for r in reversed(self._current(service_user_id)) if not measure_id or r.measure_id == measure_id]
        return rows[offset : offset + limit], len(rows)

    def all_for_person(self, service_user_id: str) -> list[OutcomeAdministration]:
        return self._current(service_user_id)

    def latest_in_episode(self, episode_id: str, measure_id: str) -> OutcomeAdministration | None:
        rows = [
            r
            for r in self._all()
            if r.episode_id == episode_id and r.measure_id == measure_id and r.superseded_at is None
        ]
        return max(rows, key=lambda r: (r.administered_on, r.row_id), default=None)


class FakeClinicalReader(ClinicalReader):
    """Current versions: those the tests put in `episodes` and `assessments`, and the current ones
    among the shared `rows` the fake records repository writes."""

    def __init__(self, rows: list[Any] | None = None) -> None:
        self.episodes: dict[str, Episode] = {}
        self.assessments: dict[str, Assessment] = {}
        self.rows: list[Any] = [] if rows is None else rows

    def _episodes(self) -> dict[str, Episode]:
        stored = {r.record_id: r for r in self.rows if isinstance(r, Episode) and r.superseded_at is None}
        return stored | self.episodes

    def _assessments(self) -> dict[str, Assessment]:
        stored = {r.record_id: r for r in self.rows if isinstance(r, Assessment) and r.superseded_at is None}
        return stored | self.assessments

    def assessment(self, record_id: str) -> Assessment | None:
        return self._assessments().get(record_id)

    def episode(self, record_id: str) -> Episode | None:
        return self._episodes().get(record_id)

    def episodes_of(self, service_user_id: str) -> list[Episode]:
        rows = [e for e in self._episodes().values() if e.service_user_id == service_user_id]
        return sorted(rows, key=lambda e: (e.referral_date, e.row_id or 0), reverse=True)

    def assessments_of(self, service_user_id: str) -> list[Assessment]:
        rows = [a for a in self._assessments().values() if a.service_user_id == service_user_id]
        return sorted(rows, key=lambda a: (a.assessed_on, a.row_id or 0))
