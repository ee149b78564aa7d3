"""The `carecluster` command: allocate, browse clusters, check and swap reference sets.

Exit codes: 0 success, 1 a reference check found faults, 2 invalid input (a one-line message
on stderr that names the scale and the value, or the file and the fault).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from carecluster.api import allocate as api_allocate
from carecluster.cli import render
from carecluster.cli.common import ReferenceOption, chosen_reference, console, err_console, fail
from carecluster.cli.demo import DEMO_PROFILES
from carecluster.cli.errors import OneLineGroup
from carecluster.domain.allocation import AllocationError
from carecluster.domain.ratings import RatingError, Ratings
from carecluster.reference import ReferenceError, builtin_reference, diff_reference
from carecluster.reference.csv_grids import grids_to_csv
from carecluster.reference.loader import overlay, read_reference_file, same_as_inferred

app = typer.Typer(
    name="carecluster",
    help="MHCT v3.1 ratings to explained care cluster suggestions (a draft aid: the clinician decides).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=OneLineGroup,
)
reference_app = typer.Typer(help="Check, show and export reference sets (grids, clusters, decision tree).")
app.add_typer(reference_app, name="reference")


class SuperClassChoice(StrEnum):
    non_psychotic = "non-psychotic"
    psychotic = "psychotic"
    organic = "organic"


@app.callback()
def main(ctx: typer.Context, reference: ReferenceOption = None) -> None:
    """Start-up: the settings are read from the environment once, here; a bad one is one line and exit 2."""
    from carecluster.settings import SettingsError, load_settings

    try:
        load_settings()
    except SettingsError as error:
        fail(str(error))
    ctx.obj = {"reference": reference}


def _ratings_from_file(path: Path) -> tuple[object, dict[str, object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        fail(f"{path}: cannot read the file: {error.strerror or error}")
    except json.JSONDecodeError as error:
        fail(f"{path}: not valid JSON: {error}")
    if isinstance(data, dict) and "ratings" in data:
        extra = {
            k: data[k] for k in ("problem_type", "problem_description", "super_class", "heading", "facts") if k in data
        }
        unknown = set(data) - {"ratings", *extra}
        if unknown:
            fail(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
        return data["ratings"], extra
    return data, {}


@app.command()
def allocate(
    ctx: typer.Context,
    ratings: Annotated[
        str | None,
        typer.Argument(help="18 ratings, scales 1-13 then A-E, comma-separated; 9 = not known. E.g. 0,1,0,...,1"),
    ] = None,
    super_class: Annotated[
        SuperClassChoice | None,
        typer.Option("--super-class", "-s", help="The clinician's decision-tree answer."),
    ] = None,
    heading: Annotated[
        str | None, typer.Option("--heading", help="The decision tree's next heading, e.g. B3 or 'Psychotic crisis'.")
    ] = None,
    problem_type: Annotated[str | None, typer.Option("--problem-type", help="Scale 8 problem type A-J.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read ratings from JSON: a list, a mapping, or {ratings: ...}.")
    ] = None,
    fact: Annotated[
        list[str] | None,
        typer.Option(
            "--fact",
            help="Answer an open question: ID=yes or ID=no (e.g. first_presentation_psychosis=no). Repeatable.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (the API contract).")] = False,
    all_candidates: Annotated[
        bool, typer.Option("--all", help="Show every candidate, not just the best eight.")
    ] = False,
    reference: ReferenceOption = None,
) -> None:
    """Suggest a care cluster for one MHCT rating, with its status, open questions, reasons and grid."""
    extra: dict[str, object] = {}
    if file is not None and ratings is not None:
        fail("give the ratings either as an argument or with --file, not both")
    if file is not None:
        raw, extra = _ratings_from_file(file)
    elif ratings is not None:
        raw = ratings
    else:
        fail("no ratings given: pass 18 comma-separated ratings, or --file FILE")
    ref = chosen_reference(ctx, reference)
    try:
        rated = Ratings.of(
            raw,  # type: ignore[arg-type]
            problem_type=problem_type or extra.get("problem_type"),  # type: ignore[arg-type]
            problem_description=extra.get("problem_description"),  # type: ignore[arg-type]
        )
        sc = super_class.value if super_class else extra.get("super_class")
        answers = {**(_facts_from_file(extra.get("facts"))), **parse_fact_options(fact or [])}
        result = api_allocate(rated, sc, ref, heading=heading or extra.get("heading"), facts=answers)  # type: ignore[arg-type]
    except (RatingError, AllocationError) as error:
        fail(str(error))
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    console.print(render.result_view(result, ref, all_candidates=all_candidates))


def parse_fact_options(options: list[str]) -> dict[str, str]:
    """`ID=yes` options as a mapping; the engine checks the ids and answers."""
    answers: dict[str, str] = {}
    for option in options:
        ident, sep, answer = option.partition("=")
        if not sep or not ident.strip() or not answer.strip():
            raise AllocationError(f"--fact {option!r}: write it as ID=yes or ID=no")
        answers[ident.strip()] = answer.strip()
    return answers


def _facts_from_file(facts: object) -> dict[str, object]:
    if facts is None:
        return {}
    if not isinstance(facts, dict):
        raise AllocationError('"facts" in the file must be an object of ID: "yes" or "no"')
    return {str(k): v for k, v in facts.items()}


@app.command()
def clusters(
    ctx: typer.Context,
    number: Annotated[int | None, typer.Argument(help="A cluster number 0-21 to show in full.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reference data as JSON.")] = False,
    reference: ReferenceOption = None,
) -> None:
    """List the care clusters, or show one cluster's page: description, grid, review, transitions."""
    ref = chosen_reference(ctx, reference)
    if number is None:
        if as_json:
            sys.stdout.write(json.dumps([c.model_dump() for c in ref.clusters], indent=2) + "\n")
            return
        console.print(render.clusters_table(ref))
        return
    if not 0 <= number <= 21:
        fail(f"cluster {number} does not exist: clusters are numbered 0-21")
    cluster = ref.cluster(number)
    if as_json:
        grid = ref.grids.get(number)
        payload = {"cluster": cluster.model_dump(), "grid": grid.model_dump() if grid else None}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    console.print(render.cluster_view(ref, cluster))


@app.command()
def demo(ctx: typer.Context, reference: ReferenceOption = None) -> None:
    """Allocate a few example profiles and show one in full: a tour of what carecluster does."""
    ref = chosen_reference(ctx, reference)
    console.rule("carecluster demo: suggested clusters for example MHCT profiles")
    table = render.Table(title="Example profiles (ratings: scales 1-13, A-E)", title_justify="left")
    for column in ("Profile", "Ratings", "Super class", "Suggested", "Status"):
        table.add_column(column)
    for name, ratings, super_class in DEMO_PROFILES:
        result = api_allocate(ratings, super_class, ref)
        table.add_row(
            name,
            ratings,
            super_class or "(not given)",
            f"{result.suggested_cluster} {result.suggested_label}",
            result.status.replace("_", " "),
        )
    console.print(table)
    name, ratings, super_class = DEMO_PROFILES[0]
    console.rule(f"In full: {name}")
    console.print(f"$ carecluster allocate {ratings} --super-class {super_class}")
    console.print(render.result_view(api_allocate(ratings, super_class, ref), ref))
    console.print("\nTry: carecluster allocate --help | carecluster clusters 14 | carecluster reference check FILE")


# --- reference -------------------------------------------------------------------------------


@reference_app.command("check")
def reference_check(
    file: Annotated[Path, typer.Argument(help="A provider's reference file: JSON, or CSV grids.")],
    limit: Annotated[int, typer.Option(help="Show at most this many changed cells.")] = 400,
) -> None:
    """Validate a reference file and show how it differs from the built-in set, cell by cell."""
    if not file.is_file():
        fail(f"{file}: no such file")
    try:
        provider = read_reference_file(file)
        candidate = overlay(builtin_reference(), provider, str(file))
    except ReferenceError as error:
        err_console.print(f"carecluster: {file}: {len(error.problems)} problem(s)", markup=False, soft_wrap=True)
        for problem in error.problems:
            err_console.print(f"  - {problem}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    base = builtin_reference()
    diff = diff_reference(base, candidate)
    console.print(f"[green]valid[/green]: {candidate.id} {candidate.version} - {candidate.name}")
    console.print(
        f"grids replaced: {', '.join(map(str, diff.replaced_grids)) or 'none'}; "
        f"built-in grids kept: {', '.join(map(str, diff.kept_grids)) or 'none'}"
    )
    kept_low = [n for n in diff.kept_grids if base.grids[n].provenance.confidence == "low"]
    if kept_low:
        console.print(
            f"[yellow]note[/yellow]: clusters {', '.join(map(str, kept_low))} keep the built-in inferred "
            "(low-confidence) grids"
        )
    for number, note in same_as_inferred(base, provider):
        console.print(f"[yellow]warning[/yellow]: cluster {number}: {note}")
    if diff.identical:
        console.print("[yellow]warning[/yellow]: no differences from the built-in (inferred) set")
        return
    console.print(f"{len(diff.cells)} grid cell(s) differ from {base.id} {base.version}:")
    table = render.Table(show_header=True)
    for column in ("Cluster", "Scale", "Rating", "Built-in", "This file"):
        table.add_column(column)
    for change in diff.cells[:limit]:
        table.add_row(str(change.cluster), change.scale, str(change.rating), change.before or "-", change.after or "-")
    console.print(table)
    if len(diff.cells) > limit:
        console.print(f"... and {len(diff.cells) - limit} more (use --limit)")
    for field_change in diff.fields:
        console.print(f"{field_change.part}: {field_change.field} differs")


@reference_app.command("diff")
def reference_diff(
    file: Annotated[Path, typer.Argument(help="A provider's reference file: JSON, or CSV grids.")],
    limit: Annotated[int, typer.Option(help="Show at most this many changed cells.")] = 400,
) -> None:
    """Show each grid cell a reference file changes from the built-in set (the same check as `check`)."""
    reference_check(file, limit)


@reference_app.command("show")
def reference_show(ctx: typer.Context, reference: ReferenceOption = None) -> None:
    """Say which reference set is in use, and the source and confidence of each part."""
    ref = chosen_reference(ctx, reference)
    console.print(f"[bold]{ref.id} {ref.version}[/bold] - {ref.name}")
    if ref.description:
        console.print(ref.description)
    console.print(f"MHCT {ref.mhct.version}: {ref.mhct.provenance.source} ({ref.mhct.provenance.confidence})")
    console.print(f"Decision tree: {ref.decision_tree.provenance.confidence} confidence")
    by_confidence: dict[str, list[int]] = {}
    for number, grid in sorted(ref.grids.items()):
        by_confidence.setdefault(grid.provenance.confidence, []).append(number)
    for level, numbers in by_confidence.items():
        console.print(f"Grids of {level} confidence: clusters {', '.join(map(str, numbers))}")


DRAFT_NAME = "DRAFT copy of the grids in use: correct each cell from the official booklet"
DRAFT_SOURCE = (
    "draft copy of carecluster's grids, not yet checked against the booklet: when corrected, name the booklet "
    "edition and page here and set confidence to high"
)


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


@reference_app.command("export")
def reference_export(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="csv: grids only, one row per cell.")
    ] = ExportFormat.csv,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    reference: ReferenceOption = None,
) -> None:
    """Export the grids in use: a template a clustering lead corrects from the printed booklet."""
    ref = chosen_reference(ctx, reference)
    if fmt is ExportFormat.csv:
        text = grids_to_csv(
            ref.grids,
            meta={
                "id": "my-trust-grids",
                "version": "1",
                "name": DRAFT_NAME,
                "source": DRAFT_SOURCE,
                "confidence": "low",
            },
        )
    else:
        payload = {
            "id": "my-trust-grids",
            "version": "1",
            "name": DRAFT_NAME,
            "provenance": {"source": DRAFT_SOURCE, "confidence": "low"},
            "grids": {str(n): {"cells": g.cells} for n, g in sorted(ref.grids.items())},
        }
        text = json.dumps(payload, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")


# --- commands kept in modules of their own --------------------------------------------------
# Each such module defines `register(app: typer.Typer) -> None`; list it here.
COMMAND_MODULES: tuple[str, ...] = (
    "carecluster.cli.review",
    "carecluster.cli.service",
    "carecluster.cli.interop",
    "carecluster.cli.batch",
    "carecluster.cli.ops",
    "carecluster.cli.report",
    "carecluster.cli.users",
    "carecluster.cli.calibrate",
    "carecluster.cli.currency",
)


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_commands()


if __name__ == "__main__":  # pragma: no cover
    app()
