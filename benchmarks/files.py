"""Whole files on one core, and Dask with 2 workers: the issue 23 figures, with goals and verdicts.

Prints records per second, each in a fresh process pinned to one core, for:
  frame         allocate_frame() on a Polars frame already in memory     goal >= 8,000,000
  parquet       carecluster batch: Parquet file -> Parquet file          goal >= 3,000,000
  csv           carecluster batch: CSV file -> CSV file                  goal >= 1,000,000
and (with --dask-records) one process against a Dask LocalCluster of 2 single-threaded
workers on the same Parquet file: the ratio says whether Dask pays at that size.
The data is the seeded sample of benchmarks/batch.py (9s, super classes, allocated clusters).
Medians of --repeats runs; on a shared machine quote the medians and ratios of one run.

Run: .venv/bin/python benchmarks/files.py [--records 1000000] [--repeats 3] [--dask-records 0]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

GOALS = {"frame": 8_000_000, "parquet": 3_000_000, "csv": 1_000_000}


def write_inputs(n: int, directory: Path) -> dict[str, Path]:
    import polars as pl

    from batch import ratings
    from carecluster.batch.schema import RATING_COLUMNS

    codes, _, allocated = ratings(n)
    frame = pl.DataFrame({c: codes[i] for i, c in enumerate(RATING_COLUMNS)})
    frame = frame.with_columns(pl.Series("allocated_cluster", allocated).replace(-1, None))
    paths = {"parquet": directory / "in.parquet", "csv": directory / "in.csv"}
    frame.write_parquet(paths["parquet"])
    frame.write_csv(paths["csv"])
    return paths


def child(kind: str, source: str, output: str, workers: int) -> None:
    """In a fresh process (pinned to one core unless Dask): one timed run, as JSON."""
    from carecluster import builtin_reference

    reference = builtin_reference()
    if workers == 0:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    if kind == "frame":
        import polars as pl

        from carecluster.batch.frame import allocate_frame

        df = pl.read_parquet(source)
        allocate_frame(df.head(10_000), reference=reference)  # warm the tables
        start = time.perf_counter()
        out = allocate_frame(df, reference=reference)
        seconds = time.perf_counter() - start
        records = out.height
    else:
        from carecluster.batch.runner import run_batch

        client = None
        if workers:
            from distributed import Client, LocalCluster

            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        start = time.perf_counter()
        run = run_batch(source, output, reference, fresh=True, client=client)
        seconds = time.perf_counter() - start
        records = run.counts.records
        if client is not None:
            client.close()
            cluster.close()
    print(json.dumps({"seconds": seconds, "records": records}))


def timed(kind: str, source: Path, output: Path, workers: int = 0) -> float:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(source), str(output), str(workers)],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["records"] / result["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dask-records", type=int, default=0, help="0 skips the Dask comparison")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, source, output, workers = args.child
        child(kind, source, output, int(workers))
        return
    print(f"data: {args.records:,} records; medians of {args.repeats} fresh processes, each pinned to one core")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        paths = write_inputs(args.records, directory)
        for kind, source, output in (
            ("frame", paths["parquet"], directory / "unused"),
            ("parquet", paths["parquet"], directory / "out.parquet"),
            ("csv", paths["csv"], directory / "out.csv"),
        ):
            rates = [timed(kind, source, output) for _ in range(args.repeats)]
            rate = statistics.median(rates)
            verdict = "MET" if rate >= GOALS[kind] else "NOT MET"
            print(
                f"{kind:8s} {rate:12,.0f} records/s (runs: {', '.join(f'{r / 1e6:.2f}M' for r in rates)})"
                f"   goal: {kind} at least {GOALS[kind]:,} records/s on one core - {verdict}"
            )
        if args.dask_records:
            big = directory / "big"
            big.mkdir()
            source = write_inputs(args.dask_records, big)["parquet"]
            one = timed("parquet", source, big / "one.parquet")
            dask = timed("parquet", source, big / "dask.parquet", workers=2)
            verdict = "MET" if dask > one else "NOT MET"
            print(
                f"dask     {dask:12,.0f} records/s with 2 workers against {one:,.0f} in one process on one core, "
                f"{args.dask_records:,} records: {dask / one:.2f} x"
                f"   goal: Dask beats one process with 2 workers - {verdict}"
            )


if __name__ == "__main__":
    main()
