"""Transitions: a from-to matrix of cluster changes, each cell marked with the booklet's likelihood
(the previous cluster's care transition protocol: likely or possible, rare, or not listed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select

from carecluster.reference.models import ReferenceSet
from carecluster.reports.common import rated_in_period
from carecluster.reports.measures import MeasureSpec, scoped
from carecluster.reports.models import Filters


def _moves(filters: Filters, _r: ReferenceSet) -> Any:
    r = rated_in_period(filters.date_from, filters.date_to)
    return (
        select(
            r.c.su,
            r.c.team_id,
            r.c.rater.label("clinician_id"),
            r.c.chosen.label("cluster"),
            literal(1).label("num"),
            r.c.on,
            r.c.previous.label("value"),
            r.c.reason.label("detail"),
        )
        .select_from(r)
        .where(r.c.chosen.is_not(None), r.c.previous.is_not(None), r.c.chosen != r.c.previous)
    )


MOVES = MeasureSpec(
    id="moves",
    label="Cluster changes",
    definition=(
        "Chosen allocations dated in the period whose chosen cluster differs from the cluster current before it "
        "(the allocation's stored previous cluster). Grouped here by the cluster moved to; the matrix gives "
        "from x to. The value column holds the cluster moved from."
    ),
    numerator_label="moves",
    denominator_label="moves",
    units=_moves,
    value_label="from cluster",
    value_is_from_cluster=True,
)
MEASURES = (MOVES,)


def likelihood(reference: ReferenceSet, source: int, target: int) -> str:
    try:
        transitions = reference.cluster(source).transitions
    except (KeyError, StopIteration):
        return "not_listed"
    return transitions.likelihood(target) if transitions is not None else "not_listed"


def matrix(session: Any, filters: Filters, reference: ReferenceSet) -> dict[tuple[int, int], int]:
    units = scoped(MOVES, filters, reference)
    rows = session.execute(
        select(units.c.value, units.c.cluster, func.count()).group_by(units.c.value, units.c.cluster)
    ).all()
    return {(int(a), int(b)): int(n) for a, b, n in rows}
