"""The HoNOS chart's geometry: only valid totals are drawn, every rating is listed."""

from __future__ import annotations

import datetime as dt

from carecluster.web.charts import HEIGHT, LEFT, honos_chart

VALID = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # HoNOS total 10 (scales 1-12)
THREE_NOT_KNOWN = [9, 9, 9, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # only 9 of 12 rated: not valid


def test_only_valid_totals_are_plotted_and_every_rating_is_listed() -> None:
    rows = [
        (dt.date(2026, 3, 1), VALID, "B", None),
        (dt.date(2026, 1, 1), THREE_NOT_KNOWN, "B", None),
        (dt.date(2026, 5, 1), [0] * 18, None, None),
    ]
    chart = honos_chart(rows)
    assert [p.on for p in chart.points] == [dt.date(2026, 5, 1), dt.date(2026, 3, 1), dt.date(2026, 1, 1)]
    assert [p.valid for p in chart.points] == [True, True, False]
    assert chart.points[2].note.startswith("not valid")
    assert [(p.on, p.total) for p in chart.plotted] == [(dt.date(2026, 3, 1), 10), (dt.date(2026, 5, 1), 0)]
    first, last = chart.plotted
    assert LEFT < first.x < last.x
    assert last.y > first.y  # a lower total is drawn lower
    assert last.y < HEIGHT
    assert chart.polyline == f"{first.x:.1f},{first.y:.1f} {last.x:.1f},{last.y:.1f}"


def test_no_valid_total_draws_nothing() -> None:
    chart = honos_chart([(dt.date(2026, 1, 1), THREE_NOT_KNOWN, "B", None)])
    assert chart.plotted == []
    assert chart.polyline == ""
    assert len(chart.points) == 1
