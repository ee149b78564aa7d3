"""Report tests run on SQLite and on PostgreSQL, on small populations built row by row."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from carecluster.store import migrate
from carecluster.store.db import Database
from tests.store.postgres import postgres

_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'reports.db'}"
    else:
        url = postgres().create_database(f"reports_{next(_names)}")
    migrate.upgrade(url)
    database = Database(url)
    yield database
    database.dispose()
