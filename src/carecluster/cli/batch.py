"""`carecluster batch INPUT -o OUTPUT`: allocate a whole CSV or Parquet file, with an audit summary.

Registered by `carecluster.cli.main` (see COMMAND_MODULES). Nothing from `main` is imported at
module level: `main` imports this module while it is itself being imported.
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from carecluster.cli.common import DaskLocalOption, SchedulerOption, SummaryOption

if TYPE_CHECKING:
    from carecluster.batch.job import BatchJob
    from carecluster.batch.runner import BatchRun


class SuperClass(StrEnum):
    non_psychotic = "non-psychotic"
    psychotic = "psychotic"
    organic = "organic"


def register(app: typer.Typer) -> None:
    app.command("batch")(batch)


def batch(
    ctx: typer.Context,
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT", help="CSV or Parquet file: mhct_1..mhct_13, mhct_a..mhct_e[, allocated_cluster]."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file, .csv or .parquet.")],
    rejects: Annotated[
        Path | None, typer.Option(help="Rejected rows with their row numbers and reasons (default OUTPUT.rejects.csv).")
    ] = None,
    summary: SummaryOption = None,
    super_class: Annotated[
        SuperClass | None,
        typer.Option("--super-class", "-s", help="The clinician's super class for rows without a super_class_given."),
    ] = None,
    heading: Annotated[
        str | None, typer.Option(help="Decision-tree heading for rows without a heading_given, e.g. B3.")
    ] = None,
    scheduler: SchedulerOption = None,
    dask_local: DaskLocalOption = None,
    chunk_rows: Annotated[int, typer.Option(min=1, help="Records held in memory at once, per worker.")] = 131_072,
    block_mb: Annotated[int, typer.Option(min=1, help="CSV megabytes per unit of work.")] = 8,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Ignore the parts of an interrupted run; start again.")
    ] = False,
    keep_parts: Annotated[bool, typer.Option("--keep-parts", help="Keep OUTPUT.parts/ after assembling.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary table.")] = False,
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="Reference set file instead of the built-in set.", show_default=False),
    ] = None,
) -> None:
    """Allocate every row of a CSV or Parquet file; invalid rows go to a rejects file, never lost.

    Streams in bounded memory, resumes an interrupted run from its finished parts, and runs on
    a Dask cluster with --scheduler (or --dask-local N). Exit code 2 when the file or an option
    cannot be used at all.
    """
    from carecluster.batch.runner import run_batch
    from carecluster.batch.sources import SourceError
    from carecluster.cli.main import chosen_reference, console, err_console, fail
    from carecluster.domain.allocation import AllocationError

    if scheduler and dask_local:
        fail("give either --scheduler or --dask-local, not both")
    ref = chosen_reference(ctx, reference)
    started = time.perf_counter()
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[records]:>12,} records"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet,
        transient=False,
    )
    task = progress.add_task("allocating", total=None, records=0)

    def on_start(job: BatchJob, done: int) -> None:
        progress.start()  # only once the input and output are known good: a refusal stays one line
        progress.update(task, total=max(job.source.total_weight, 1), completed=done)
        if done and not quiet:
            err_console.print(f"resuming an interrupted run: {done:,} of {job.source.total_weight:,} already done")

    def on_progress(done: int, records: int) -> None:
        progress.update(task, completed=done, records=records)

    client, cluster = None, None
    try:
        if scheduler or dask_local:
            client, cluster = _dask_client(scheduler, dask_local)
        try:
            run = run_batch(
                input_path,
                output,
                ref,
                super_class=super_class.value if super_class else None,
                heading=heading,
                rejects=rejects,
                summary=summary,
                chunk_rows=chunk_rows,
                block_bytes=block_mb << 20,
                client=client,
                fresh=fresh,
                keep_parts=keep_parts,
                on_start=on_start,
                on_progress=on_progress,
            )
        finally:
            progress.stop()
    except (SourceError, AllocationError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"{error.filename or input_path}: {error.strerror or error}")
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    elapsed = time.perf_counter() - started
    if not quiet:
        console.print(_summary_view(run, elapsed))


def _dask_client(scheduler: str | None, workers: int | None) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def _summary_view(run: BatchRun, elapsed: float) -> Table:
    doc = run.document
    table = Table(title=f"carecluster batch: {doc['records']:,} records in {elapsed:.1f} s", title_justify="left")
    table.add_column("")
    table.add_column("records", justify="right")
    table.add_row("allocated", f"{doc['allocated']:,}")
    table.add_row(f"rejected (see {run.rejects})", f"{doc['rejected']:,}")
    for ranking, n in doc["ranking"].items():
        table.add_row(f"  ranking {ranking.replace('_', ' ')}", f"{n:,}")
    for sc, n in doc["suggested_by_super_class"].items():
        table.add_row(f"  suggested {sc}", f"{n:,}")
    given = doc["given_allocations"]
    if given["given"]:
        table.add_row("given allocations", f"{given['given']:,}")
        for sc, row in given["by_super_class"].items():
            if row["given"]:
                table.add_row(
                    f"  {sc}: agree / red breaches",
                    f"{row['agree']:,} / {row['with_red_breaches']:,} of {row['given']:,}",
                )
    table.caption = (
        f"output {run.output}; summary {run.summary}; reference {doc['reference']['id']} {doc['reference']['version']}"
        + ("; resumed an interrupted run" if run.state == "resumed" else "")
    )
    return table


__all__ = ["batch", "register"]
