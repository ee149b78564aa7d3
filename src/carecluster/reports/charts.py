"""Charts as inline SVG, drawn on the server: no JavaScript and no chart library, so a report
saved as one HTML file opens anywhere and prints. Every chart has a title and a description for
screen readers, and the page always carries the same figures as a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BLUE = "#005eb8"
GREY = "#d8dde0"
TEXT = "#212b32"
REFERENCE_FILL = {
    "must": "#d5281b",
    "expected": "#ed8b00",
    "may": "#ffeb3b",
    "unlikely": "#ffffff",
    "nodata": "#aeb7bd",
}
REFERENCE_LETTER = {"must": "R", "expected": "O", "may": "Y", "unlikely": "", "nodata": "g"}
_ids = iter(range(1, 1 << 30))


def _frame(width: int, height: int, title: str, desc: str, body: str) -> str:
    n = next(_ids)
    wide = " cc-chart--wide" if width > NARROW else ""
    return (
        f'<svg class="cc-chart{wide}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="cc-t{n} cc-d{n}">'
        f'<title id="cc-t{n}">{escape(title)}</title><desc id="cc-d{n}">{escape(desc)}</desc>{body}</svg>'
    )


def _fmt(value: float, share: bool) -> str:
    if share:
        return f"{value:.0%}"
    return f"{int(value)}" if float(value).is_integer() else f"{value:.1f}"


FONT = 16
"""Label size in the chart's own units. Charts are drawn at most `NARROW` units wide, so on a 390 px
phone (about 340 px of content) a label still renders at 15 px or more: legible, as NHS.UK asks."""
NARROW = 360
WRAP = 36
"""Characters per label line at `FONT` in `NARROW` units; longer labels wrap, never cut."""


def _wrap(text: str, width: int = WRAP) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def bar_chart(title: str, items: Sequence[tuple[str, float | None]], *, share: bool) -> str:
    """Horizontal bars, one per item, each under its full label; shares run 0-100%, counts to the
    largest value. Narrow enough to keep its labels legible on a phone."""
    rows = [(label, value) for label, value in items if value is not None]
    if not rows:
        return ""
    bar_w, bar_h, value_w, line_h = NARROW - 70, 18, 64, FONT + 4
    top = 1.0 if share else max(max(v for _, v in rows), 1)
    body = []
    y = 4
    for label, value in rows:
        for line in _wrap(label):
            y += line_h
            body.append(f'<text x="0" y="{y - 4}" font-size="{FONT}" fill="{TEXT}">{escape(line)}</text>')
        w = max(0.0, value / top * bar_w)
        body.append(
            f'<rect x="0" y="{y + 2}" width="{bar_w}" height="{bar_h}" fill="{GREY}" opacity="0.4"/>'
            f'<rect x="0" y="{y + 2}" width="{w:.1f}" height="{bar_h}" fill="{BLUE}"/>'
            f'<text x="{bar_w + 6}" y="{y + bar_h - 1}" font-size="{FONT}" fill="{TEXT}">{_fmt(value, share)}</text>'
        )
        y += bar_h + 12
    desc = "; ".join(f"{label}: {_fmt(v, share)}" for label, v in rows[:40])
    return _frame(bar_w + value_w, y + 4, title, desc, "".join(body))


def line_chart(title: str, points: Sequence[tuple[str, float | None]], *, share: bool) -> str:
    """One line over time (months); shares on a 0-100% axis."""
    pts = [(label, v) for label, v in points if v is not None]
    if len(pts) < 2:
        return ""
    left, right, top_pad, bottom = 52, 24, 12, 44
    width, height = NARROW, 240
    top = 1.0 if share else max(max(v for _, v in pts), 1)
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    step = plot_w / (len(pts) - 1)
    xy = [(left + i * step, top_pad + plot_h * (1 - v / top)) for i, (_, v) in enumerate(pts)]
    body = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" y2="{top_pad + plot_h}" stroke="{TEXT}"/>']
    for tick in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - tick)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GREY}"/>')
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="{FONT}" fill="{TEXT}">'
            f"{_fmt(tick * top, share)}</text>"
        )
    body.append(
        f'<polyline fill="none" stroke="{BLUE}" stroke-width="2" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        + '"/>'
    )
    every = max(1, (len(pts) + 3) // 4)  # about four month labels fit the narrow width
    for i, ((label, _v), (x, y)) in enumerate(zip(pts, xy, strict=True)):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BLUE}"/>')
        if i % every == 0 or i == len(pts) - 1:
            body.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="{FONT}" fill="{TEXT}">'
                f"{escape(label)}</text>"
            )
    desc = "; ".join(f"{label}: {_fmt(v, share)}" for label, v in pts[:60])
    return _frame(width, height, title, desc, "".join(body))


def _blue(intensity: float) -> tuple[str, str]:
    """A fill from white to NHS blue, and a text colour that stays readable on it."""
    t = max(0.0, min(1.0, intensity))
    r, g, b = (int(255 + (c - 255) * t) for c in (0x00, 0x5E, 0xB8))
    return f"#{r:02x}{g:02x}{b:02x}", ("#ffffff" if t > 0.55 else TEXT)


def heat_map(
    title: str,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    share: bool,
    marks: Sequence[Sequence[str | None]] | None = None,
) -> str:
    """A grid of cells shaded by value. `marks` per cell: a reference colour (drawn as a band at the
    top of the cell with its letter), or a transition likelihood (rare: amber dashed border; not
    listed: red border)."""
    if not row_labels or not col_labels:
        return ""
    cell_w, cell_h, label_w, head_h = 52, 34, 84, 28
    width, height = label_w + cell_w * len(col_labels) + 4, head_h + cell_h * len(row_labels) + 4
    finite = [v for row in values for v in row if v is not None]
    top = 1.0 if share else max(finite or [1])
    body = []
    for j, col in enumerate(col_labels):
        body.append(
            f'<text x="{label_w + j * cell_w + cell_w / 2}" y="20" text-anchor="middle" font-size="{FONT}" '
            f'fill="{TEXT}">{escape(col)}</text>'
        )
    described = []
    for i, row in enumerate(row_labels):
        y = head_h + i * cell_h
        body.append(
            f'<text x="{label_w - 6}" y="{y + 23}" text-anchor="end" font-size="{FONT}" fill="{TEXT}">{escape(row)}</text>'
        )
        for j, _col in enumerate(col_labels):
            x = label_w + j * cell_w
            value = values[i][j] if j < len(values[i]) else None
            fill, ink = _blue((value or 0) / top if top else 0)
            mark = marks[i][j] if marks and i < len(marks) and j < len(marks[i]) else None
            stroke, dash, sw = GREY, "", 1
            if mark == "rare":
                stroke, dash, sw = "#ed8b00", ' stroke-dasharray="4 2"', 3
            elif mark == "not_listed":
                stroke, sw = "#d5281b", 3
            body.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="{sw}"{dash}/>'
            )
            if mark in REFERENCE_FILL:
                body.append(
                    f'<rect x="{x + 2}" y="{y + 2}" width="{cell_w - 4}" height="5" fill="{REFERENCE_FILL[mark]}" '
                    f'stroke="{GREY}" stroke-width="0.5"/>'
                )
            if value is not None:
                body.append(
                    f'<text x="{x + cell_w / 2}" y="{y + 23}" text-anchor="middle" font-size="{FONT}" fill="{ink}">'
                    f"{_fmt(value, share)}</text>"
                )
                described.append(f"{row} / {col}: {_fmt(value, share)}" + (f" ({mark})" if mark else ""))
    return _frame(width, height, title, "; ".join(described[:120]) or "no values", "".join(body))
