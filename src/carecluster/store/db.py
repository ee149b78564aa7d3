"""Where the database is and how to talk to it: URL resolution, engines, SQLite pragmas.

SQLite is the embedded default (a file in the data directory); PostgreSQL is chosen with
`CARECLUSTER_DATABASE_URL`. On SQLite every connection runs in WAL mode with foreign keys on,
and a transaction that will write starts with BEGIN IMMEDIATE: taking the write lock up front
lets SQLite queue concurrent writers on its busy timeout instead of failing one of them with
"database is locked" when it upgrades a read lock half-way through.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from carecluster.clock import now as now  # re-exported: the store's callers stamp rows with it
from carecluster.store.report_facts import ReportFactsRefresh

DATABASE_URL_ENV = "CARECLUSTER_DATABASE_URL"
DATA_DIR_ENV = "CARECLUSTER_DATA_DIR"
DEFAULT_DATA_DIR = Path("data")
SQLITE_FILE = "carecluster.db"


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything is stored in UTC, so say so."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def data_dir() -> Path:
    from carecluster.settings import current_settings

    return current_settings().data_dir


def database_url(url: str | None = None) -> str:
    """An explicit URL, else `$CARECLUSTER_DATABASE_URL`, else SQLite in the data directory."""
    if url:
        return url
    from carecluster.settings import current_settings

    configured = current_settings().database_url
    if configured:
        return configured
    return f"sqlite:///{(data_dir() / SQLITE_FILE).resolve()}"


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (the driver carecluster installs), not psycopg2."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        from carecluster.store.private import ensure_private_file

        ensure_private_file(path)  # clinical records: owner-only from the first byte
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below issues BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("carecluster_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    resolved = normalise_url(database_url(url))
    # A database error's text (and so a logged traceback) must not carry the bound values: they
    # are names, NHS numbers and ratings.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(resolved):
        kwargs.setdefault("pool_size", 64)
        kwargs.setdefault("max_overflow", 16)
        return _sqlite_engine(resolved, **kwargs)
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 40)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(resolved, **kwargs)


class FairLock:
    """A lock handed to waiters in arrival order. threading.Lock makes no such promise, and
    under load some writers would wait many turns while later ones went first."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._busy = False
        self._waiters: deque[threading.Event] = deque()

    def __enter__(self) -> None:
        with self._mutex:
            if not self._busy:
                self._busy = True
                return
            turn = threading.Event()
            self._waiters.append(turn)
        turn.wait()  # the releasing thread hands the lock over: it stays busy

    def __exit__(self, *_exc: object) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._busy = False


@dataclass
class Database:
    """One engine and two session factories: reads (plain BEGIN) and writes (BEGIN IMMEDIATE on SQLite)."""

    url: str
    engine: Engine = field(init=False)
    _read: sessionmaker[Session] = field(init=False, repr=False)
    _write: sessionmaker[Session] = field(init=False, repr=False)
    _write_lock: FairLock = field(init=False, repr=False, default_factory=FairLock)

    def __post_init__(self) -> None:
        self.url = normalise_url(database_url(self.url))
        self.engine = make_engine(self.url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(carecluster_write=True), expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def session(self, *, write: bool = True) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work: commit if the block succeeds, roll back if it raises. Just before the
        commit the read model (the report facts) is refreshed for what the block wrote.

        On SQLite, writers in this process also queue on a lock: SQLite's own busy handler
        sleeps and polls, which under load lets some writers starve for seconds while others
        get through; a lock hands the database over in turn. Other processes still meet the
        busy timeout.
        """
        lock: AbstractContextManager[None] = self._write_lock if write and self.backend == "sqlite" else nullcontext()
        with lock, self.session(write=write) as session, session.begin():
            read_model = ReportFactsRefresh(session)
            try:
                yield session
                read_model.on_commit()  # the read model, in the same transaction as the write
            finally:
                read_model.close()

    def dispose(self) -> None:
        self.engine.dispose()
