"""`carecluster report NAME --from --to [--team] --format csv|xlsx|html`: the audit reports for analysts.

Runs straight on the database (as the analyst who holds its URL), so it needs no sign-in; the
web dashboards and the API apply the team-lead and auditor permissions instead.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from carecluster.api import resolve_reference
from carecluster.cli.common import fail
from carecluster.cli.service import existing_database
from carecluster.reports import REPORTS, Filters, build_report
from carecluster.reports.render import FORMATS, render
from carecluster.store.db import Database
from carecluster.store.models import Team
from carecluster.store.private import write_private


def _day(value: str, option: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")


def report(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(REPORTS)}.")],
    date_from: Annotated[str, typer.Option("--from", help="First day of the period, YYYY-MM-DD.")],
    date_to: Annotated[str, typer.Option("--to", help="Last day of the period, YYYY-MM-DD.")],
    team: Annotated[
        list[str] | None, typer.Option("--team", help="Team code or id (repeat for several); default every team.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or html (a self-contained printable page).")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write; default stdout.")] = None,
    database: Annotated[
        str | None, typer.Option("--database-url", help="SQLAlchemy URL; default $CARECLUSTER_DATABASE_URL.")
    ] = None,
    reference: Annotated[str | None, typer.Option("--reference", help="Reference set file.")] = None,
) -> None:
    """Compute an audit report for a period (and teams) and write it as CSV, XLSX or HTML."""
    if name not in REPORTS:
        fail(f"no report {name!r}: one of {', '.join(REPORTS)}")
    if fmt not in FORMATS:
        fail(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    if end < start:
        fail(f"--to: {end} is before --from {start}")
    ref = resolve_reference(reference)
    db = Database(existing_database(database))
    try:
        with db.transaction(write=False) as session:
            team_ids: tuple[int, ...] | None = None
            if team:
                known = {code: tid for tid, code in session.execute(select(Team.id, Team.code))}
                ids = set(known.values())
                team_ids = ()
                for item in team:
                    tid = known.get(item) or (int(item) if item.isdigit() and int(item) in ids else None)
                    if tid is None:
                        fail(f"--team: no team {item!r}")
                    team_ids += (tid,)
            result = build_report(session, name, Filters(date_from=start, date_to=end, team_ids=team_ids), ref)
    finally:
        db.dispose()
    data = render(result, fmt)
    if output is None:
        if fmt == "xlsx" and sys.stdout.isatty():
            fail("--format xlsx writes a binary workbook: give --output FILE")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_private(output, data)
        typer.echo(f"wrote {output} ({len(data):,} bytes)", err=True)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
