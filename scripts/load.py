"""A bounded load test of realistic clinician traffic against a real carecluster server.

Each virtual user is one clinician with their own account: they arrive over `--ramp` seconds,
sign in (OAuth2 password form, argon2 verified as in production) and register two service users
of their own. Once every clinician is signed in, all of them work at once for `--seconds`,
repeating a working cycle with pauses between steps (`--think`, randomised around the mean):

    open my caseload  ->  rate (live suggestion: POST /allocate)  ->  save the MHCT rating with
    its allocation and the chosen cluster  ->  review the service user against the protocol

The server is `carecluster serve` in its own process on a loopback port, on a fresh SQLite file
or a fresh database on a throw-away PostgreSQL server (tests/store/postgres.py). Any non-2xx
answer or transport error is an error. At the end every acknowledged assessment is looked up in
the database: a write the client saw succeed must be there. Prints the median, 95th and 99th
percentile latency per step, for the working cycle (WORK) and overall, the time the sign-in
phase took and the throughput of the working window; exits 1 on any error.

Run:  .venv/bin/python scripts/load.py --users 50 --seconds 60 --database sqlite
      .venv/bin/python scripts/load.py --users 200 --seconds 60 --database postgres --workers 4
Everything stays on 127.0.0.1, and every loop is bounded by the deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from carecluster.service.nhs import synthetic_nhs_numbers  # noqa: E402
from carecluster.service.security import hash_password  # noqa: E402
from carecluster.store.db import Database, now  # noqa: E402
from carecluster.store.migrate import upgrade  # noqa: E402
from carecluster.store.models import Team, User, UserTeam  # noqa: E402

PASSWORD = "load-test-password-1"
CHOICES = [0, 0, 0, 1, 1, 2, 2, 3, 4, 9]  # skewed to low ratings with some 9s, as in practice
CLASSES = [None, "non-psychotic", "psychotic", "organic"]
TEAM_SIZE = 10
WORK_STEPS = ("caseload", "suggest", "assess", "review")
"""The working cycle, timed over the window when every clinician is signed in at once."""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`carecluster serve` as a child process in its own process group, so it can be SIGKILLed whole."""

    def __init__(self, url: str, log: Path, *, workers: int = 1, port: int | None = None) -> None:
        self.url = url
        self.port = port or free_port()
        self.log = log
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> ServerProcess:
        command = [
            sys.executable,
            "-m",
            "carecluster.cli.main",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--database-url",
            self.url,
            "--workers",
            str(self.workers),
        ]
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}: see {self.log}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the server did not answer /healthz within {timeout} s: see {self.log}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (uvicorn's workers too) and reap it."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def children(self) -> set[int]:
        """Worker process ids (with --workers > 1): a changed set means uvicorn replaced a worker,
        which it does, by SIGKILL, when a worker misses its health check."""
        if self.process is None:
            return set()
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return set()
        return {int(p) for p in text.split()}


@contextmanager
def database_for(kind: str, directory: Path, name: str = "load") -> Iterator[str]:
    """A fresh, migrated database: a SQLite file in `directory`, or a new PostgreSQL database."""
    if kind == "sqlite":
        url = f"sqlite:///{directory / (name + '.db')}"
    elif kind in ("postgres", "postgresql"):
        from tests.store.postgres import postgres

        url = postgres().create_database(f"{name}_{os.getpid()}")
    else:
        raise ValueError(f"unknown database {kind!r}: sqlite or postgres")
    upgrade(url)
    yield url


def seed_clinicians(url: str, count: int, prefix: str = "clin") -> list[tuple[str, int, int]]:
    """`count` clinicians in teams of TEAM_SIZE, one password hash shared (argon2 is slow to compute):
    (username, user id, team id) each."""
    db = Database(url)
    password_hash = hash_password(PASSWORD)
    made: list[tuple[str, int, int]] = []
    try:
        with db.transaction() as session:
            teams: dict[int, Team] = {}
            for i in range(count):
                index = i // TEAM_SIZE
                if index not in teams:
                    teams[index] = Team(code=f"{prefix.upper()}-{index}", name=f"Load team {index}", created_at=now())
                    session.add(teams[index])
                    session.flush()
                user = User(
                    username=f"{prefix}.{i}",
                    full_name=f"Load Clinician {i}",
                    role="clinician",
                    password_hash=password_hash,
                    active=True,
                    failed_logins=0,
                    created_at=now(),
                )
                session.add(user)
                session.flush()
                session.add(UserTeam(user_id=user.id, team_id=teams[index].id))
                made.append((user.username, user.id, teams[index].id))
    finally:
        db.dispose()
    return made


@dataclass
class Stats:
    """Latencies (seconds) per step, errors with a sample of each, acknowledged assessment ids."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    setup_seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> dict[str, Any]:
        def pct(values: list[float]) -> dict[str, float]:
            ordered = sorted(values)
            if not ordered:
                return {"count": 0, "median_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}

            def at(q: float) -> float:
                return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

            return {
                "count": len(ordered),
                "median_ms": round(statistics.median(ordered) * 1000, 1),
                "p95_ms": round(at(0.95), 1),
                "p99_ms": round(at(0.99), 1),
                "max_ms": round(ordered[-1] * 1000, 1),
            }

        elapsed = max(self.finished - self.started, 1e-9)
        every = [x for v in self.latencies.values() for x in v]
        working = [x for name in WORK_STEPS for x in self.latencies.get(name, [])]
        return {
            "steps": {name: pct(values) for name, values in sorted(self.latencies.items())},
            "overall": pct(every),
            "working": pct(working),
            "setup_seconds": round(self.setup_seconds, 1),
            "working_requests": len(working),
            "working_throughput_rps": round(len(working) / elapsed, 1),
            "requests": self.requests,
            "errors": self.error_count,
            "errors_by_step": dict(self.errors),
            "error_samples": self.samples[:10],
            "seconds": round(elapsed, 1),
            "throughput_rps": round(self.requests / elapsed, 1),
            "acknowledged_assessments": len(self.acknowledged),
        }


def random_ratings(rng: random.Random) -> list[int]:
    return [rng.choice(CHOICES) for _ in range(18)]


class VirtualClinician:
    """One clinician's session: sign in, register service users, then the working cycle until the deadline."""

    def __init__(self, base_url: str, username: str, user_id: int, team_id: int, stats: Stats, seed: int) -> None:
        self.base_url = base_url
        self.username = username
        self.user_id = user_id
        self.team_id = team_id
        self.stats = stats
        self.rng = random.Random(seed)
        self.numbers = iter(synthetic_nhs_numbers(random.Random(seed * 7919 + 1), 50))
        self.service_users: list[str] = []

    async def call(
        self, client: httpx.AsyncClient, step: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response | None:
        began = time.perf_counter()
        try:
            response = await client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            self.stats.errors[step] += 1
            self.stats.samples.append(f"{step}: {type(error).__name__}: {error}")
            return None
        self.stats.latencies[step].append(time.perf_counter() - began)
        if not response.is_success:
            self.stats.errors[step] += 1
            self.stats.samples.append(f"{step}: {response.status_code} {response.text[:300]}")
            return None
        return response

    async def think(self, mean: float, deadline: float) -> None:
        if mean > 0:
            pause = self.rng.uniform(0.5 * mean, 1.5 * mean)
            await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))

    async def setup(self, client: httpx.AsyncClient, ramp: float) -> bool:
        """Arrive (spread over `ramp` seconds), sign in, register two service users."""
        await asyncio.sleep(self.rng.uniform(0, ramp))
        signed_in = await self.call(
            client, "sign_in", "POST", "/api/v1/token", data={"username": self.username, "password": PASSWORD}
        )
        if signed_in is None:
            return False
        client.headers["Authorization"] = f"Bearer {signed_in.json()['access_token']}"
        for _ in range(2):
            body = {
                "nhs_number": next(self.numbers),
                "name": f"Load Person {self.rng.randrange(10_000)}",
                "date_of_birth": "1975-03-14",
                "team_id": self.team_id,
                "clinician_id": self.user_id,
            }
            created = await self.call(client, "register", "POST", "/api/v1/service-users", json=body)
            if created is not None:
                self.service_users.append(created.json()["id"])
        return bool(self.service_users)

    async def run(
        self, ready: asyncio.Event, go: asyncio.Event, window: list[float], think: float, ramp: float
    ) -> None:
        """Set up, wait until every clinician is signed in, then work until the window closes."""
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=120, limits=limits) as client:
            try:
                working = await self.setup(client, ramp)
            finally:
                ready.set()
            await go.wait()
            deadline = window[1]
            while working and time.monotonic() < deadline:
                await self.cycle(client, deadline, think)

    async def cycle(self, client: httpx.AsyncClient, deadline: float, think: float) -> None:
        await self.call(client, "caseload", "GET", "/api/v1/caseload", params={"clinician_id": self.user_id})
        await self.think(think, deadline)
        su = self.rng.choice(self.service_users)
        ratings = random_ratings(self.rng)
        super_class = self.rng.choice(CLASSES)
        rating = {"ratings": ratings, "super_class": super_class}
        await self.call(client, "suggest", "POST", "/api/v1/allocate", json=rating)
        await self.think(think, deadline)
        if time.monotonic() >= deadline:
            return
        assessment = {
            **rating,
            "assessed_on": str(date.today()),
            "chosen_cluster": self.rng.choice([1, 3, 4, 11, 12]),
            "reason": "clinical judgement recorded in the load test",
        }
        saved = await self.call(client, "assess", "POST", f"/api/v1/service-users/{su}/assessments", json=assessment)
        if saved is not None:
            self.stats.acknowledged.append(saved.json()["assessment"]["id"])
        await self.think(think, deadline)
        if time.monotonic() >= deadline:
            return
        review = {
            "ratings": random_ratings(self.rng),
            "reviewed_on": str(date.today()),
            "reason": "routine review in the load test",
        }
        await self.call(client, "review", "POST", f"/api/v1/service-users/{su}/reviews", json=review)
        await self.think(think, deadline)


async def run_load(
    base_url: str,
    clinicians: list[tuple[str, int, int]],
    seconds: float,
    think: float,
    seed: int = 1,
    ramp: float = 2.0,
) -> Stats:
    """Sign every virtual clinician in (arrivals spread over `ramp` s), then run all of them at once
    for `seconds`: the working window, over which throughput is counted. Bounded throughout."""
    stats = Stats()
    users = [
        VirtualClinician(base_url, u, uid, tid, stats, seed * 100_003 + i) for i, (u, uid, tid) in enumerate(clinicians)
    ]
    go = asyncio.Event()
    window = [0.0, 0.0]
    readies = [asyncio.Event() for _ in users]
    tasks = [asyncio.create_task(v.run(r, go, window, think, ramp)) for v, r in zip(users, readies, strict=True)]
    setup_began = time.monotonic()
    ready_all = asyncio.gather(*(r.wait() for r in readies))
    try:
        await asyncio.wait_for(ready_all, timeout=ramp + 300)
    except TimeoutError:
        stats.errors["setup_timeout"] += 1
    stats.setup_seconds = time.monotonic() - setup_began
    stats.started = window[0] = time.monotonic()
    window[1] = stats.started + seconds
    go.set()
    # A request in flight when the window closes may finish late; nothing may run past a grace period.
    done, pending = await asyncio.wait(tasks, timeout=seconds + 150)
    for task in pending:
        task.cancel()
        stats.errors["unfinished"] += 1
    for task in done:
        if task.exception() is not None:
            stats.errors["crashed"] += 1
            stats.samples.append(f"virtual user crashed: {task.exception()!r}")
    stats.finished = time.monotonic()
    return stats


def missing_acknowledged(url: str, acknowledged: list[str]) -> list[str]:
    """Acknowledged assessment ids absent from the database (there must be none)."""
    from sqlalchemy import select

    from carecluster.store.models import Assessment

    db = Database(url)
    try:
        with db.transaction(write=False) as session:
            present = set(session.scalars(select(Assessment.record_id)))
    finally:
        db.dispose()
    return [a for a in acknowledged if a not in present]


def print_report(label: str, summary: dict[str, Any], missing: int) -> None:
    print(f"\n== {label}")
    print(f"{'step':<10} {'count':>7} {'median ms':>10} {'p95 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    for name, row in [*summary["steps"].items(), ("WORK", summary["working"]), ("ALL", summary["overall"])]:
        print(
            f"{name:<10} {row['count']:>7} {row['median_ms']:>10} {row['p95_ms']:>9} {row['p99_ms']:>9} {row['max_ms']:>9}"
        )
    print(
        f"sign-in and registration of every clinician took {summary['setup_seconds']} s; then all of them worked "
        f"together for {summary['seconds']} s: {summary['working_requests']} working requests = "
        f"{summary['working_throughput_rps']} req/s"
    )
    print(
        f"requests {summary['requests']} in all; "
        f"errors {summary['errors']}; acknowledged assessments {summary['acknowledged_assessments']}, "
        f"missing from the database {missing}"
    )
    for sample in summary["error_samples"]:
        print("  error:", sample)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual clinicians")
    parser.add_argument("--seconds", type=float, default=60, help="how long the working cycle runs")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a clinician's steps (s)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (PostgreSQL)")
    parser.add_argument("--ramp", type=float, default=10.0, help="arrivals (sign-ins) spread over this many seconds")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON too")
    args = parser.parse_args(argv)
    directory = Path(tempfile.mkdtemp(prefix="carecluster-load-"))
    server: ServerProcess | None = None
    try:
        with database_for(args.database, directory) as url:
            clinicians = seed_clinicians(url, args.users)
            server = ServerProcess(url, directory / "server.log", workers=args.workers).start()
            workers_before = server.children()
            stats = asyncio.run(run_load(server.base_url, clinicians, args.seconds, args.think, ramp=args.ramp))
            replaced = len(workers_before - server.children()) if args.workers > 1 else 0
            server.stop()
            missing = missing_acknowledged(url, stats.acknowledged)
        summary = stats.summary()
        label = (
            f"{args.users} users x {args.seconds:g} s on {args.database} "
            f"({args.workers} worker(s), think {args.think:g} s, arrivals over {args.ramp:g} s)"
        )
        print_report(label, summary, len(missing))
        if args.workers > 1:
            print(f"worker processes replaced by uvicorn during the run: {replaced}")
        if args.json:
            print(json.dumps({**summary, "missing": len(missing)}))
        return 0 if summary["errors"] == 0 and not missing else 1
    finally:
        if server is not None:
            server.kill()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
