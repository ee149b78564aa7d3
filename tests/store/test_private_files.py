"""Files holding clinical data are created owner-only (0600) whatever the umask: the SQLite
database and its WAL, backups, and what the command line exports."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from carecluster.cli.main import app
from carecluster.store import migrate
from carecluster.store.backup import backup, restore
from carecluster.store.db import Database
from carecluster.store.private import write_private
from tests.reports.known import build_known


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """The common default, under which the old code left every one of these files world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'data' / 'carecluster.db'}"
    migrate.upgrade(url)
    db = Database(url)
    build_known(db)
    db.dispose()
    return url


def test_the_database_and_its_wal_are_owner_only(url: str, tmp_path: Path) -> None:
    db = Database(url)
    try:
        with db.transaction() as session:  # an open connection keeps the -wal and -shm files
            session.execute(text("SELECT count(*) FROM users"))
        files = sorted((tmp_path / "data").glob("carecluster.db*"))
        assert files
        for path in files:
            assert mode(path) == 0o600, path
    finally:
        db.dispose()


def test_backups_and_restored_databases_are_owner_only(url: str, tmp_path: Path) -> None:
    copy = backup(url, tmp_path / "backups" / "copy.db")
    assert mode(copy) == 0o600
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(target, copy)
    assert mode(tmp_path / "restored.db") == 0o600


def test_cli_exports_are_owner_only(url: str, tmp_path: Path) -> None:
    out = tmp_path / "accuracy.csv"
    out.write_text("old, world-readable\n")
    out.chmod(0o644)
    base = ["report", "accuracy", "--from", "2026-01-01", "--to", "2026-06-30", "--database-url", url]
    result = CliRunner().invoke(app, [*base, "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600
    assert "agreement" in out.read_text()


def test_write_private_creates_and_tightens(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.json"
    write_private(fresh, "{}")
    assert (mode(fresh), fresh.read_text()) == (0o600, "{}")
