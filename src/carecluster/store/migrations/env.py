"""Alembic environment: the URL comes from the Config that `carecluster.store.migrate` builds."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from carecluster.store.db import make_engine
from carecluster.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    """SQLite's documented way to rebuild a table (batch mode) is with foreign keys off, set
    outside the transaction: with them on, dropping the old table counts every row that points at
    it (a later version's predecessor, an allocation) as a violation the rename never uncounts,
    and the commit fails even though every reference holds."""
    raw = connection.connection.dbapi_connection
    if raw is None:  # an open Connection always holds its DB-API connection
        raise RuntimeError("migration: the SQLite connection is closed")
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _refuse_broken_references(connection: Connection) -> None:
    """With the keys off, check them all before the commit, as SQLite's procedure says."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        shown = ", ".join(f"{table} rowid {rowid} -> {parent}" for table, rowid, parent, _ in broken[:20])
        raise RuntimeError(f"migration stopped, nothing changed: {len(broken)} broken reference(s): {shown}")


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                _sqlite_foreign_keys(connection, on=False)
            context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=sqlite)
            try:
                with context.begin_transaction():
                    context.run_migrations()
                    if sqlite:
                        _refuse_broken_references(connection)
            finally:
                if sqlite:
                    _sqlite_foreign_keys(connection, on=True)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
