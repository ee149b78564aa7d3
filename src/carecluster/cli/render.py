"""Rich renderings for the terminal: results, booklet-like colour grids, cluster pages.

Colour is never the only signal: every grid cell also carries a letter (R, O, Y, -, g) and
the person's rating a symbol, so the output reads on a monochrome terminal or when piped.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from carecluster.domain.grid_fit import tested_row
from carecluster.domain.results import AllocationResult, Candidate, Question
from carecluster.reference.models import COLOUR_NAMES, RATINGS, SCALE_CODES, Cluster, ClusterGrid, ReferenceSet

CELL_STYLE = {
    "must": ("R", "bold white on red3"),
    "expected": ("O", "black on dark_orange"),
    "may": ("Y", "black on yellow"),
    "unlikely": ("-", "dim"),
    "nodata": ("g", "black on grey62"),
}
FIT_STYLE = {"fits": "green", "weaker_fit": "yellow", "unconfirmed": "magenta", "excluded": "red"}
MARK_OK, MARK_ORANGE, MARK_RED = "●", "◆", "✗"


def grid_table(
    reference: ReferenceSet,
    number: int,
    grid: ClusterGrid,
    ratings: list[int] | None = None,
    candidate: Candidate | None = None,
) -> Table:
    """Scales down the side, ratings 0-4 across, cells coloured as in the booklet."""
    title = f"Cluster {number} grid ({grid.provenance.confidence} confidence)"
    table = Table(title=title, title_justify="left", show_lines=False, pad_edge=False)
    table.add_column("Scale", no_wrap=True)
    for r in RATINGS:
        table.add_column(str(r), justify="center", width=3)
    if ratings is not None:
        table.add_column("Rated", justify="center")
        table.add_column("Note")
    red = {f.scale for f in candidate.red_breaches} if candidate else set()
    orange = {f.scale for f in candidate.orange_mismatches} if candidate else set()
    for index, code in enumerate(SCALE_CODES):
        tested = tested_row(code)
        name = reference.mhct.scale(code).name
        label = f"{code:>2} {name[:34]}" + (" *" if code in ("7", "8") else "")
        row_cells: list[Text] = []
        value = ratings[index] if ratings is not None else None
        for r in RATINGS:
            letter, style = CELL_STYLE[grid.cells[code][r]]
            mark = letter
            if value == r:
                mark = MARK_RED if tested in red else MARK_ORANGE if tested in orange else MARK_OK
                style += " bold"
            row_cells.append(Text(f" {mark} ", style=style))
        extra: list[Text] = []
        if ratings is not None:
            shown = "9?" if value == 9 else str(value)
            note = ""
            if tested in red:
                note = "red breach"
            elif tested in orange:
                note = "orange mismatch"
            elif value == 9:
                note = "not known"
            extra = [Text(shown), Text(note, style="red" if tested in red else "yellow")]
        table.add_row(Text(label), *row_cells, *extra)
    table.caption = (
        "R red (must score)  O orange (expected)  Y yellow (may score)  - blank (unlikely)  g grey (no data)\n"
        f"{MARK_OK} rating in range  {MARK_ORANGE} orange mismatch  {MARK_RED} red breach   "
        "* the higher of scales 7 and 8 is tested"
    )
    table.caption_justify = "left"
    return table


def candidates_table(result: AllocationResult, limit: int | None = None) -> Table:
    table = Table(title="Candidates, best first", title_justify="left")
    for column in ("#", "Cluster", "Title", "Super class", "Fit", "Red breaches", "Orange off"):
        table.add_column(column)
    shown = result.candidates if limit is None else result.candidates[:limit]
    for c in shown:
        table.add_row(
            str(c.rank),
            str(c.cluster),
            c.label,
            c.super_class,
            Text(c.fit.replace("_", " "), style=FIT_STYLE[c.fit]),
            ", ".join(f"{f.scale}={'9' if f.rating is None else f.rating}" for f in c.red_breaches) or "-",
            ", ".join(f"{f.scale}={'9' if f.rating is None else f.rating} ({f.distance})" for f in c.orange_mismatches)
            or "-",
        )
    return table


HOW_TO_ANSWER = {
    "fact": "answer with --fact {id}=yes or --fact {id}=no",
    "inferred_rule": "answer with --fact {id}=yes or --fact {id}=no",
    "not_known": "assess the scale and rate it 0-4",
    "tie": "choose between them when you allocate",
}


def questions_view(questions: Sequence[Question]) -> Panel:
    """The open questions, each with how to answer it: the status is not 'suggested' until they are."""
    lines = Text()
    for number, question in enumerate(questions, 1):
        if number > 1:
            lines.append("\n")
        lines.append(f"{number}. {question.text}\n", style="bold")
        lines.append(f"   {HOW_TO_ANSWER[question.kind].format(id=question.id)}", style="dim")
    return Panel(lines, title="Open questions", title_align="left", border_style="yellow", expand=False)


def result_view(result: AllocationResult, reference: ReferenceSet, all_candidates: bool = False) -> Group:
    colour = {"suggested": "green", "needs_answers": "yellow", "variance": "red", "needs_further_assessment": "magenta"}
    status = result.status.replace("_", " ")
    head = Text.assemble(
        ("Suggested cluster ", "bold"),
        (f"{result.suggested_cluster}", "bold " + colour[result.status]),
        (f" - {result.suggested_label}", "bold"),
        (f"   [{status}]", colour[result.status]),
    )
    if result.super_class:
        head.append(f"\nSuper class: {result.super_class}")
    parts: list[RenderableType] = [Panel(head, expand=False), Text(result.explanation)]
    if result.questions:
        parts.append(questions_view(result.questions))
    if result.warnings:
        parts.append(Text("\n".join(f"! {w}" for w in result.warnings), style="yellow"))
    parts.append(candidates_table(result, None if all_candidates else 8))
    shown = result.suggested_cluster or (result.candidates[0].cluster if result.candidates else 0)
    if shown:
        parts.append(grid_table(reference, shown, reference.grids[shown], result.ratings, result.candidate(shown)))
    parts.append(
        Text(
            f"Reference set: {result.reference_id} {result.reference_version} - {result.reference_name}\n"
            f"{result.disclaimer}",
            style="dim",
        )
    )
    return Group(*parts)


def clusters_table(reference: ReferenceSet) -> Table:
    table = Table(title=f"Care clusters ({reference.id} {reference.version})", title_justify="left")
    for column in ("No.", "Title", "Super class", "Review at least every", "Indicative episode", "Grid"):
        table.add_column(column)
    for c in reference.clusters:
        grid = reference.grids.get(c.number)
        table.add_row(
            str(c.number),
            c.title + ("" if c.allocatable else " (never allocated)"),
            c.super_class,
            str(c.review_interval) if c.review_interval else "-",
            c.indicative_episode.text if c.indicative_episode else "-",
            f"{grid.provenance.confidence} confidence" if grid else "none",
        )
    return table


def cluster_view(reference: ReferenceSet, cluster: Cluster) -> Group:
    lines = Text()
    lines.append(f"Cluster {cluster.number}: {cluster.title}\n", style="bold")
    lines.append(f"Super class: {cluster.super_class}\n")
    if not cluster.allocatable:
        lines.append("Never suggested or allocated.\n", style="red")
    lines.append(f"\n{cluster.description}\n")
    for label, value in (("Impairment", cluster.impairment), ("Risk", cluster.risk), ("Course", cluster.course)):
        if value:
            lines.append(f"{label}: ", style="bold")
            lines.append(f"{value}\n")
    if cluster.likely_diagnoses:
        lines.append("Likely primary diagnoses: ", style="bold")
        lines.append(", ".join(f"{d.code} {d.label}" for d in cluster.likely_diagnoses) + "\n")
    if cluster.unlikely_diagnoses:
        lines.append("Unlikely primary diagnoses: ", style="bold")
        lines.append(", ".join(f"{d.code} {d.label}" for d in cluster.unlikely_diagnoses) + "\n")
    if cluster.review_interval:
        lines.append("Review at least every: ", style="bold")
        lines.append(f"{cluster.review_interval}\n")
    if cluster.indicative_episode:
        lines.append("Indicative episode of care: ", style="bold")
        lines.append(f"{cluster.indicative_episode.text}\n")
    t = cluster.transitions
    if t:
        lines.append("Transitions at review: ", style="bold")

        def listed(ns: tuple[int, ...]) -> str:
            return ", ".join(map(str, ns)) or "none"

        lines.append(
            f"step up {listed(t.step_up)}; similar {listed(t.similar)}; step down {listed(t.step_down)}; "
            f"rare {listed(t.rare)}; discharge {'possible' if t.discharge else 'not listed'}\n"
        )
        lines.append(f"({t.provenance.note})\n", style="dim")
    parts: list[RenderableType] = [lines]
    grid = reference.grids.get(cluster.number)
    if grid is not None:
        parts.append(grid_table(reference, cluster.number, grid))
        parts.append(Text(f"Grid source: {grid.provenance.source}", style="dim"))
    return Group(*parts)


def colour_legend() -> str:
    return ", ".join(f"{k} = {v}" for k, v in COLOUR_NAMES.items())
