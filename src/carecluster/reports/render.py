"""Reports as CSV (for analysts' tools), XLSX (a workbook written with the standard library) and
HTML (one self-contained, printable file: inline CSS and SVG, no scripts, no external assets).

The web dashboards reuse `html_body` inside the site's layout, passing `link` so that every
numerator and breakdown cell drills down to the service users behind it.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from html import escape
from importlib import resources
from typing import Any, Protocol

from carecluster.reports.charts import REFERENCE_FILL, bar_chart, heat_map, line_chart
from carecluster.reports.models import Cell, Drill, Group, Measure, Report, Table
from carecluster.spreadsheet import safe_row


class Link(Protocol):
    """(measure id, which: numerator | denominator | rest, dimension, key[, from_cluster]) -> URL of the drill-down."""

    def __call__(
        self, measure: str, which: str, dimension: str | None, key: str | None, from_cluster: int | None = None
    ) -> str: ...


FORMATS = ("csv", "xlsx", "html")


# --- CSV ----------------------------------------------------------------------------------


def _period(report: Report) -> str:
    f = report.filters
    if report.scope:
        return f"{f.date_from} to {f.date_to}, {report.scope}"
    teams = "all teams" if f.team_ids is None else "teams " + ", ".join(map(str, f.team_ids))
    who = f", clinician {f.clinician_id}" if f.clinician_id is not None else ""
    return f"{f.date_from} to {f.date_to}, {teams}{who}"


def measure_rows(report: Report) -> list[list[Cell]]:
    """Every measure, overall and by team, clinician and cluster, in long form."""
    rows: list[list[Cell]] = []
    for m in report.measures:
        rows.append([m.id, m.label, "all", "", "All", m.numerator, m.denominator, m.share, m.mean_value])
        for dim, groups in (("team", m.by_team), ("clinician", m.by_clinician), ("cluster", m.by_cluster)):
            for g in groups:
                rows.append([m.id, m.label, dim, g.key, g.label, g.numerator, g.denominator, g.share, g.mean_value])
    return rows


MEASURE_COLUMNS = ["measure", "label", "dimension", "key", "group", "numerator", "denominator", "share", "mean_value"]


class _SafeWriter:
    """A csv writer whose every cell goes through `safe_cell`: names and free text typed by users
    reach these files, and a spreadsheet must show them, never run them."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Sequence[Any]) -> None:
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow([f"# {report.title}: {_period(report)}; reference set {report.reference}"])
    for note in report.notes:
        writer.writerow([f"# {note}"])
    if report.measures:
        writer.writerow(MEASURE_COLUMNS)
        writer.writerows(measure_rows(report))
    for table in report.tables:
        writer.writerow([])
        writer.writerow([f"# table {table.id}: {table.title}"])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
    return out.getvalue()


DRILL_COLUMNS = ["service_user_id", "name", "nhs_number", "team", "clinician", "cluster", "date", "value", "detail"]


def drill_csv(drill: Drill) -> str:
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow(DRILL_COLUMNS)
    for r in drill.rows:
        writer.writerow(
            [r.service_user_id, r.name, r.nhs_number, r.team, r.clinician, r.cluster, r.on, r.value, r.detail]
        )
    return out.getvalue()


# --- XLSX (SpreadsheetML in a zip: enough for numbers and text, no styles) ------------------


def _col(n: int) -> str:
    name = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _sheet(rows: Sequence[Sequence[Any]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>']
    out.append('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for i, row in enumerate(rows, start=1):
        out.append(f'<row r="{i}">')
        for j, value in enumerate(row):
            ref = f"{_col(j)}{i}"
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                out.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                out.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:
                text = escape(_XML_BAD.sub("", str(value)), quote=False)
                out.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", name)[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" {n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def to_xlsx(report: Report) -> bytes:
    """One sheet 'About' (period, notes), one 'Measures' (long form) and one per table."""
    sheets: list[tuple[str, list[list[Any]]]] = []
    about = [[report.title], ["Period and scope", _period(report)], ["Reference set", report.reference]]
    about += [["Note", note] for note in report.notes]
    sheets.append(("About", about))
    if report.measures:
        sheets.append(("Measures", [MEASURE_COLUMNS, *measure_rows(report)]))
    for table in report.tables:
        sheets.append((table.id, [[table.title], table.columns, *table.rows]))
    used: set[str] = set()
    names = [_sheet_name(name, used) for name, _ in sheets]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(
                f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, start=1)
            )
            + "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sheets) + 1)
            )
            + "</Relationships>",
        )
        for i, (_name, rows) in enumerate(sheets, start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", _sheet(rows))
    return buffer.getvalue()


# --- HTML -----------------------------------------------------------------------------------

CSS = (resources.files("carecluster.web") / "static" / "report.css").read_text(encoding="utf-8")
"""The reports' style sheet: served as /static/report.css to the dashboards (the pages' Content
Security Policy allows no inline style) and written inline into the self-contained HTML file."""


def _fmt(value: Cell, percent: bool = False) -> str:
    if value is None:
        return ""
    if percent and isinstance(value, int | float):
        return f"{value:.1%}"
    if isinstance(value, float):
        if 0 < abs(value) < 0.001:
            return f"{value:.2e}"
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _a(url: str | None, text: str, label: str) -> str:
    if not url:
        return escape(text)
    return f'<a href="{escape(url)}" aria-label="{escape(label)}">{escape(text)}</a>'


def _measure_html(m: Measure, link: Link | None) -> str:
    def url(which: str, dim: str | None = None, key: str | None = None) -> str | None:
        return link(m.id, which, dim, key) if link else None

    share = _fmt(m.share, True) if m.share is not None else "no data"
    mean = f"; mean {m.value_label}: {_fmt(m.mean_value)}" if m.value_label and m.mean_value is not None else ""
    if m.numerator_label == m.denominator_label:
        # a count, not a share: "100% 40 clustered of 40 clustered" says nothing
        count = _a(url("numerator"), str(m.numerator), f"{m.numerator} {m.numerator_label}: list them")
        head = f'<p class="cc-headline"><strong>{count}</strong> {escape(m.numerator_label)}{escape(mean)}</p>'
    else:
        head = (
            f'<p class="{"cc-meta" if m.headline else "cc-headline"}"><strong>{share}</strong> '
            f"{_a(url('numerator'), str(m.numerator), f'{m.numerator} {m.numerator_label}: list them')} "
            f"{escape(m.numerator_label)} of "
            f"{_a(url('denominator'), str(m.denominator), f'{m.denominator} {m.denominator_label}: list them')} "
            f"{escape(m.denominator_label)}{escape(mean)}"
            + (
                f' <span class="cc-noprint">({_a(url("rest"), f"the other {m.denominator - m.numerator}", f"the other {m.denominator - m.numerator}, not counted: list them")})</span>'
                if link and m.numerator != m.denominator
                else ""
            )
            + "</p>"
        )
    if m.headline:
        head = f'<p class="cc-headline cc-finding">{escape(m.headline)}</p>' + head
    parts = [f'<section class="cc-measure" id="m-{escape(m.id)}"><h3>{escape(m.label)}</h3>', head]
    parts.append(f'<p class="cc-note">{escape(m.definition)}</p>')
    showing_share = m.numerator_label != m.denominator_label
    for dim, groups, title in (
        ("team", m.by_team, "by team"),
        ("cluster", m.by_cluster, "by cluster"),
        ("clinician", m.by_clinician, "by clinician"),
    ):
        if not groups:
            continue
        if dim != "clinician" and len(groups) > 1:
            if showing_share:
                parts.append(bar_chart(f"{m.label} {title}", [(g.label, g.share) for g in groups], share=True))
            elif m.value_label:
                parts.append(
                    bar_chart(f"Mean {m.value_label} {title}", [(g.label, g.mean_value) for g in groups], share=False)
                )
        parts.append(_group_table(m, dim, groups, title, url))
    parts.append("</section>")
    return "".join(parts)


def _group_table(m: Measure, dim: str, groups: Sequence[Group], title: str, url: Any) -> str:
    mean_head = f'<th scope="col">Mean {escape(m.value_label)}</th>' if m.value_label else ""
    out = [
        f'<div class="cc-scroll" tabindex="0"><table class="cc-breakdown" data-dimension="{dim}"><caption>{escape(m.label)} {escape(title)}</caption>'
        f'<thead><tr><th scope="col">{escape(dim.capitalize())}</th><th scope="col">{escape(m.numerator_label)}</th>'
        f'<th scope="col">{escape(m.denominator_label)}</th><th scope="col">Share</th>{mean_head}</tr></thead><tbody>'
    ]
    for g in groups:
        mean = f'<td class="cc-num">{_fmt(g.mean_value)}</td>' if m.value_label else ""
        out.append(
            f'<tr><th scope="row">{escape(g.label)}</th>'
            f'<td class="cc-num">{_a(url("numerator", dim, g.key), str(g.numerator), f"{g.label}: {g.numerator} {m.numerator_label}")}</td>'
            f'<td class="cc-num">{_a(url("denominator", dim, g.key), str(g.denominator), f"{g.label}: {g.denominator} {m.denominator_label}")}</td>'
            f'<td class="cc-num">{_fmt(g.share, True)}</td>{mean}</tr>'
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def _number(value: Cell) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _table_chart(t: Table) -> str:
    if t.chart in ("bar", "line") and t.rows:
        col = t.chart_column if t.chart_column >= 0 else len(t.columns) + t.chart_column
        share = col in t.percent_columns
        items = [(str(r[0]), _number(r[col])) for r in t.rows]
        title = f"{t.title}: {t.columns[col]}"
        return (line_chart if t.chart == "line" else bar_chart)(title, items, share=share)
    if t.chart == "heatmap" and t.rows and t.heat_columns:
        share = all(c in t.percent_columns for c in t.heat_columns)
        values = [[_number(r[c]) for c in t.heat_columns] for r in t.rows]
        marks = [[(s[c] if s and c < len(s) else None) for c in t.heat_columns] for s in (t.shading or [])] or None
        return (
            '<div class="cc-scroll" tabindex="0">'
            + heat_map(
                t.title,
                [str(r[0]) for r in t.rows],
                [t.columns[c] for c in t.heat_columns],
                values,
                share=share,
                marks=marks,
            )
            + "</div>"
        )
    return ""


def _table_html(t: Table, link: Link | None = None) -> str:
    out = [f'<section class="cc-table" id="t-{escape(t.id)}"><h3>{escape(t.title)}</h3>']
    if t.note:
        out.append(f'<p class="cc-note">{escape(t.note)}</p>')
    if t.chart == "heatmap" and t.shading:
        legend = "".join(
            f'<span class="cc-key-{key}">{escape(name)}</span>'
            for name, key in (("red: must", "must"), ("orange: expected", "expected"))
        )
        if any(m in ("must", "expected", "may") for row in t.shading for m in row if m):
            out.append(f'<p class="cc-legend">Band at the top of each cell: the reference colour. {legend}</p>')
    out.append(_table_chart(t))
    if not t.rows:
        out.append('<p class="cc-note">Nothing to show for this period and scope.</p></section>')
        return "".join(out)
    out.append(
        f'<div class="cc-scroll" tabindex="0"><table data-table="{escape(t.id)}"><caption>{escape(t.title)}</caption><thead><tr>'
    )
    out.extend(f'<th scope="col">{escape(c)}</th>' for c in t.columns)
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(t.rows):
        shade = t.shading[i] if t.shading and i < len(t.shading) else None
        cells = []
        for j, value in enumerate(row):
            mark = shade[j] if shade and j < len(shade) else None
            text = _fmt(value, j in t.percent_columns)
            if mark in ("rare", "not_listed") and value is not None:
                text += f" ({mark.replace('_', ' ')})"
            elif mark in ("must", "expected", "may"):
                text += f" [{ {'must': 'R', 'expected': 'O', 'may': 'Y'}[mark] }]"
            cls = " ".join(
                filter(
                    None,
                    [
                        "cc-num" if _number(value) is not None else "",
                        f"cc-{mark}" if mark in ("rare", "not_listed", "drift") else "",
                        f"cc-ref-{mark}" if mark in REFERENCE_FILL else "",
                    ],
                )
            )
            tag = "th" if j == 0 else "td"
            scope = ' scope="row"' if j == 0 else ""
            drill = t.drills[i] if link and t.drills and i < len(t.drills) and j == t.drill_column else None
            shown = (
                _a(
                    link(drill.measure, "numerator", drill.dimension, drill.key, drill.from_cluster),
                    text,
                    ", ".join(f"{t.columns[c].lower()} {row[c]}" for c in range(j))
                    + f": {text} {t.columns[j].lower()}, list them",
                )
                if drill is not None and link is not None
                else escape(text)
            )
            cells.append(f'<{tag}{scope} class="{cls}">{shown}</{tag}>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div></section>")
    return "".join(out)


def html_body(report: Report, link: Link | None = None, heading_level: int = 1) -> str:
    """The report as an HTML fragment (measures, charts and tables), for a page or a file."""
    h = f"h{heading_level}"
    parts = [
        f'<div class="cc-report"><{h}>{escape(report.title)}</{h}>',
        f'<p class="cc-meta">{escape(_period(report))}. Reference set {escape(report.reference)}. '
        f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC.</p>",
    ]
    if report.notes:
        parts.append("<ul>" + "".join(f'<li class="cc-note">{escape(n)}</li>' for n in report.notes) + "</ul>")
    if report.measures:
        parts.append("<h2>Measures</h2>")
        parts.extend(_measure_html(m, link) for m in report.measures)
    if report.tables:
        parts.append("<h2>Tables</h2>")
        parts.extend(_table_html(t, link) for t in report.tables)
    parts.append("</div>")
    return "".join(parts)


def to_html(report: Report) -> str:
    """A self-contained, printable page: inline CSS and SVG, nothing fetched from anywhere."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(report.title)} - carecluster</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style></head><body><main>{html_body(report)}</main></body></html>"
    )


def render(report: Report, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(report).encode()
    if fmt == "html":
        return to_html(report).encode()
    if fmt == "xlsx":
        return to_xlsx(report)
    raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
