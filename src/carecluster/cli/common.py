"""What every command shares: consoles, the --reference option, and how to fail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from carecluster.api import resolve_reference
from carecluster.reference import ENV_VAR, ReferenceError, ReferenceSet

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

SummaryOption = Annotated[Path | None, typer.Option(help="Summary JSON (default OUTPUT.summary.json).")]
SchedulerOption = Annotated[
    str | None, typer.Option(help="Run on the Dask cluster at this scheduler address, e.g. tcp://host:8786.")
]
DaskLocalOption = Annotated[
    int | None, typer.Option("--dask-local", min=1, help="Run on a local Dask cluster of this many workers.")
]
"""The whole-file commands' shared options (batch allocation, currency grouping)."""
ReferenceOption = Annotated[
    Path | None,
    typer.Option(
        "--reference",
        help=f"Reference set file (JSON or CSV grids) to use instead of the built-in set; also ${ENV_VAR}.",
        show_default=False,
    ),
]


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, then exit: scripts read the code, people read the line."""
    err_console.print(f"carecluster: {message}", markup=False, soft_wrap=True)
    raise typer.Exit(code)


def chosen_reference(ctx: typer.Context, reference: Path | None) -> ReferenceSet:
    """The command's --reference, else the global one, else $CARECLUSTER_REFERENCE, else built-in."""
    path = reference or (ctx.obj or {}).get("reference")
    try:
        return resolve_reference(path)
    except ReferenceError as error:
        fail(f"reference set {error.source}: {'; '.join(error.problems)}")
