"""`carecluster calibrate HISTORY -o derived.json`: derive a reference set from a provider's own
clustering history, validate it on a held-out share, and write the file and its report.

Registered by `carecluster.cli.main` (see COMMAND_MODULES). The derived file loads like any
provider set: `--reference derived.json`. Rows the history cannot use are listed by row in the
report (and counted on stderr) and left out; the command refuses nothing silently.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from carecluster.cli.common import chosen_reference, err_console, fail


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "provider"


def calibrate(
    ctx: typer.Context,
    history_path: Annotated[
        Path,
        typer.Argument(
            metavar="HISTORY",
            help="CSV or Parquet (mhct_1..mhct_e, allocated_cluster[, assessed_on, assessment_id]) "
            "or a directory of national data set clustering tables (MHS001, MHS801-803).",
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The derived reference file (JSON).")],
    provider: Annotated[str, typer.Option(help="The provider's name, written into every provenance.")] = "provider",
    set_id: Annotated[str | None, typer.Option("--id", help="Reference set id (default derived-PROVIDER).")] = None,
    version: Annotated[str | None, typer.Option(help="Reference set version (default today's date).")] = None,
    holdout: Annotated[
        float, typer.Option(help="Share of the history held out for validation (0 for none: not validated).")
    ] = 0.2,
    seed: Annotated[int, typer.Option(help="Seed of the held-out split.")] = 0,
    compare: Annotated[
        list[Path] | None, typer.Option(help="A provider's own reference file to validate beside (repeatable).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Report path without suffix (default OUTPUT stem + .report): .json and .html.")
    ] = None,
    partitions: Annotated[int, typer.Option(help="Tally on Dask over this many partitions (0: one core).")] = 0,
    min_records: Annotated[int, typer.Option(help="Records a cluster needs to be derived.")] = 100,
    red_share: Annotated[float, typer.Option(help="Share a must (red) range holds at least.")] = 0.90,
    orange_cell: Annotated[float, typer.Option(help="Share from which a rating is expected (orange).")] = 0.15,
    yellow_cell: Annotated[float, typer.Option(help="Share from which a rating may score (yellow).")] = 0.025,
    interval_method: Annotated[str, typer.Option("--interval", help="wilson or clopper-pearson.")] = "wilson",
) -> None:
    """Derive grids from a clustering history, validate them on a held-out part, write file and report."""
    from carecluster.calibrate.derive import Thresholds
    from carecluster.calibrate.history import HistoryError, read_history
    from carecluster.calibrate.report import render_html
    from carecluster.calibrate.run import calibrate as run_calibration

    base = chosen_reference(ctx, None)
    if interval_method not in ("wilson", "clopper-pearson"):
        fail(f"--interval: {interval_method!r} is not wilson or clopper-pearson")
    if not 0 <= holdout < 1:
        fail(f"--holdout: {holdout} must be at least 0 and below 1")
    others = tuple(chosen_reference(ctx, path) for path in compare or ())
    try:
        history = read_history(history_path, base)
    except HistoryError as error:
        fail(str(error))
    if history.rejects:
        first = history.rejects[0]
        err_console.print(
            f"carecluster: {len(history.rejects)} row(s) left out, e.g. row {first.row}: {first.reason} "
            "(all listed in the report)",
            markup=False,
            soft_wrap=True,
        )
    if not len(history):
        fail(f"{history_path}: no usable rows")
    thresholds = Thresholds(
        min_cluster_records=min_records,
        red_share=red_share,
        orange_cell=orange_cell,
        yellow_cell=yellow_cell,
        method=interval_method,  # type: ignore[arg-type]
    )
    result = run_calibration(
        history,
        base,
        provider=provider,
        id=set_id or f"derived-{_slug(provider)}",
        version=version or datetime.now(UTC).date().isoformat(),
        holdout=holdout,
        seed=seed,
        compare=others,
        thresholds=thresholds,
        partitions=partitions,
    )
    output.write_text(json.dumps(result.derived.reference_file(), indent=2) + "\n", encoding="utf-8")
    stem = str(report or output.with_name(output.stem + ".report"))
    report_json, report_html = Path(stem + ".json"), Path(stem + ".html")
    report_json.write_text(json.dumps(result.report, indent=1) + "\n", encoding="utf-8")
    report_html.write_text(render_html(result.report), encoding="utf-8")
    kept = [c.cluster for c in result.derived.clusters if not c.derived]
    typer.echo(f"wrote {output} ({result.reference.label}); report {report_html} and {report_json.name}")
    if kept:
        typer.echo(f"built-in grids kept for cluster(s) {', '.join(map(str, kept))}: too few records")
    for v in result.report["validation"]:
        typer.echo(
            f"{v['label']}: top-1 {v['top1']:.1%}, top-3 {v['top3']:.1%}, not 'suggested' {v['not_suggested']:.1%} "
            f"on {v['records']} held-out records"
        )
