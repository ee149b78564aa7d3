"""The unit of work: one transaction and the repositories that read and write within it.

After cosmicpython's `service_layer/unit_of_work.py`, with one difference that keeps this
project's rule: a unit of work used as a context manager commits when its block succeeds and
rolls back when it raises, as `Database.transaction` always has, so no use case can forget to
commit and none commits half-way. Use cases take it (through `Context.uow`) and never see a
session; the entry points (API runtime, web pages, CLI) open it.

Three implementations:
* `SqlAlchemyUnitOfWork(database)` opens its own `Database.transaction()` (which also refreshes
  the report read model before committing);
* `SqlAlchemyUnitOfWork.joining(session)` works inside a transaction an entry point already
  opened (the commit stays with it);
* `FakeUnitOfWork` keeps everything in memory, for the fast use-case tests in tests/service; a
  block that raises leaves its repositories exactly as they were when it began, as the
  database's rollback does.
"""

from __future__ import annotations

import abc
import copy
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Self

from sqlalchemy.orm import Session

from carecluster.adapters.caseload import CaseloadQueries, FakeCaseloadQueries, SqlAlchemyCaseloadQueries
from carecluster.adapters.records import FakeRecords, RecordRepository, SqlAlchemyRecords
from carecluster.adapters.repository import (
    AuditLog,
    ClinicalReader,
    FakeAuditLog,
    FakeClinicalReader,
    FakeOutcomes,
    FakeServiceUserIndex,
    FakeSignInDelays,
    FakeTeams,
    FakeUsers,
    OutcomeRepository,
    ServiceUserIndex,
    SignInDelays,
    SqlAlchemyAuditLog,
    SqlAlchemyClinicalReader,
    SqlAlchemyOutcomes,
    SqlAlchemyServiceUserIndex,
    SqlAlchemySignInDelays,
    SqlAlchemyTeams,
    SqlAlchemyUsers,
    TeamRepository,
    UserRepository,
)
from carecluster.store.db import Database


class AbstractUnitOfWork(abc.ABC):
    teams: TeamRepository
    users: UserRepository
    audit: AuditLog
    service_users: ServiceUserIndex
    outcomes: OutcomeRepository
    clinical: ClinicalReader
    sign_in_delays: SignInDelays
    caseloads: CaseloadQueries
    records: RecordRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    def __init__(self, database: Database | None = None, *, write: bool = True) -> None:
        self.database = database
        self.write = write
        self._transaction: AbstractContextManager[Session] | None = None
        self.session: Session

    @classmethod
    def joining(cls, session: Session) -> SqlAlchemyUnitOfWork:
        """A unit of work inside a transaction that is already open; its owner commits."""
        uow = cls()
        uow._bind(session)
        return uow

    def _bind(self, session: Session) -> None:
        self.session = session
        self.teams = SqlAlchemyTeams(session)
        self.users = SqlAlchemyUsers(session)
        self.audit = SqlAlchemyAuditLog(session)
        self.service_users = SqlAlchemyServiceUserIndex(session)
        self.outcomes = SqlAlchemyOutcomes(session)
        self.clinical = SqlAlchemyClinicalReader(session)
        self.sign_in_delays = SqlAlchemySignInDelays(session)
        self.caseloads = SqlAlchemyCaseloadQueries(session)
        self.records = SqlAlchemyRecords(session)

    def __enter__(self) -> Self:
        if self.database is not None:
            self._transaction = self.database.transaction(write=self.write)
            self._bind(self._transaction.__enter__())
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:  # Database.transaction commits or rolls back (and refreshes the read model)
            transaction.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        """Within the transaction: write what is pending so later reads and ids see it."""
        self.session.flush()

    def rollback(self) -> None:
        self.session.rollback()


class FakeUnitOfWork(AbstractUnitOfWork):
    """Everything in memory; `committed` says whether a block finished without an error.

    Entering a block copies every fake repository's state (one deep copy, so the clinical fakes'
    shared list of versions stays shared); a rollback puts that copy back, in place, so writes
    made before a use case failed half-way are gone, as on the database. Rows read before the
    rollback are the old objects: read them again, as after a session's rollback."""

    REPOSITORIES = (
        "teams",
        "users",
        "audit",
        "service_users",
        "sign_in_delays",
        "records",
        "outcomes",
        "clinical",
        "caseloads",
    )

    def __init__(self) -> None:
        self.teams = FakeTeams()
        self.users = FakeUsers()
        self.audit = FakeAuditLog()
        self.service_users = FakeServiceUserIndex()
        self.sign_in_delays = FakeSignInDelays()
        records = FakeRecords()  # one list of clinical versions, which every clinical fake reads
        self.records = records
        self.outcomes = FakeOutcomes(records.rows)
        self.clinical = FakeClinicalReader(records.rows)
        self.caseloads = FakeCaseloadQueries(records.rows)
        self.committed = False
        self.rolled_back = False
        self._snapshots: list[dict[str, dict[str, Any]]] = []
        """The repositories' state at the start of each open block, innermost last."""

    def _state(self) -> dict[str, dict[str, Any]]:
        return {name: vars(getattr(self, name)) for name in self.REPOSITORIES}

    def __enter__(self) -> Self:
        self._snapshots.append(copy.deepcopy(self._state()))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            super().__exit__(exc_type, exc, tb)
        finally:
            self._snapshots.pop()

    def commit(self) -> None:
        self.committed = True

    def rollback(self) -> None:
        """Back to the state the innermost open block began with (nothing to undo outside one)."""
        self.rolled_back = True
        if self._snapshots:
            saved = copy.deepcopy(self._snapshots[-1])  # a copy: the block may roll back again
            for name, fields in saved.items():
                state = vars(getattr(self, name))
                state.clear()
                state.update(fields)
