"""Every storage test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.store.postgres import postgres

_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'carecluster.db'}"
    return postgres().create_database(f"store_{next(_names)}")
