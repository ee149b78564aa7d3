"""Alembic, driven from code: the migrations ship inside the package, so an installed
carecluster can create or upgrade its database without an alembic.ini beside it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from carecluster.store.db import make_engine, normalise_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def check_revision(revision: str) -> None:
    """Raise alembic's CommandError naming `revision` unless it is one of ours (or base/head)."""
    if revision in ("base", "head"):
        return
    ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision)


def revisions() -> list[tuple[str, str]]:
    """(revision, first line of its docstring), oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    found = list(script.walk_revisions())
    found.reverse()
    return [(r.revision, (r.doc or "").strip().splitlines()[0] if r.doc else "") for r in found]


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_schema(url: str) -> None:
    """Bring the database to the newest schema (a no-op when it is there already)."""
    engine = make_engine(url)
    try:
        if current_revision(engine) == head_revision():
            return
    finally:
        engine.dispose()
    upgrade(url)
