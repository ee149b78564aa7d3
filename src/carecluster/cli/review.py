"""`carecluster review` and `carecluster schedule`: the care transition protocols and review dates."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from carecluster.api import review as api_review
from carecluster.api import schedule as api_schedule
from carecluster.cli.common import ReferenceOption, chosen_reference, console, fail
from carecluster.domain.protocols import ReviewError, ReviewResult, SuggestedCluster
from carecluster.domain.ratings import RatingError
from carecluster.domain.schedule import ScheduleError, ScheduleResult

STATUS_STYLE = {"met": "green", "not_met": "red", "needs_answer": "magenta"}
OUTCOME_STYLE = {
    "step_up": "bold yellow",
    "discharge": "bold green",
    "step_down": "bold cyan",
    "no_change": "bold",
    "needs_answers": "bold magenta",
}


def parse_date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not a date (use YYYY-MM-DD)")


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        fail(f"{what} {path}: cannot read the file: {error.strerror or error}")
    except json.JSONDecodeError as error:
        fail(f"{what} {path}: not valid JSON: {error}")


def _facts(path: Path | None, inline: list[str]) -> dict[str, object]:
    facts: dict[str, object] = {}
    if path is not None:
        data = _read_json(path, "facts file")
        if not isinstance(data, dict):
            fail(f"facts file {path}: expected an object of question id -> yes / no / unknown")
        facts.update(data)
    for item in inline:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"--fact {item!r}: use ID=yes, ID=no or ID=unknown")
        facts[key.strip()] = value.strip()
    return facts


def _history(path: Path | None) -> list[dict[str, Any]]:
    if path is None:
        return []
    data = _read_json(path, "history file")
    if not isinstance(data, list):
        fail(f"history file {path}: expected a list of {{date, ratings, cluster}} objects")
    return data


def review_view(result: ReviewResult) -> Group:
    head = Text.assemble(
        ("Review of cluster ", "bold"),
        (f"{result.current_cluster} - {result.current_label}\n", "bold"),
        ("Outcome: ", "bold"),
        (result.outcome.replace("_", " "), OUTCOME_STYLE[result.outcome]),
        f"\n{result.outcome_text}",
    )
    table = Table(title="Criteria, in the booklet's order", title_justify="left")
    for column in ("Step", "Criterion", "Status", "Why"):
        table.add_column(column)
    for criterion in result.criteria:
        table.add_row(
            criterion.step.replace("_", "-"),
            criterion.text,
            Text(criterion.status.replace("_", " "), style=STATUS_STYLE[criterion.status]),
            criterion.reason,
        )
        for part in criterion.parts:
            table.add_row(
                "",
                f"  - {part.text}",
                Text(part.status.replace("_", " "), style=STATUS_STYLE[part.status]),
                part.reason,
            )
    parts: list[RenderableType] = []
    if result.engine_check is not None:
        # first and boxed: the protocol's answer must never be read without it
        parts.append(
            Panel(
                Text(result.engine_check.message, style="bold"),
                title="WARNING: today's rating points to another cluster",
                border_style="bold red",
                expand=False,
            )
        )
    parts += [Panel(head, expand=False), table]
    for title, clusters in (
        ("Suggested clusters (today's rating fits them)", result.suggested_clusters),
        ("No listed cluster fits well - nearest, for a clinical decision", result.nearest_clusters),
    ):
        if clusters:
            parts.append(_clusters_table(title, clusters))
    if result.questions:
        parts.append(Text("\n".join(_question_lines(result)), style="magenta"))
    if result.chosen_cluster is not None:
        line = f"Chosen cluster {result.chosen_cluster}: transition {result.transition_likelihood}."
        if result.reason_required:
            line += " A reason must be recorded: " + "; ".join(result.reason_required_because) + "."
        parts.append(Text(line, style="yellow" if result.reason_required else ""))
    for warning in result.warnings:
        parts.append(Text(f"! {warning}", style="yellow"))
    parts.append(
        Text(
            f"Engine suggestion for the new rating: cluster {result.engine_suggestion}. "
            f"Reference set: {result.reference_id} {result.reference_version}. The clinician decides.",
            style="dim",
        )
    )
    return Group(*parts)


def _clusters_table(title: str, clusters: list[SuggestedCluster]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("Cluster", "Title", "Fit", "Red breaches", "Orange off", "Transition", "Mismatches"):
        table.add_column(column)
    for s in clusters:
        table.add_row(
            str(s.cluster),
            s.label,
            s.fit.replace("_", " "),
            str(s.red_breaches),
            str(s.orange_mismatches),
            s.transition.replace("_", " "),
            "; ".join(s.mismatches) or "-",
        )
    return table


def _question_lines(result: ReviewResult) -> list[str]:
    """The open questions, each with how to answer it from the command line."""
    lines = ["Open questions:"]
    for q in result.questions:
        if q.kind == "not_known":
            lines.append(f"  {q.id}: {q.text} (change it in the RATINGS argument)")
        else:
            lines.append(f"  {q.id}: {q.text} (answer with --fact {q.id}=yes|no)")
    return lines


def schedule_view(result: ScheduleResult) -> Text:
    text = Text()
    text.append(f"Cluster {result.cluster} - {result.cluster_label}\n", style="bold")
    text.append(f"Allocated {result.allocated}; reviews at least every {result.review_interval}.\n")
    text.append("Next review due: ", style="bold")
    text.append(f"{result.next_review_due}")
    if result.overdue:
        text.append(f"  OVERDUE by {result.days_overdue} day(s) on {result.on}\n", style="bold red")
    else:
        text.append(f"  ({result.days_until_due} day(s) from {result.on})\n")
    if result.indicative_episode:
        text.append(f"Indicative episode of care: {result.indicative_episode}")
        if result.episode_ends:
            state = "exceeded" if result.episode_exceeded else "not exceeded"
            text.append(
                f" (to {result.episode_ends}; {state} on {result.on})", style="red" if result.episode_exceeded else ""
            )
        else:
            text.append(" (open-ended)")
        text.append("\n")
    text.append(f"Reference set: {result.reference_id} {result.reference_version}", style="dim")
    return text


def register(app: typer.Typer) -> None:
    @app.command()
    def review(
        ctx: typer.Context,
        ratings: Annotated[str, typer.Argument(help="The new MHCT: 18 ratings, scales 1-13 then A-E; 9 = not known.")],
        current: Annotated[int, typer.Option("--current", "-c", help="The current cluster (0-21).")],
        facts: Annotated[
            Path | None, typer.Option("--facts", help="JSON object: question id -> yes / no / unknown.")
        ] = None,
        fact: Annotated[
            list[str] | None, typer.Option("--fact", help="One answer, ID=yes|no|unknown (repeatable).")
        ] = None,
        history: Annotated[
            Path | None,
            typer.Option("--history", help="JSON list of earlier ratings: {date, ratings, cluster}."),
        ] = None,
        on: Annotated[str | None, typer.Option("--on", help="Review date, YYYY-MM-DD (default: today).")] = None,
        chosen: Annotated[int | None, typer.Option("--chosen", help="The cluster the clinician chooses.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
        reference: ReferenceOption = None,
    ) -> None:
        """Apply the current cluster's care transition protocol: step-up, discharge, step-down, or stay."""
        ref = chosen_reference(ctx, reference)
        review_date = parse_date(on, "--on") or dt.date.today()
        answers = _facts(facts, fact or [])
        past = _history(history)
        try:
            result = api_review(
                current,
                ratings,
                facts=answers,
                history=past,
                on=review_date,
                chosen_cluster=chosen,
                reference=ref,
            )
        except (RatingError, ReviewError) as error:
            fail(str(error))
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            fail(f"history file: item {where}: {first['msg'].removeprefix('Value error, ')}")
        if as_json:
            sys.stdout.write(result.model_dump_json(indent=2) + "\n")
            return
        console.print(review_view(result))

    @app.command()
    def schedule(
        ctx: typer.Context,
        cluster: Annotated[int, typer.Option("--cluster", help="The allocated cluster (0-21).")],
        allocated: Annotated[str, typer.Option("--allocated", help="Allocation date, YYYY-MM-DD.")],
        on: Annotated[str | None, typer.Option("--on", help="The date to check, YYYY-MM-DD (default: today).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
        reference: ReferenceOption = None,
    ) -> None:
        """When the next review is due, whether it is overdue, and the indicative episode of care."""
        ref = chosen_reference(ctx, reference)
        allocated_date = parse_date(allocated, "--allocated")
        assert allocated_date is not None
        check_date = parse_date(on, "--on") or max(dt.date.today(), allocated_date)
        try:
            result = api_schedule(cluster, allocated_date, check_date, reference=ref)
        except ScheduleError as error:
            fail(str(error))
        if as_json:
            sys.stdout.write(result.model_dump_json(indent=2) + "\n")
            return
        console.print(schedule_view(result))
