"""Crash safety's short form for CI (scripts/crash.py): SIGKILL the server under write load a few
times on each database and check every acknowledged write survived, nothing is half-written and
the database passes its own integrity check. The long form repeats 10 times per database."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts.crash import Acknowledged, check_database, run_crashes
from scripts.load import database_for
from sqlalchemy import text

from carecluster.store.db import Database

REPETITIONS = {"sqlite": 3, "postgres": 2}


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_sigkill_under_write_load_loses_nothing_acknowledged(kind: str) -> None:
    # at least 12 acknowledged writes before each kill, however loaded the machine (bounded wait)
    results = run_crashes(kind, REPETITIONS[kind], writers=6, min_kill=0.5, max_kill=1.5, seed=3, min_writes=12)
    assert len(results) == REPETITIONS[kind]
    assert all(not r["problems"] for r in results)
    assert sum(int(r["acknowledged_this_run"]) for r in results) > 20, "too few writes to prove anything"  # type: ignore[call-overload]


def test_the_checker_finds_lost_and_half_written_records(tmp_path: Path) -> None:
    """The checks are not vacuous: a missing acknowledged write and a broken version chain are reported."""
    with database_for("sqlite", tmp_path, name="checker") as url:
        db = Database(url)
        try:
            with db.transaction() as session:
                session.execute(text("INSERT INTO teams (code, name, created_at) VALUES ('T', 'T', '2026-01-01')"))
                session.execute(
                    text(
                        "INSERT INTO users (username, full_name, role, password_hash, active, failed_logins, created_at) "
                        "VALUES ('u', 'U', 'clinician', '!', 1, 0, '2026-01-01')"
                    )
                )
                session.execute(
                    text("INSERT INTO records (id, kind, created_at) VALUES ('su1', 'service_user', '2026-01-01')")
                )
                session.execute(
                    text(
                        "INSERT INTO service_users (record_id, version, recorded_at, recorded_by, nhs_number, name, "
                        "date_of_birth, team_id) VALUES ('su1', 2, '2026-01-01', 1, '9990000018', 'X', '1980-01-01', 1)"
                    )
                )
        finally:
            db.dispose()
        ack = Acknowledged(assessments={"never-stored": "nor-this"}, versions={"su1": 3})
        problems = "\n".join(check_database(url, ack))
    assert "acknowledged assessment never-stored is missing" in problems
    assert "acknowledged version 3" in problems
    assert "version chains broken" in problems
