"""Benchmark the batch path: the figures issue 9 asks for, all on the same seeded data.

Prints, for N records (default 1,000,000; 9s, super classes and allocated clusters included):
  engine      records/s of the vectorised engine (allocate_arrays) pinned to one core
  single      records/s of the single-record engine (allocate(), the suggestion only) on a
              sample of the same records, and the ratio engine / single
  floor       the engine's time over the memory floor: NumPy reading the same (18, N) uint8
              ratings array once (ratings.sum())
  end-to-end  records/s from a Parquet file to a Parquet file (carecluster batch, one machine,
              all cores), and peak resident memory of that process for N and 3N records (in
              fresh processes), which should not grow with the file
  equivalence every record of the same data through both engines (the single-record one on all
              cores): how many answers differ (suggestion, ranking, super class, orange
              mismatches and their scales, red breaches and their scales, agreement)
Targets: >= 5 million records/s on one core; >= 100 x the single-record engine; within 10 x
the memory floor; memory that does not grow with file size; no answer that differs.

Run: .venv/bin/python benchmarks/batch.py [--records 1000000] [--repeats 5] [--single 20000]
     [--equivalence 1000000]  (0 skips it; the single-record engine takes a minute or two per million)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.batch: the equivalence check

from carecluster import builtin_reference
from carecluster.batch.engine import allocate_arrays
from carecluster.batch.schema import RATING_COLUMNS
from carecluster.batch.tables import tables_for
from carecluster.domain.allocation import allocate


def ratings(n: int, seed: int = 20261123) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(18, n) ratings skewed to low values with 9s, scope codes, allocated clusters (-1: none)."""
    rng = np.random.default_rng(seed)
    tables = tables_for(builtin_reference())
    choices = np.array([0, 0, 0, 1, 1, 2, 2, 3, 4, 9], np.uint8)
    codes = choices[rng.integers(0, len(choices), size=(18, n))]
    scope = np.where(rng.random(n) < 0.5, 0, rng.integers(1, 4, size=n)).astype(np.uint8)  # half give a super class
    clusters = np.array([-1, -1, -1, 0, *tables.numbers.tolist()], np.int8)
    allocated = clusters[rng.integers(0, len(clusters), size=n)]
    return codes, scope, allocated


def _verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def end_to_end_child(source: str, output: str) -> None:
    """In a fresh process: one run, then report its time and peak resident memory as JSON."""
    from carecluster.batch.runner import run_batch

    reference = builtin_reference()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    run = run_batch(source, output, reference, fresh=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "records": run.counts.records, "peak_kb": peak, "baseline_kb": baseline}))


def end_to_end(codes: np.ndarray, allocated: np.ndarray, repeat: int, directory: Path) -> dict[str, float]:
    import polars as pl

    source = directory / f"in-{repeat}.parquet"
    frame = pl.DataFrame({c: np.tile(codes[i], repeat) for i, c in enumerate(RATING_COLUMNS)})
    frame = frame.with_columns(pl.Series("allocated_cluster", np.tile(allocated, repeat)).replace(-1, None))
    frame.write_parquet(source)
    del frame
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(source), str(directory / f"out-{repeat}.parquet")],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


EQUIVALENCE_CHUNK = 20_000


def _single_chunk(job: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[object]:
    from tests.batch.test_engine import single_answers

    codes, scope, allocated = job
    return single_answers(builtin_reference(), codes, scope, allocated)


def equivalence(codes: np.ndarray, scope: np.ndarray, allocated: np.ndarray, n: int) -> tuple[int, int, float]:
    """(records compared, answers that differ, seconds): the tests' own comparison, all records."""
    from concurrent.futures import ProcessPoolExecutor

    from tests.batch.test_engine import batch_answers

    start = time.perf_counter()
    reference = builtin_reference()
    jobs = [
        (
            codes[:, i : i + EQUIVALENCE_CHUNK].copy(),
            scope[i : i + EQUIVALENCE_CHUNK],
            allocated[i : i + EQUIVALENCE_CHUNK],
        )
        for i in range(0, n, EQUIVALENCE_CHUNK)
    ]
    differ = 0
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        for job, expected in zip(jobs, pool.map(_single_chunk, jobs), strict=True):
            got = batch_answers(reference, *job)
            differ += sum(g != e for g, e in zip(got, expected, strict=True))
    return n, differ, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--single", type=int, default=20_000, help="records timed through the single-record engine")
    parser.add_argument(
        "--equivalence", type=int, default=None, help="records compared with the single engine (default: all)"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        end_to_end_child(*args.child)
        return

    reference = builtin_reference()
    tables = tables_for(reference)
    n = args.records
    codes, scope, allocated = ratings(n)
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print(f"machine: {cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; NumPy {np.__version__}")
    print(
        f"data: {n:,} records, {(codes == 9).any(axis=0).mean():.0%} with a 9; half with a super class; "
        f"{(allocated >= 0).mean():.0%} with an allocated cluster; reference {reference.id} {reference.version}"
    )

    # the vectorised engine, pinned to one core
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(affinity)})
    allocate_arrays(tables, codes[:, :10_000], scope[:10_000], allocated[:10_000])  # warm the tables
    engine = best_of(args.repeats, lambda: allocate_arrays(tables, codes, scope, allocated))
    floor = best_of(args.repeats, lambda: codes.sum())
    os.sched_setaffinity(0, affinity)

    # the single-record engine on the first records of the same data
    m = min(args.single, n)
    sample = [(codes[:, i].tolist(), tables.scopes[int(scope[i])].super_class) for i in range(m)]
    allocate(sample[0][0], None, reference)
    single = best_of(max(1, args.repeats // 2), lambda: [allocate(v, sc, reference) for v, sc in sample]) / m

    engine_rate = n / engine
    single_rate = 1 / single
    print(
        f"engine      {engine_rate:12,.0f} records/s on one core  ({engine * 1e3:.0f} ms for {n:,})   "
        f"target >= 5,000,000 - {_verdict(engine_rate >= 5_000_000)}"
    )
    print(f"single      {single_rate:12,.0f} records/s (allocate(), {m:,} records)")
    print(
        f"ratio       {engine_rate / single_rate:12,.0f} x the single-record engine                   "
        f"target >= 100 - {_verdict(engine_rate / single_rate >= 100)}"
    )
    print(
        f"floor       {engine / floor:12.1f} x the memory floor (ratings.sum(): {floor * 1e3:.1f} ms)      "
        f"target <= 10 - {_verdict(engine / floor <= 10)}"
    )

    compared = n if args.equivalence is None else min(args.equivalence, n)
    if compared:
        count, differ, seconds = equivalence(codes, scope, allocated, compared)
        print(
            f"equivalence {count:12,} records through both engines: {differ:,} answers differ "
            f"({seconds:.0f} s)                 target: 0 - {_verdict(differ == 0)}"
        )

    with tempfile.TemporaryDirectory() as tmp:
        runs = {repeat: end_to_end(codes, allocated, repeat, Path(tmp)) for repeat in (1, 3)}
    one = runs[1]
    print(
        f"end-to-end  {one['records'] / one['seconds']:12,.0f} records/s Parquet -> Parquet ({one['records']:,} records in {one['seconds']:.2f} s, all cores)"
    )
    for run in runs.values():
        print(
            f"memory      {run['peak_kb'] / 1024:8.0f} MB peak resident for {run['records']:>10,} records "
            f"({run['baseline_kb'] / 1024:.0f} MB after imports)"
        )
    grown = runs[3]["peak_kb"] / runs[1]["peak_kb"]
    print(
        f"            peak for 3x the records is {grown:.2f} x the peak for 1x          "
        f"target: no growth (under 1.2 x) - {_verdict(grown < 1.2)}"
    )


if __name__ == "__main__":
    main()
