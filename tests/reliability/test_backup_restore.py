"""`carecluster backup` and `carecluster restore` round trips on both databases, compared table by
table and row by row, and the refusals that keep a restore from losing newer records."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from carecluster.api import resolve_reference
from carecluster.cli.main import app
from carecluster.service.demo import create_demo_data
from carecluster.store.backup import table_digests
from carecluster.store.db import Database
from carecluster.store.migrate import upgrade
from tests.store.postgres import postgres

runner = CliRunner()
_names = itertools.count()


def _url(kind: str, directory: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{directory / (name + '.db')}"
    return postgres().create_database(f"backup_{name}_{next(_names)}")


def _demo(url: str) -> None:
    upgrade(url)
    db = Database(url)
    try:
        create_demo_data(db, resolve_reference(None), 12, password="a demo password", seed=5)
    finally:
        db.dispose()


def _cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_backup_and_restore_round_trip_every_table(kind: str, tmp_path: Path) -> None:
    source = _url(kind, tmp_path, "source")
    _demo(source)
    backup_file = tmp_path / ("backup.db" if kind == "sqlite" else "backup.dump")
    out = _cli("backup", str(backup_file), "--database-url", source)
    assert "backup written" in out
    target = _url(kind, tmp_path, "target")
    out = _cli("restore", str(backup_file), "--database-url", target)
    assert "restored" in out
    before, after = table_digests(source), table_digests(target)
    assert set(before) >= {"records", "service_users", "assessments", "allocations", "reviews", "audit_log", "users"}
    assert before["records"].rows > 30
    assert before["audit_log"].rows > 30
    assert after == before, {t: (before[t], after.get(t)) for t in before if before[t] != after.get(t)}
    # The restored database keeps its guards: audit rows still cannot be changed.
    db = Database(target)
    try:
        with pytest.raises(Exception, match=r"append-only|forbidden"), db.transaction() as session:
            session.execute(text("DELETE FROM audit_log"))
    finally:
        db.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_restore_never_silently_replaces_records(kind: str, tmp_path: Path) -> None:
    source = _url(kind, tmp_path, "a")
    _demo(source)
    backup_file = tmp_path / "b.bak"
    _cli("backup", str(backup_file), "--database-url", source)
    refused = runner.invoke(app, ["restore", str(backup_file), "--database-url", source])
    assert refused.exit_code == 1
    assert "already holds clinical records" in refused.output
    # A backup never overwrites a file either.
    again = runner.invoke(app, ["backup", str(backup_file), "--database-url", source])
    assert again.exit_code == 1
    assert "already exists" in again.output
    forced = runner.invoke(app, ["restore", str(backup_file), "--database-url", source, "--force", "--yes"])
    assert forced.exit_code == 0, forced.output


def test_digests_see_a_single_changed_row(tmp_path: Path) -> None:
    """The comparison is not vacuous: one extra row changes the table's digest."""
    url = _url("sqlite", tmp_path, "d")
    _demo(url)
    before = table_digests(url)
    db = Database(url)
    try:
        with db.transaction() as session:
            session.execute(text("INSERT INTO teams (code, name, created_at) VALUES ('NEW', 'New', '2026-01-01')"))
    finally:
        db.dispose()
    after = table_digests(url)
    assert after["teams"] != before["teams"]
    assert {k: v for k, v in after.items() if k != "teams"} == {k: v for k, v in before.items() if k != "teams"}


def test_a_damaged_backup_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    source = _url("sqlite", tmp_path, "s")
    _demo(source)
    backup_file = tmp_path / "damaged.db"
    _cli("backup", str(backup_file), "--database-url", source)
    data = bytearray(backup_file.read_bytes())
    data[4096 * 3 : 4096 * 3 + 2048] = b"\xff" * 2048  # scribble over a page in the middle
    backup_file.write_bytes(bytes(data))
    target = _url("sqlite", tmp_path, "t")
    result = runner.invoke(app, ["restore", str(backup_file), "--database-url", target])
    assert result.exit_code == 1, result.output
    assert "failed its integrity check, nothing restored" in result.output
    target_file = tmp_path / "t.db"
    assert not target_file.exists() or target_file.stat().st_size == 0
