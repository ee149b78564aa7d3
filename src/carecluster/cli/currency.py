"""`carecluster currency INPUT -o OUTPUT`: the 2026/27 mental health currency for a file of spells and contacts.

Registered by `carecluster.cli.main` (see COMMAND_MODULES). Nothing from `main` is imported at
module level: `main` imports this module while it is itself being imported.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from carecluster.cli.common import DaskLocalOption, SchedulerOption, SummaryOption


def register(app: typer.Typer) -> None:
    app.command("currency")(currency)


def currency(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help="CSV or Parquet with MHSDS field names: HospProvSpellID or CareContactId, AgeHospStartDate / "
            "AgeCareContDate, PrimDiag, MHAdmittedPatientClass, ServTeamTypeRefToMH, PrimReasonReferralMH, "
            "ClinRespPriorityType.",
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file, .csv or .parquet.")],
    rejects: Annotated[Path | None, typer.Option(help="Faults by row and field (default OUTPUT.rejects.csv).")] = None,
    summary: SummaryOption = None,
    year: Annotated[str | None, typer.Option(help="Built-in tables year, e.g. 2026-27.")] = None,
    tables: Annotated[
        Path | None, typer.Option(help="A folder of currency tables (manifest.json + CSVs) instead of a built-in year.")
    ] = None,
    scheduler: SchedulerOption = None,
    dask_local: DaskLocalOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary table.")] = False,
) -> None:
    """Group every spell and contact by the published cascade; faults go to a rejects file, never guessed.

    Exit code 2 when the file, the tables or an option cannot be used at all.
    """
    from carecluster.batch.sources import SourceError
    from carecluster.cli.batch import _dask_client
    from carecluster.cli.main import console, fail
    from carecluster.currency.batch import run_currency
    from carecluster.currency.reference import CurrencyReferenceError, currency_reference

    if scheduler and dask_local:
        fail("give either --scheduler or --dask-local, not both")
    try:
        ref = currency_reference(year, tables)
    except CurrencyReferenceError as error:
        fail(str(error))
    started = time.perf_counter()
    client, cluster = None, None
    try:
        if scheduler or dask_local:
            client, cluster = _dask_client(scheduler, dask_local)
        run = run_currency(input_path, output, ref, rejects=rejects, summary=summary, client=client)
    except SourceError as error:
        fail(str(error))
    except OSError as error:
        fail(f"{error.filename or input_path}: {error.strerror or error}")
    except Exception as error:  # polars/dask parse errors: one line, exit 2
        if type(error).__module__.startswith(("polars", "pyarrow", "pandas")):
            fail(f"{input_path}: cannot be read: {str(error).splitlines()[0]}")
        raise
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    if not quiet:
        console.print(_view(run.document, time.perf_counter() - started))


def _view(doc: dict[str, Any], elapsed: float) -> Table:
    table = Table(title=f"carecluster currency: {doc['records']:,} records in {elapsed:.1f} s", title_justify="left")
    table.add_column("")
    table.add_column("records", justify="right")
    for key in ("grouped", "unclassified", "rejected"):
        table.add_row(key, f"{doc[key]:,}")
    for group, n in doc["by_population_group"].items():
        table.add_row(f"  {group}", f"{n:,}")
    for fld, n in doc["rejects_by_field"].items():
        table.add_row(f"  fault in {fld}", f"{n:,}")
    table.caption = f"output {doc['output']}; rejects {doc['rejects']}; tables {doc['reference']['version']}"
    return table


__all__ = ["currency", "register"]
