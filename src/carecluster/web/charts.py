"""The HoNOS total over time as an inline SVG line chart, computed here so the page needs no
JavaScript and no chart library; the same points also fill the table beside it.

Only valid totals are plotted (at least 10 of the 12 items rated 0-4): an invalid one is listed in
the table with the reason, never drawn as if it were a low score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from carecluster.domain.outcomes.honos import HONOS, score_ratings
from carecluster.domain.ratings import RatingError, Ratings

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
PAD = 16
"""Space between the axis ends and the first and last points, so no point sits on the frame."""
MAX_TOTAL = 48


@dataclass(frozen=True)
class HonosPoint:
    on: date
    total: int | None
    valid: bool
    note: str
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class HonosChart:
    points: list[HonosPoint]
    plotted: list[HonosPoint]
    polyline: str
    y_ticks: list[tuple[int, float]]
    x_labels: list[tuple[str, float]]
    cutoff_y: float | None
    cutoff: int | None
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: float = HEIGHT - BOTTOM
    right_x: float = WIDTH - RIGHT


def score(ratings: Sequence[int], problem_type: str | None, description: str | None) -> tuple[int | None, bool, str]:
    """(total, valid, note) of the HoNOS held in one stored MHCT rating."""
    try:
        result = score_ratings(Ratings.of(list(ratings), problem_type, description))
    except RatingError as error:
        return None, False, str(error)
    total = int(result.total) if result.total is not None else None
    if result.valid:
        return total, True, "in the clinical range" if result.in_clinical_range else "below the clinical range"
    return total, False, f"not valid: {result.reason or 'too many items not known'}"


def _y(total: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - total / MAX_TOTAL)


def honos_chart(rows: Sequence[tuple[date, Sequence[int], str | None, str | None]]) -> HonosChart:
    """Rows of (assessed on, ratings, scale 8 type, description) in any order -> chart geometry."""
    scored = sorted(
        (HonosPoint(on, *score(ratings, ptype, desc)) for on, ratings, ptype, desc in rows), key=lambda p: p.on
    )
    valid = [p for p in scored if p.valid and p.total is not None]
    plotted: list[HonosPoint] = []
    x_labels: list[tuple[str, float]] = []
    if valid:
        first, last = valid[0].on, valid[-1].on
        span = max((last - first).days, 1)
        inner = WIDTH - LEFT - RIGHT - 2 * PAD
        for p in valid:
            x = LEFT + PAD + (inner / 2 if first == last else inner * (p.on - first).days / span)
            plotted.append(HonosPoint(p.on, p.total, True, p.note, x, _y(p.total or 0)))
        x_labels = [(first.isoformat(), float(LEFT))]
        if last != first:
            x_labels.append((last.isoformat(), float(WIDTH - RIGHT)))
        else:
            x_labels = [(first.isoformat(), LEFT + PAD + inner / 2)]
    cutoff = HONOS.clinical_cutoff.value if HONOS.clinical_cutoff else None
    return HonosChart(
        points=list(reversed(scored)),
        plotted=plotted,
        polyline=" ".join(f"{p.x:.1f},{p.y:.1f}" for p in plotted),
        y_ticks=[(t, _y(t)) for t in (0, 12, 24, 36, 48)],
        x_labels=x_labels,
        cutoff_y=_y(cutoff) if cutoff is not None else None,
        cutoff=int(cutoff) if cutoff is not None else None,
    )
