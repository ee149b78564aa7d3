"""Benchmark the audit reports on a large synthetic database: SQLite and PostgreSQL.

Builds N service users (default 100,000) with ten MHCT assessments each (1,000,000 assessments,
each with its allocation), their episodes, cluster assignment periods and reviews, by bulk
inserts (SQLAlchemy Core, NumPy for the random parts): the service layer would take hours for
this. Then times every report, for the last 12 months and the last 3 months, for all teams (an
auditor's view, the heaviest), best of `--repeats`, and one drill-down. Target: each report under 2 s on SQLite.

PostgreSQL runs on a throw-away server, as the tests do (tests/store/postgres.py); give
`--backends sqlite` to skip it.

Run: .venv/bin/python benchmarks/reports.py [--service-users 100000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.store.postgres

from carecluster import builtin_reference
from carecluster.reference.models import SCALE_CODES, ReferenceSet
from carecluster.reports import REPORTS, Filters, build_report
from carecluster.reports.build import measure_spec
from carecluster.reports.measures import drill
from carecluster.store import migrate, report_facts
from carecluster.store.db import Database, now
from carecluster.store.models import (
    Allocation,
    Assessment,
    AssignmentPeriod,
    Episode,
    Record,
    Review,
    ServiceUser,
    Team,
    User,
    UserTeam,
)

TODAY = date(2026, 11, 1)
ASSESSMENTS_PER_PERSON = 10
TEAMS = ("CMHT-N", "CMHT-S", "EIP", "OACMHT", "CRHT", "PCMH")
CLINICIANS_PER_TEAM = 10
CHUNK = 5_000


def _profiles(reference: ReferenceSet) -> dict[int, np.ndarray]:
    """A typical rating per cluster: the middle of its red, else orange, else yellow cells."""
    out = {}
    for number, grid in reference.grids.items():
        row = []
        for code in SCALE_CODES:
            cells = grid.cells[code]
            for wanted in ("must", "expected", "may"):
                hits = [r for r in range(5) if cells[r] == wanted]
                if hits:
                    row.append(hits[len(hits) // 2])
                    break
            else:
                row.append(0)
        if grid.cells["8"] == grid.cells["7"]:
            row[SCALE_CODES.index("8")] = 0
        out[number] = np.array(row, dtype=np.int16)
    return out


class Generator:
    """Plausible histories: a starting cluster, moves along the booklet's transitions (rarely a
    rare one), clinicians agreeing with the engine most of the time, a few 9s."""

    def __init__(self, reference: ReferenceSet, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.reference = reference
        self.profiles = _profiles(reference)
        self.clusters = [n for n in reference.allocatable_clusters if n not in (0, 9)]
        self.moves: dict[int, tuple[list[int], list[int]]] = {}
        for n in self.clusters:
            t = reference.cluster(n).transitions
            usual = [c for c in (*t.step_up, *t.similar, *t.step_down) if c in self.profiles] if t else []
            rare = [c for c in t.rare if c in self.profiles] if t else []
            self.moves[n] = (usual or self.clusters, rare or self.clusters)
        self.next_id = 0

    def rid(self, kind: str) -> str:
        self.next_id += 1
        return f"{kind[:2]}{self.next_id:030x}"

    def chunk(self, first: int, size: int, teams: list[int], clinicians: dict[int, list[int]]) -> dict[str, list]:
        rng = self.rng
        rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ("records", "su", "ep", "as", "al", "pe", "re")}
        moment = now()
        team_of = rng.integers(0, len(teams), size)
        referral_age = rng.integers(20, 5 * 365, size)
        discharged = rng.random(size) < 0.25
        for i in range(size):
            team = teams[team_of[i]]
            clinician = int(rng.choice(clinicians[team]))
            referral = TODAY - timedelta(days=int(referral_age[i]))
            span = (TODAY - referral).days
            discharge = (
                referral + timedelta(days=int(rng.integers(max(1, span // 2), span + 1))) if discharged[i] else None
            )
            end = discharge or TODAY
            offsets = np.sort(rng.integers(0, max(1, (end - referral).days) + 1, ASSESSMENTS_PER_PERSON))
            su, ep = self.rid("service_user"), self.rid("episode")
            for rid, kind in ((su, "service_user"), (ep, "episode")):
                rows["records"].append({"id": rid, "kind": kind, "created_at": moment})
            common = {"version": 1, "recorded_at": moment, "recorded_by": clinician}
            rows["su"].append(
                {
                    **common,
                    "record_id": su,
                    "nhs_number": f"9{first + i:09d}",
                    "name": f"Person {first + i}",
                    "date_of_birth": date(1950, 1, 1) + timedelta(days=int(rng.integers(0, 20000))),
                    "team_id": team,
                    "clinician_id": clinician,
                }
            )
            rows["ep"].append(
                {
                    **common,
                    "record_id": ep,
                    "service_user_id": su,
                    "team_id": team,
                    "referral_date": referral,
                    "discharge_date": discharge,
                }
            )
            cluster = int(rng.choice(self.clusters))
            previous: int | None = None
            period: dict[str, Any] | None = None
            for j, offset in enumerate(offsets):
                on = referral + timedelta(days=int(offset))
                why: list[dict[str, str]] = []
                if j:
                    roll = rng.random()
                    if roll < 0.03:
                        cluster = int(rng.choice(self.moves[cluster][1]))
                        why.append({"code": "rare_transition", "text": "rare"})
                    elif roll < 0.2:
                        cluster = int(rng.choice(self.moves[cluster][0]))
                suggested = cluster if rng.random() < 0.85 else int(rng.choice(self.clusters))
                chosen = cluster if rng.random() > 0.01 else 0
                if chosen != suggested:
                    why.append({"code": "differs_from_suggestion", "text": "differs"})
                if rng.random() < 0.02:
                    why.append({"code": "red_breach", "text": "red"})
                ratings = np.clip(self.profiles[cluster] + rng.integers(-1, 2, 18) * (rng.random(18) < 0.3), 0, 4)
                ratings[rng.random(18) < 0.02] = 9
                event = "initial_assessment" if j == 0 else "planned_review"
                if discharge is not None and j == ASSESSMENTS_PER_PERSON - 1:
                    event = "discharge"
                a, al = self.rid("assessment"), self.rid("allocation")
                rows["records"] += [
                    {"id": a, "kind": "assessment", "created_at": moment},
                    {"id": al, "kind": "allocation", "created_at": moment},
                ]
                rows["as"].append(
                    {
                        **common,
                        "record_id": a,
                        "service_user_id": su,
                        "episode_id": ep,
                        "assessed_on": on,
                        "clustering_event": event,
                        "rater_id": clinician,
                        "ratings": ratings.tolist(),
                        "problem_type": None,
                        "problem_description": None,
                        "super_class": None,
                        "heading": None,
                    }
                )
                rows["al"].append(
                    {
                        **common,
                        "record_id": al,
                        "service_user_id": su,
                        "assessment_id": a,
                        "suggested_cluster": suggested,
                        "suggestion": {},
                        "reference_id": "benchmark",
                        "reference_version": "1",
                        "previous_cluster": previous,
                        "chosen_cluster": chosen,
                        "reason": "clinical judgement" if why else None,
                        "reason_required": why,
                        "chosen_by": clinician,
                    }
                )
                if j and event == "planned_review" and previous is not None:
                    r = self.rid("review")
                    rows["records"].append({"id": r, "kind": "review", "created_at": moment})
                    rows["re"].append(
                        {
                            **common,
                            "record_id": r,
                            "service_user_id": su,
                            "assessment_id": a,
                            "reviewed_on": on,
                            "current_cluster": previous,
                            "outcome": "no_change",
                            "result": {},
                            "facts": {},
                            "chosen_cluster": chosen,
                            "reason": None,
                        }
                    )
                if previous != chosen:
                    if period is not None:
                        period["end_date"] = on
                    p = self.rid("assignment_period")
                    rows["records"].append({"id": p, "kind": "assignment_period", "created_at": moment})
                    period = {
                        **common,
                        "record_id": p,
                        "service_user_id": su,
                        "allocation_id": al,
                        "cluster": chosen,
                        "start_date": on,
                        "end_date": None,
                    }
                    rows["pe"].append(period)
                previous = chosen
            if period is not None and discharge is not None:
                period["end_date"] = discharge
        return rows


def populate(db: Database, n: int, reference: ReferenceSet, seed: int = 7) -> dict[str, int]:
    generator = Generator(reference, seed)
    counts = dict.fromkeys(("service_users", "assessments", "reviews", "periods"), 0)
    with db.engine.begin() as conn:
        teams = []
        for code in TEAMS:
            teams.append(
                conn.execute(insert(Team).values(code=code, name=code, created_at=now())).inserted_primary_key[0]
            )
        clinicians: dict[int, list[int]] = {}
        for t in teams:
            for k in range(CLINICIANS_PER_TEAM):
                uid = conn.execute(
                    insert(User).values(
                        username=f"c{t}-{k}",
                        full_name=f"Clinician {t}-{k}",
                        role="clinician",
                        password_hash="x",
                        active=True,
                        failed_logins=0,
                        created_at=now(),
                    )
                ).inserted_primary_key[0]
                conn.execute(insert(UserTeam).values(user_id=uid, team_id=t))
                clinicians.setdefault(t, []).append(uid)
    done = 0
    while done < n:
        size = min(CHUNK, n - done)
        rows = generator.chunk(done, size, teams, clinicians)
        with db.engine.begin() as conn:
            for table, key in (
                (Record, "records"),
                (ServiceUser, "su"),
                (Episode, "ep"),
                (Assessment, "as"),
                (Allocation, "al"),
                (AssignmentPeriod, "pe"),
                (Review, "re"),
            ):
                conn.execute(insert(table), rows[key])
        counts["service_users"] += size
        counts["assessments"] += len(rows["as"])
        counts["reviews"] += len(rows["re"])
        counts["periods"] += len(rows["pe"])
        done += size
        print(f"\r  loaded {done:,} service users", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return counts


def time_reports(db: Database, reference: ReferenceSet, repeats: int) -> list[tuple[str, float]]:
    periods = {
        "12 months": Filters(date_from=TODAY - timedelta(days=365), date_to=TODAY),
        "3 months": Filters(date_from=TODAY - timedelta(days=91), date_to=TODAY),
    }
    results = []
    for label, filters in periods.items():
        for name in REPORTS:
            best = float("inf")
            for _ in range(repeats):
                with db.transaction(write=False) as session:
                    start = time.perf_counter()
                    build_report(session, name, filters, reference)
                    best = min(best, time.perf_counter() - start)
            results.append((f"{name} ({label}, all teams)", best))
        best = float("inf")
        for _ in range(repeats):
            with db.transaction(write=False) as session:
                start = time.perf_counter()
                drill(session, "timeliness", measure_spec("timeliness", "overdue_reviews"), filters, reference)
                best = min(best, time.perf_counter() - start)
        results.append((f"drill-down: overdue reviews ({label})", best))
    return results


def _existing(db: Database) -> dict[str, int] | None:
    """Counts of a database filled by an earlier run (--sqlite-file), or None when it is empty."""
    with db.engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM service_users")).scalar_one()
        if not n:
            return None
        return {
            "service_users": n,
            "assessments": conn.execute(text("SELECT count(*) FROM assessments")).scalar_one(),
            "reviews": conn.execute(text("SELECT count(*) FROM reviews")).scalar_one(),
            "periods": conn.execute(text("SELECT count(*) FROM assignment_periods")).scalar_one(),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service-users", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--sqlite-file", type=Path, help="Keep the SQLite database here and reuse it when it is already filled."
    )
    parser.add_argument(
        "--postgres-url",
        help="Use this PostgreSQL database (SQLAlchemy URL) instead of a throw-away server; reused when filled.",
    )
    args = parser.parse_args()
    reference = builtin_reference()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other work slows the timings)")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="carecluster-bench-") as tmp:
            if backend == "sqlite":
                url = f"sqlite:///{args.sqlite_file or Path(tmp) / 'bench.db'}"
            elif args.postgres_url:
                url = args.postgres_url
            else:
                from tests.store.postgres import postgres

                url = postgres().create_database("reports_benchmark")
            migrate.upgrade(url)
            db = Database(url)
            start = time.perf_counter()
            counts = _existing(db)
            facts = "kept"
            if counts is None:
                counts = populate(db, args.service_users, reference)
                # the bulk load went around the ORM, so the reports' derived rows are filled
                # afterwards, as `carecluster db rebuild-report-facts` does
                rebuilt = time.perf_counter()
                with db.engine.begin() as conn:
                    report_facts.rebuild(conn)
                    conn.execute(text("ANALYZE"))
                facts = f"rebuilt in {time.perf_counter() - rebuilt:.0f} s"
            load = time.perf_counter() - start
            print(
                f"{backend}: {counts['service_users']:,} service users, {counts['assessments']:,} assessments "
                f"(and allocations), {counts['periods']:,} assignment periods, {counts['reviews']:,} reviews; "
                f"loaded in {load:.0f} s (report facts {facts})"
            )
            for label, seconds in time_reports(db, reference, args.repeats):
                flag = "" if seconds < 2 else "  (over 2 s)"
                print(f"  {label:<52} {seconds:7.3f} s{flag}")
            db.dispose()


if __name__ == "__main__":
    main()
