"""Latency of creating an assessment with its allocation over HTTP, under concurrent clients.

Starts `uvicorn carecluster.http.asgi:app` on SQLite in a temporary directory (its own process),
seeds a team, one clinician and one service user per client, then runs N concurrent clients in
a closed loop, each posting MHCT ratings to POST /api/v1/service-users/{id}/assessments: the
server validates, allocates, stores the assessment, the allocation (suggestion, explanation,
reference set) and the audit events in one transaction. Prints the median and 95th percentile
latency and the throughput. Target: p95 under 50 ms with 50 clients on SQLite.

Two runs by default: clients posting back to back (saturation: by Little's law the latency is
then clients / throughput, so it measures throughput), and clients each pausing about a second
between requests (a heavy but plausible load: the latency a clinician sees).

Run: .venv/bin/python benchmarks/api.py [--clients 50] [--requests 1000] [--think SECONDS] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from carecluster.service.nhs import synthetic_nhs_numbers
from carecluster.service.security import token_digest
from carecluster.store import migrate
from carecluster.store.db import Database, now
from carecluster.store.models import AuthToken, Team, User, UserTeam

CHOICES = [0, 0, 0, 1, 1, 2, 2, 3, 4, 9]  # skewed to low ratings, with some 9s, as in practice
CLASSES = [None, "non-psychotic", "psychotic", "organic"]


def seed(url: str, clients: int) -> tuple[str, int]:
    """A team and a clinician with a known token (no argon2 in the measured path: login is not timed)."""
    migrate.upgrade(url)
    db = Database(url)
    token = secrets.token_urlsafe(32)
    run = secrets.token_hex(4)  # a database given with --database-url is seeded once per run
    with db.transaction() as session:
        team = Team(code=f"BENCH-{run}", name="Benchmark team", created_at=now())
        user = User(
            username=f"bench-{run}",
            full_name="Bench Clinician",
            role="clinician",
            password_hash="!",
            active=True,
            failed_logins=0,
            created_at=now(),
        )
        session.add_all([team, user])
        session.flush()
        session.add(UserTeam(user_id=user.id, team_id=team.id))
        session.add(
            AuthToken(
                token_hash=token_digest(token),
                user_id=user.id,
                kind="bearer",
                created_at=now(),
                expires_at=now() + timedelta(hours=2),
            )
        )
        team_id = team.id
    db.dispose()
    return token, team_id


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def run_clients(
    base: str, token: str, team_id: int, clients: int, total: int, seed_value: int, think: float
) -> list[float]:
    rng = random.Random(seed_value)
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:
        people = []
        for number in synthetic_nhs_numbers(random.Random(), clients):
            response = await client.post(
                "/api/v1/service-users",
                json={"nhs_number": number, "name": "Bench Person", "date_of_birth": "1975-06-01", "team_id": team_id},
            )
            response.raise_for_status()
            people.append(response.json()["id"])
        latencies: list[float] = []
        remaining = total
        errors = 0

        async def body() -> dict[str, object]:
            return {
                "ratings": [rng.choice(CHOICES) for _ in range(18)],
                "super_class": rng.choice(CLASSES),
                "assessed_on": str(date.today() - timedelta(days=rng.randint(0, 30))),
                "clustering_event": "planned_review",
            }

        async def worker(person: str) -> None:
            nonlocal remaining, errors
            if think:
                await asyncio.sleep(rng.uniform(0, think))  # stagger the start
            while remaining > 0:
                remaining -= 1
                if think:
                    await asyncio.sleep(rng.expovariate(1 / think))
                payload = await body()
                started = time.perf_counter()
                response = await client.post(f"/api/v1/service-users/{person}/assessments", json=payload)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 201:
                    errors += 1
                    if errors <= 3:
                        print(f"error {response.status_code}: {response.text[:300]}", file=sys.stderr)

        for person in people[:5]:  # warm up: first requests pay for imports and caches
            await client.post(f"/api/v1/service-users/{person}/assessments", json=await body())
        started = time.perf_counter()
        await asyncio.gather(*(worker(p) for p in people))
        elapsed = time.perf_counter() - started
        if errors:
            print(f"{errors} request(s) failed", file=sys.stderr)
        return [*latencies, elapsed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary directory")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument(
        "--think",
        type=float,
        default=None,
        help="mean seconds each client waits between requests (exponential); default: run both 0 (saturation) and 1",
    )
    args = parser.parse_args()

    thinks = [args.think] if args.think is not None else [0.0, 1.0]
    for think in thinks:
        run_once(args, think)


def run_once(args: argparse.Namespace, think: float) -> None:
    directory = Path(tempfile.mkdtemp(prefix="carecluster-bench-"))
    url = args.database_url or f"sqlite:///{directory / 'carecluster.db'}"
    token, team_id = seed(url, args.clients)
    port = free_port()
    env = {**os.environ, "CARECLUSTER_DATABASE_URL": url}
    command = [sys.executable, "-m", "uvicorn", "carecluster.http.asgi:app", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen([*command, "--log-level", "warning", "--no-access-log"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
        *latencies, elapsed = asyncio.run(
            run_clients(base, token, team_id, args.clients, args.requests, args.seed, think)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)]
    backend = "SQLite" if url.startswith("sqlite") else url.split(":", 1)[0]
    load = "back-to-back (saturation)" if not think else f"each waiting {think:g} s on average between requests"
    print(
        f"POST /api/v1/service-users/{{id}}/assessments (assessment + allocation + audit) on {backend}: "
        f"{args.clients} concurrent clients {load}; {len(ms)} requests; 1 server process; {os.cpu_count()} CPUs"
    )
    print(
        f"  median {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   max {ms[-1]:6.1f} ms   "
        f"throughput {len(ms) / elapsed:6.1f} requests/s over {elapsed:.1f} s"
    )


if __name__ == "__main__":
    main()
