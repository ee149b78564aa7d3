"""Accuracy: choices against red rules, agreement with the engine, cluster 0 and 9, rare moves.

Red-rule breaches and rare transitions are read from what the allocation stored when the
choice was made (`reason_required`, computed with the reference set and version the allocation
names), never recomputed against today's grids.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select

from carecluster.reference.models import ReferenceSet
from carecluster.reports.common import rated_in_period
from carecluster.reports.measures import MeasureSpec
from carecluster.reports.models import Filters
from carecluster.reports.sql import super_class_of


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _chosen(filters: Filters, reference: ReferenceSet) -> Any:
    """Chosen allocations dated in the period, one row each, with every accuracy flag."""
    r = rated_in_period(filters.date_from, filters.date_to)
    chosen, suggested, previous = r.c.chosen, r.c.suggested, r.c.previous
    overridden = chosen != suggested
    moved = and_(previous.is_not(None), chosen != previous)
    return (
        select(
            r.c.su,
            r.c.team_id,
            r.c.rater.label("clinician_id"),
            chosen.label("cluster"),
            r.c.on,
            suggested.label("value"),
            r.c.reason.label("detail"),
            r.c.red_breach.label("red"),
            _flag(chosen == suggested).label("agree"),
            _flag(super_class_of(chosen, reference) == super_class_of(suggested, reference)).label("agree_super"),
            _flag(chosen == 0).label("zero"),
            _flag(chosen == 9).label("nine"),
            _flag(moved).label("moved"),
            _flag(and_(moved, r.c.rare_transition == 1)).label("rare"),
            _flag(overridden).label("overridden"),
            _flag(and_(overridden, r.c.reason.is_not(None), func.trim(r.c.reason) != "")).label("reasoned"),
        )
        .select_from(r)
        .where(chosen.is_not(None))
    )


RED_BREACH = MeasureSpec(
    id="red_breach",
    label="Chosen clusters that break a red (must score) rule",
    definition=(
        "Denominator: allocations with a chosen cluster whose assessment is dated in the period (current versions). "
        "Numerator: those whose stored reasons-required list names a red breach, as computed when the choice was "
        "made, with the reference set and version the allocation records."
    ),
    numerator_label="breaking a red rule",
    denominator_label="chosen allocations",
    units=_chosen,
    num="red",
    higher_is_better=False,
)
AGREEMENT = MeasureSpec(
    trend=True,
    id="agreement",
    label="Chosen cluster agrees with the engine's suggestion",
    definition=(
        "Denominator: chosen allocations (as above). Numerator: those where the chosen cluster equals the suggested "
        "cluster stored with the allocation (the value column holds the suggestion; the detail, the reason given)."
    ),
    numerator_label="agreeing",
    denominator_label="chosen allocations",
    units=_chosen,
    num="agree",
)
AGREEMENT_SUPER = MeasureSpec(
    id="agreement_super_class",
    label="Chosen cluster in the suggested cluster's super class",
    definition=(
        "Denominator: chosen allocations. Numerator: those whose chosen and suggested clusters share a super class "
        "(non-psychotic, psychotic, organic; cluster 0 is its own, 'variance')."
    ),
    numerator_label="same super class",
    denominator_label="chosen allocations",
    units=_chosen,
    num="agree_super",
)
CLUSTER_ZERO = MeasureSpec(
    id="cluster_0",
    label="Use of cluster 0 (variance)",
    definition="Denominator: chosen allocations. Numerator: those where cluster 0 was chosen.",
    numerator_label="cluster 0",
    denominator_label="chosen allocations",
    units=_chosen,
    num="zero",
    higher_is_better=False,
)
CLUSTER_NINE = MeasureSpec(
    id="cluster_9",
    label="Any use of cluster 9 (never allocatable)",
    definition=(
        "Denominator: chosen allocations. Numerator: those recording cluster 9, which carecluster refuses; any "
        "count here came from imported or older data and needs correcting."
    ),
    numerator_label="cluster 9",
    denominator_label="chosen allocations",
    units=_chosen,
    num="nine",
    higher_is_better=False,
)
RARE = MeasureSpec(
    id="rare_transitions",
    label="Rare transitions taken",
    definition=(
        "Denominator: chosen allocations that move the service user from a previous cluster to a different one. "
        "Numerator: those the allocation recorded as a rare transition in the previous cluster's protocol."
    ),
    numerator_label="rare moves",
    denominator_label="moves between clusters",
    units=_chosen,
    num="rare",
    den="moved",
    higher_is_better=False,
)
OVERRIDE_REASONS = MeasureSpec(
    id="override_reasons",
    label="Overrides of the suggestion with a reason recorded",
    definition=(
        "Denominator: chosen allocations whose chosen cluster differs from the suggestion. Numerator: those with a "
        "non-blank reason. Drill down to read the reasons."
    ),
    numerator_label="with a reason",
    denominator_label="overrides",
    units=_chosen,
    num="reasoned",
    den="overridden",
)
MEASURES = (RED_BREACH, AGREEMENT, AGREEMENT_SUPER, CLUSTER_ZERO, CLUSTER_NINE, RARE, OVERRIDE_REASONS)
