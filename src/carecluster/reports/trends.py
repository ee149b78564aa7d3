"""Month by month: a measure's share per calendar month of its units' dates (the line charts).

The months come from the measure's own grouped query (`measures.compute_all` groups by month as
well), so a trend costs no further pass over the data.
"""

from __future__ import annotations

from carecluster.reports.models import Measure, Table


def monthly(measure: Measure, table_id: str, title: str) -> Table:
    return Table(
        id=table_id,
        title=title,
        columns=["Month", measure.numerator_label, measure.denominator_label, "Share"],
        rows=[[g.key, g.numerator, g.denominator, g.share] for g in measure.by_month if g.denominator],
        chart="line",
        percent_columns=[3],
    )
