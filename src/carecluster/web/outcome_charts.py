"""One paired outcome's scores over time as an inline SVG line chart (no JavaScript, no library).

Only valid scores are plotted; a partial one stays in the table beside the chart with its
reason, never drawn as if it were a real score. The y axis is the measure's own score range, and
a label says which way is better, because for CORE-10 and HoNOS down is good and for SWEMWBS up is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36


@dataclass(frozen=True)
class Point:
    on: date
    total: float
    x: float
    y: float


@dataclass(frozen=True)
class OutcomeChart:
    points: list[Point]
    polyline: str
    y_ticks: list[tuple[str, float]]
    x_labels: list[tuple[str, float, str]]
    """(text, x, text-anchor): the first date starts at its point, the last ends at its point."""
    better: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: float = HEIGHT - BOTTOM
    right_x: float = WIDTH - RIGHT


def _fmt(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"


def outcome_chart(paired: Any, score_range: tuple[float, float]) -> OutcomeChart | None:
    """The chart of one PairedOutcome's valid scores, or None when none can be drawn."""
    valid = [s for s in paired.scores if s.valid and s.total is not None]
    if not valid:
        return None
    low, high = score_range
    span = (high - low) or 1.0
    days = [(s.on - valid[0].on).days for s in valid]
    last = max(days[-1], 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def y_of(value: float) -> float:
        return round(TOP + plot_h * (1 - (value - low) / span), 1)

    points = [
        Point(
            on=s.on, total=s.total, x=round(LEFT + plot_w * (d / last if len(valid) > 1 else 0.5), 1), y=y_of(s.total)
        )
        for s, d in zip(valid, days, strict=True)
    ]
    ticks = [(_fmt(low + span * f), y_of(low + span * f)) for f in (0, 0.25, 0.5, 0.75, 1)]
    labels = [(points[0].on.strftime("%-d %b %Y"), points[0].x, "start" if len(points) > 1 else "middle")]
    if len(points) > 1:
        labels.append((points[-1].on.strftime("%-d %b %Y"), points[-1].x, "end"))
    better = "Higher is better" if paired.direction == "higher_is_better" else "Lower is better"
    return OutcomeChart(
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        y_ticks=ticks,
        x_labels=labels,
        better=better,
    )
