"""Crash safety: SIGKILL the server under write load, restart it, and prove nothing acknowledged was lost.

Each repetition starts `carecluster serve` (its own process group) on the same database, runs
concurrent writers that create MHCT assessments (each with its allocation, and a chosen cluster
that opens an assignment period) and amend service users (a new version that supersedes the old
one), and SIGKILLs the whole server at a random moment. The server is then restarted and:

- every write the client saw acknowledged (2xx) is in the database, at the version answered;
- nothing is half-written: every assessment has its allocation; every record has exactly one
  current version, versions run 1..n without gaps, each amendment points at its predecessor,
  which is superseded; every clinical row's record id is registered;
- the database passes its own check: SQLite `PRAGMA integrity_check` and `foreign_key_check`;
  PostgreSQL `amcheck` (`bt_index_check` on every B-tree index of the schema);
- the restarted server answers and accepts a new write.

Run:  .venv/bin/python scripts/crash.py --database sqlite --repetitions 10
      .venv/bin/python scripts/crash.py --database postgres --repetitions 10
Loopback only; every loop is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.load import PASSWORD, ServerProcess, database_for, random_ratings, seed_clinicians  # noqa: E402

from carecluster.service.nhs import synthetic_nhs_numbers  # noqa: E402
from carecluster.store.db import Database, is_sqlite, sqlite_path  # noqa: E402

VERSIONED_TABLES = ("service_users", "episodes", "assessments", "allocations", "assignment_periods", "reviews")


@dataclass
class Acknowledged:
    """What the server said it stored: assessment and allocation ids, and (record id, version) of amendments."""

    assessments: dict[str, str] = field(default_factory=dict)  # assessment id -> allocation id
    versions: dict[str, int] = field(default_factory=dict)  # service user id -> highest acknowledged version
    writes: int = 0
    failed: int = 0  # requests cut off by the kill (expected) or refused


async def _writer(
    client: httpx.AsyncClient, sus: list[str], ack: Acknowledged, rng: random.Random, stop: asyncio.Event
) -> None:
    """Alternate assessments and amendments until the server dies or `stop` is set (bounded count too)."""
    for _ in range(100_000):
        if stop.is_set():
            return
        su = rng.choice(sus)
        try:
            if rng.random() < 0.6:
                body = {
                    "ratings": random_ratings(rng),
                    "assessed_on": str(date.today()),
                    "chosen_cluster": rng.choice([1, 3, 4, 11]),
                    "reason": "crash test: a chosen cluster with its reason",
                }
                response = await client.post(f"/api/v1/service-users/{su}/assessments", json=body)
                if response.status_code == 201:
                    data = response.json()
                    ack.assessments[data["assessment"]["id"]] = data["allocation"]["id"]
                    ack.writes += 1
                    continue
            else:
                body = {"name": f"Crash Person {rng.randrange(1_000_000)}", "amend_reason": "crash test amendment"}
                response = await client.post(f"/api/v1/service-users/{su}/amendments", json=body)
                if response.status_code == 201:
                    data = response.json()
                    ack.versions[su] = max(ack.versions.get(su, 0), data["version"])
                    ack.writes += 1
                    continue
            ack.failed += 1
            if response.status_code >= 500 or response.status_code in (400, 401, 403, 404, 422):
                raise RuntimeError(f"unexpected answer while the server was up: {response.status_code} {response.text}")
        except httpx.TransportError:
            ack.failed += 1
            return  # the server is gone: this writer's work for the repetition is over


MAX_WAIT_FOR_WRITES = 20.0
"""Seconds a repetition may wait past its kill time for its `min_writes` (a slow, shared machine)."""


async def write_until_killed(
    server: ServerProcess,
    token: str,
    sus: list[str],
    ack: Acknowledged,
    writers: int,
    kill_after: float,
    seed: int,
    min_writes: int = 0,
) -> None:
    """Write, then SIGKILL the server after `kill_after` seconds and at least `min_writes`
    acknowledged writes (waiting at most `MAX_WAIT_FOR_WRITES` longer): on a loaded machine a
    fixed time alone may kill before enough writes exist to prove anything."""
    stop = asyncio.Event()
    first = ack.writes
    # `If-Match: *`: writers amend whatever version is current (crash safety, not concurrency, is tested here).
    headers = {"Authorization": f"Bearer {token}", "If-Match": "*"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=30) as client:
        tasks = [asyncio.create_task(_writer(client, sus, ack, random.Random(seed + i), stop)) for i in range(writers)]
        await asyncio.sleep(kill_after)
        deadline = time.monotonic() + MAX_WAIT_FOR_WRITES
        while ack.writes - first < min_writes and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(server.kill)  # SIGKILL mid-flight: some requests are cut off
        stop.set()
        done, pending = await asyncio.wait(tasks, timeout=60)
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        if pending:
            raise RuntimeError("writers did not stop after the kill")


def check_database(url: str, ack: Acknowledged) -> list[str]:
    """Everything that is wrong with the database after a crash (an empty list when all is well)."""
    from sqlalchemy import text

    problems: list[str] = []
    if is_sqlite(url):
        import sqlite3

        path = sqlite_path(url)
        assert path is not None
        with sqlite3.connect(str(path)) as conn:  # opening it recovers the WAL, as the server will
            verdict = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                problems.append(f"integrity_check: {verdict[:5]}")
            fk = conn.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                problems.append(f"foreign_key_check: {fk[:5]}")
        conn.close()
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            if not is_sqlite(url):
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
                indexes = conn.execute(
                    text(
                        "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                        "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE a.amname = 'btree' AND n.nspname = 'public'"
                    )
                ).scalars()
                for index in list(indexes):
                    conn.execute(text("SELECT bt_index_check(CAST(:i AS regclass), true)"), {"i": index})
                conn.commit()
            assessments = dict(
                conn.execute(
                    text(
                        "SELECT a.record_id, l.record_id FROM assessments a LEFT JOIN allocations l ON l.assessment_id = a.record_id"
                    )
                ).all()
            )
            for assessment, allocation in ack.assessments.items():
                if assessment not in assessments:
                    problems.append(f"acknowledged assessment {assessment} is missing")
                elif assessments[assessment] != allocation:
                    problems.append(f"assessment {assessment}: allocation {assessments[assessment]} != {allocation}")
            half = [a for a, alloc in assessments.items() if alloc is None]
            if half:
                problems.append(f"assessments without an allocation (half-written): {half[:5]}")
            versions = dict(
                conn.execute(text("SELECT record_id, MAX(version) FROM service_users GROUP BY record_id")).all()
            )
            for su, version in ack.versions.items():
                if versions.get(su, 0) < version:
                    problems.append(f"service user {su}: acknowledged version {version}, stored {versions.get(su)}")
            for table in VERSIONED_TABLES:
                bad = conn.execute(
                    text(
                        f"SELECT record_id, COUNT(*), MIN(version), MAX(version), "
                        f"SUM(CASE WHEN superseded_at IS NULL THEN 1 ELSE 0 END) FROM {table} GROUP BY record_id "
                        f"HAVING MIN(version) <> 1 OR MAX(version) <> COUNT(*) "
                        f"OR SUM(CASE WHEN superseded_at IS NULL THEN 1 ELSE 0 END) <> 1"
                    )
                ).all()
                if bad:
                    problems.append(f"{table}: version chains broken: {bad[:5]}")
                broken = conn.execute(
                    text(
                        f"SELECT n.record_id, n.version FROM {table} n LEFT JOIN {table} p ON p.row_id = n.predecessor_row_id "
                        f"WHERE n.version > 1 AND (p.row_id IS NULL OR p.record_id <> n.record_id "
                        f"OR p.version <> n.version - 1 OR p.superseded_at IS NULL)"
                    )
                ).all()
                if broken:
                    problems.append(f"{table}: amendments not linked to a superseded predecessor: {broken[:5]}")
                orphans = conn.execute(
                    text(
                        f"SELECT t.record_id FROM {table} t LEFT JOIN records r ON r.id = t.record_id WHERE r.id IS NULL"
                    )
                ).all()
                if orphans:
                    problems.append(f"{table}: rows with unregistered record ids: {orphans[:5]}")
    finally:
        db.dispose()
    return problems


def _setup(server: ServerProcess, username: str, team_id: int, count: int, seed: int) -> tuple[str, list[str]]:
    numbers = iter(synthetic_nhs_numbers(random.Random(seed), count))
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        token = client.post("/api/v1/token", data={"username": username, "password": PASSWORD})
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        sus = []
        for _ in range(count):
            body = {
                "nhs_number": next(numbers),
                "name": "Crash Person",
                "date_of_birth": "1970-01-01",
                "team_id": team_id,
            }
            created = client.post("/api/v1/service-users", json=body, headers=headers)
            created.raise_for_status()
            sus.append(created.json()["id"])
        return token.json()["access_token"], sus


def run_crashes(
    kind: str,
    repetitions: int,
    *,
    writers: int = 8,
    min_kill: float = 0.5,
    max_kill: float = 3.0,
    seed: int = 11,
    min_writes: int = 0,
) -> list[dict[str, object]]:
    """`repetitions` kill-and-restart cycles on one database; raises AssertionError on any fault found."""
    rng = random.Random(seed)
    directory = Path(tempfile.mkdtemp(prefix="carecluster-crash-"))
    results: list[dict[str, object]] = []
    try:
        with database_for(kind, directory, name="crash") as url:
            ((username, _uid, team_id),) = seed_clinicians(url, 1, prefix="crash")
            server = ServerProcess(url, directory / "server.log").start()
            try:
                token, sus = _setup(server, username, team_id, 20, seed)
            finally:
                server.kill()
            ack = Acknowledged()
            for rep in range(repetitions):
                server = ServerProcess(url, directory / "server.log").start()
                kill_after = rng.uniform(min_kill, max_kill)
                before = ack.writes
                began = time.monotonic()
                try:
                    asyncio.run(
                        write_until_killed(server, token, sus, ack, writers, kill_after, seed * 1000 + rep, min_writes)
                    )
                finally:
                    server.kill()
                problems = check_database(url, ack)
                restarted = ServerProcess(url, directory / "server.log").start()  # recovery: it must come back
                try:
                    with httpx.Client(base_url=restarted.base_url, timeout=30) as client:
                        after = client.post(
                            f"/api/v1/service-users/{sus[0]}/amendments",
                            json={"name": "After Restart", "amend_reason": "write after the crash"},
                            headers={"Authorization": f"Bearer {token}", "If-Match": "*"},
                        )
                    if after.status_code != 201:
                        problems.append(f"write after restart failed: {after.status_code} {after.text[:200]}")
                    else:
                        ack.versions[sus[0]] = max(ack.versions.get(sus[0], 0), after.json()["version"])
                finally:
                    restarted.stop()
                result = {
                    "repetition": rep + 1,
                    "killed_after_s": round(kill_after, 2),
                    "acknowledged_this_run": ack.writes - before,
                    "acknowledged_total": ack.writes,
                    "cut_off": ack.failed,
                    "seconds": round(time.monotonic() - began, 1),
                    "problems": problems,
                }
                results.append(result)
                print(
                    f"[{kind}] repetition {rep + 1}/{repetitions}: SIGKILL after {kill_after:.2f} s, "
                    f"{result['acknowledged_this_run']} writes acknowledged (total {ack.writes}), "
                    f"{'OK' if not problems else 'PROBLEMS: ' + '; '.join(problems)}",
                    flush=True,
                )
                assert not problems, problems
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--writers", type=int, default=8)
    args = parser.parse_args(argv)
    try:
        results = run_crashes(args.database, args.repetitions, writers=args.writers)
    except AssertionError as error:
        print(f"FAILED: {error}")
        return 1
    total = sum(int(r["acknowledged_this_run"]) for r in results)  # type: ignore[call-overload]
    print(f"{args.database}: {len(results)} crashes, {total} acknowledged writes, all present; integrity ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
