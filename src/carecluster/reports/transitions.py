"""Transitions: a from-to matrix of cluster changes, each cell marked with the booklet's likelihood
(the previous cluster's care transition protocol: likely or possible, rare, or not listed), and a
headline a lead can act on: moves per 100 people re-rated while in a cluster, the share that
stepped up or down (by the from-cluster's protocol lists), and the commonest moves."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import case, distinct, func, select

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
            case((r.c.chosen != r.c.previous, 1), else_=0).label("num"),
            r.c.on,
            r.c.previous.label("value"),
            r.c.reason.label("detail"),
        )
        .select_from(r)
        .where(r.c.chosen.is_not(None), r.c.previous.is_not(None))
    )


MOVES = MeasureSpec(
    id="moves",
    label="Cluster changes",
    definition=(
        "Of the chosen allocations dated in the period for people already in a cluster (the allocation's stored "
        "previous cluster), those whose chosen cluster differs from it. Grouped here by the cluster chosen; the "
        "matrix gives from x to. The value column holds the cluster moved from."
    ),
    numerator_label="moves",
    denominator_label="re-ratings of people already in a cluster",
    units=_moves,
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
        select(units.c.value, units.c.cluster, func.count())
        .where(units.c.num == 1)
        .group_by(units.c.value, units.c.cluster)
    ).all()
    return {(int(a), int(b)): int(n) for a, b, n in rows}


def people_rerated(session: Any, filters: Filters, reference: ReferenceSet) -> int:
    """How many people were rated again while in a cluster: the 'per 100 people' of the headline."""
    units = scoped(MOVES, filters, reference)
    return int(session.scalar(select(func.count(distinct(units.c.su)))) or 0)


Direction = Literal["step_up", "step_down", "similar", "other"]
DIRECTIONS: tuple[tuple[Direction, str], ...] = (
    ("step_up", "stepped up"),
    ("step_down", "stepped down"),
    ("similar", "moved to a similar cluster"),
    ("other", "moved outside the protocol's lists"),
)


def direction(reference: ReferenceSet, source: int, target: int) -> Direction:
    """Which of the from-cluster's protocol lists the move is in (the reference decides up and down)."""
    try:
        transitions = reference.cluster(source).transitions
    except (KeyError, StopIteration):
        return "other"
    if transitions is None:
        return "other"
    for name in ("step_up", "step_down", "similar"):
        if target in getattr(transitions, name):
            return name
    return "other"


def headline(counts: dict[tuple[int, int], int], people: int, reference: ReferenceSet, top: int = 3) -> str:
    """Moves per 100 people re-rated, the step-up and step-down shares, and the commonest moves."""
    moves = sum(counts.values())
    if not people:
        return "Nobody already in a cluster was rated again in this period."
    per_100 = 100 * moves / people
    head = f"{per_100:.0f} moves per 100 people re-rated while in a cluster ({moves} moves; {people} people)."
    if not moves:
        return head
    by_way: dict[str, int] = {}
    for (a, b), n in counts.items():
        way = direction(reference, a, b)
        by_way[way] = by_way.get(way, 0) + n
    shares = [f"{100 * by_way[way] / moves:.0f}% {words}" for way, words in DIRECTIONS if by_way.get(way)]
    commonest = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    listed = ", ".join(f"{a} to {b} ({n})" for (a, b), n in commonest)
    return f"{head} Of the moves, {', '.join(shares)}. Commonest: {listed}."
