"""The load test's short form for CI: realistic clinician traffic (scripts/load.py) against a
`carecluster serve` process. Zero errors, every acknowledged assessment stored; the percentiles
are printed (pytest -s shows them). The long form, 50 and 200 users for 60 s on each database,
is `scripts/load.py`."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest
from scripts.load import ServerProcess, database_for, missing_acknowledged, print_report, run_load, seed_clinicians

SHORT = {"sqlite": (20, 10.0), "postgres": (10, 6.0)}  # users, seconds


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_short_load_has_no_errors_and_loses_nothing(kind: str) -> None:
    users, seconds = SHORT[kind]
    directory = Path(tempfile.mkdtemp(prefix="carecluster-load-ci-"))
    server = None
    try:
        with database_for(kind, directory, name="load_ci") as url:
            clinicians = seed_clinicians(url, users)
            server = ServerProcess(url, directory / "server.log").start()
            stats = asyncio.run(run_load(server.base_url, clinicians, seconds, think=0.5, ramp=1.0))
            server.stop()
            missing = missing_acknowledged(url, stats.acknowledged)
        summary = stats.summary()
        print_report(f"CI short form: {users} users x {seconds:g} s on {kind}", summary, len(missing))
        assert summary["errors"] == 0, summary["error_samples"]
        assert not missing
        steps = summary["steps"]
        assert {"sign_in", "register", "caseload", "suggest", "assess", "review"} <= set(steps)
        assert steps["assess"]["count"] >= users, "too little traffic to mean anything"
        assert summary["working"]["p99_ms"] < 10_000
    finally:
        if server is not None:
            server.kill()
        shutil.rmtree(directory, ignore_errors=True)
