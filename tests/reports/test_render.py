"""CSV, XLSX and self-contained HTML, through `carecluster report` on a real database file."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from carecluster.cli.main import app
from carecluster.store import migrate
from carecluster.store.db import Database
from tests.reports.known import build_known


def _database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    migrate.upgrade(url)
    db = Database(url)
    build_known(db)
    db.dispose()
    return url


def test_report_command_writes_csv_xlsx_and_self_contained_html(tmp_path: Path) -> None:
    url = _database(tmp_path)
    runner = CliRunner()
    base = ["report", "accuracy", "--from", "2026-01-01", "--to", "2026-06-30", "--database-url", url]

    result = runner.invoke(app, [*base, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    header = rows.index(
        ["measure", "label", "dimension", "key", "group", "numerator", "denominator", "share", "mean_value"]
    )
    overall = {r[0]: (r[5], r[6]) for r in rows[header + 1 :] if len(r) > 2 and r[2] == "all"}
    assert overall["agreement"] == ("5", "9")
    assert overall["red_breach"] == ("1", "9")

    team = runner.invoke(app, [*base, "--team", "B", "--format", "csv"])
    assert team.exit_code == 0, team.output
    assert "agreement,Chosen cluster agrees with the engine's suggestion,all,,All,2,3," in team.stdout

    out = tmp_path / "accuracy.xlsx"
    assert runner.invoke(app, [*base, "--format", "xlsx", "-o", str(out)]).exit_code == 0
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        workbook = z.read("xl/workbook.xml").decode()
        assert 'name="About"' in workbook
        assert 'name="Measures"' in workbook
        sheet = z.read("xl/worksheets/sheet2.xml").decode()
        assert "<v>5</v>" in sheet
        assert "agreement" in sheet

    page = tmp_path / "timeliness.html"
    timeliness = ["report", "timeliness", "--from", "2026-01-01", "--to", "2026-06-30", "--database-url", url]
    assert runner.invoke(app, [*timeliness, "--format", "html", "-o", str(page)]).exit_code == 0
    html = page.read_text()
    assert "<style>" in html
    assert "<svg" in html
    assert "@media print" in html
    assert "<script" not in html
    assert "<link" not in html
    assert set(re.findall(r'(?:src|href)="([^"]*)"', html)) == set()  # nothing fetched, no links in a file
    assert "Reviews overdue at the end of the period" in html
    assert "508" in html

    bad = runner.invoke(
        app, ["report", "nonsense", "--from", "2026-01-01", "--to", "2026-06-30", "--database-url", url]
    )
    assert bad.exit_code == 2
    assert "no report" in bad.output
    backwards = runner.invoke(
        app, ["report", "drift", "--from", "2026-06-30", "--to", "2026-01-01", "--database-url", url]
    )
    assert backwards.exit_code == 2
    unknown_team = runner.invoke(app, [*base, "--team", "Z"])
    assert unknown_team.exit_code == 2
    assert "no team" in unknown_team.output


def test_pages_link_each_transition_pair_to_its_cell_and_files_do_not(tmp_path: Path) -> None:
    from carecluster import builtin_reference
    from carecluster.reports import Filters, build_report
    from carecluster.reports.render import html_body, to_html

    db = Database(_database(tmp_path))
    try:
        with db.transaction(write=False) as session:
            report = build_report(
                session,
                "transitions",
                Filters(date_from=date(2026, 1, 1), date_to=date(2026, 6, 30)),
                builtin_reference(),
            )
    finally:
        db.dispose()
    asked = []

    def link(measure: str, which: str, dimension: str | None, key: str | None, from_cluster: int | None = None) -> str:
        asked.append((measure, which, dimension, key, from_cluster))
        return f"/drill/{measure}/{from_cluster}-{key}"

    page = html_body(report, link=link)
    assert ("moves", "numerator", "cluster", "10", 11) in asked
    assert 'href="/drill/moves/11-10" aria-label="from 11, to 10: 1 moves, list them"' in page
    assert "/drill/moves/11-10" not in to_html(report)  # a file links to no page
