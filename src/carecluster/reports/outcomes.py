"""Outcomes: paired HoNOS (the MHCT's scales 1-12) per cluster: coverage, mean change and reliable
improvement, with the validity rule and reliable change index of `domain.outcomes.honos`.

A pair is a service user's first and last valid HoNOS in the period, on different days; the
cluster is the one chosen at the first. PROMs (self-rated) come from the outcome
administrations (migration 0003): `prom_coverage`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, case, cast, func, null, select
from sqlalchemy.orm import Session

from carecluster.domain.outcomes.honos import HONOS, HONOS_MIN_RATED
from carecluster.reference.models import ReferenceSet
from carecluster.reports.measures import MeasureSpec
from carecluster.reports.models import Filters, Table
from carecluster.reports.sql import current
from carecluster.store.models import AssessmentFact, ServiceUser

HONOS_ITEMS = 12
MIN_RATED = HONOS_MIN_RATED
RELIABLE = HONOS.reliable_change.value if HONOS.reliable_change else 8


def _pairs(filters: Filters) -> Any:
    """Each service user's first and last valid HoNOS in the period.

    One grouping finds the first and last dates; the rows on those dates are then looked up by
    the derived rows' service-user index, which carries the date (earliest and latest recorded
    first when a day has several). Measured on a year of a large provider's ratings this is
    several times quicker than numbering every row with window functions, which sorts them all
    twice; totals come ready-made with the derived rows (`AssessmentFact.honos_total`)."""
    f = AssessmentFact
    valid = and_(f.assessed_on >= filters.date_from, f.assessed_on <= filters.date_to, f.honos_rated >= MIN_RATED)
    dates = (
        select(
            f.service_user_id.label("su"),
            func.min(f.assessed_on).label("first_on"),
            func.max(f.assessed_on).label("last_on"),
        )
        .where(valid)
        .group_by(f.service_user_id)
        .cte("honos_dates")
        .prefix_with("MATERIALIZED")
    )

    def on_day(column: Any, day: Any, *, latest: bool) -> Any:
        order = f.recorded_at.desc() if latest else f.recorded_at
        return (
            select(column)
            .where(f.service_user_id == dates.c.su, f.assessed_on == day, f.honos_rated >= MIN_RATED)
            .order_by(order, f.assessment_id.desc() if latest else f.assessment_id)
            .limit(1)
            .scalar_subquery()
        )

    ends = (
        select(
            dates.c.su,
            ServiceUser.team_id,
            ServiceUser.clinician_id,
            on_day(f.chosen_cluster, dates.c.first_on, latest=False).label("cluster"),
            dates.c.first_on,
            dates.c.last_on,
            on_day(f.honos_total, dates.c.first_on, latest=False).label("first_total"),
            on_day(f.honos_total, dates.c.last_on, latest=True).label("last_total"),
        )
        .select_from(dates)
        .join(ServiceUser, and_(ServiceUser.record_id == dates.c.su, current(ServiceUser)))
        .cte("honos_ends")
        .prefix_with("MATERIALIZED")
    )
    return select(ends).subquery()


def _honos(filters: Filters, _r: ReferenceSet) -> Any:
    p = _pairs(filters)
    paired = p.c.last_on > p.c.first_on
    change = p.c.first_total - p.c.last_total
    return select(
        p.c.su,
        p.c.team_id,
        p.c.clinician_id,
        p.c.cluster,
        p.c.first_on.label("on"),
        cast(null(), String).label("detail"),
        case((paired, 1), else_=0).label("paired"),
        case((paired, change), else_=None).label("change"),
        case((and_(paired, change >= RELIABLE), 1), else_=0).label("improved"),
        case((and_(paired, change <= -RELIABLE), 1), else_=0).label("worse"),
    )


VALID = (
    f"a valid HoNOS is an MHCT assessment with at least {MIN_RATED} of scales 1-12 rated 0-4 (9s left out of the total)"
)
COVERAGE = MeasureSpec(
    id="honos_paired",
    label="Paired HoNOS coverage",
    definition=(
        f"Denominator: service users with a valid HoNOS in the period ({VALID}). Numerator: those with a second valid "
        "HoNOS on a later day in the period. The cluster is the one chosen at the first."
    ),
    numerator_label="with a pair",
    denominator_label="with a valid HoNOS",
    units=_honos,
    num="paired",
    value="change",
)
MEAN_CHANGE = MeasureSpec(
    id="honos_change",
    label="HoNOS change (first minus last total; positive is improvement)",
    definition="Every pair: the value is the first valid total minus the last; the mean is over all pairs.",
    numerator_label="pairs",
    denominator_label="pairs",
    units=_honos,
    num="paired",
    den="paired",
    value="change",
    value_label="points improved",
)
RELIABLE_IMPROVEMENT = MeasureSpec(
    id="honos_reliable_improvement",
    label="Reliable improvement in HoNOS",
    definition=(
        f"Denominator: pairs. Numerator: pairs whose total fell by {RELIABLE} points or more (the reliable change "
        "index of domain.outcomes.honos, Parabiaghi et al. 2005, whole sample)."
    ),
    numerator_label="reliably improved",
    denominator_label="pairs",
    units=_honos,
    num="improved",
    den="paired",
    value="change",
)
RELIABLE_DETERIORATION = MeasureSpec(
    id="honos_reliable_deterioration",
    label="Reliable deterioration in HoNOS",
    definition=f"Denominator: pairs. Numerator: pairs whose total rose by {RELIABLE} points or more.",
    numerator_label="reliably worse",
    denominator_label="pairs",
    units=_honos,
    num="worse",
    den="paired",
    value="change",
    higher_is_better=False,
)
MEASURES = (COVERAGE, MEAN_CHANGE, RELIABLE_IMPROVEMENT, RELIABLE_DETERIORATION)

PROM_NOTE = (
    "PROMs: administrations answered by the service user, valid as scored when given (the stored score); a pair is "
    "the first and last valid score of one measure for one service user in the period, on different days. Change "
    "is signed so that positive is better (the measure's direction); reliable improvement uses the measure's own "
    "reliable change threshold where it has one."
)


def prom_coverage(session: Session, filters: Filters) -> Table:
    """PROM coverage, mean change and reliable improvement per measure.

    Teams and the clinician filter apply as elsewhere (the service user's current team and
    clinician).
    """
    from carecluster.domain.outcomes import get_measure
    from carecluster.store.models import OutcomeAdministration as O

    valid = O.score["valid"].as_boolean()
    total = O.score["total"].as_float()
    scored = (
        select(
            O.service_user_id.label("su"),
            O.measure_id.label("measure"),
            O.administered_on.label("on"),
            total.label("total"),
            func.row_number()
            .over(partition_by=(O.service_user_id, O.measure_id), order_by=(O.administered_on, O.row_id))
            .label("first_rank"),
            func.row_number()
            .over(partition_by=(O.service_user_id, O.measure_id), order_by=(O.administered_on.desc(), O.row_id.desc()))
            .label("last_rank"),
        )
        .join(ServiceUser, and_(ServiceUser.record_id == O.service_user_id, current(ServiceUser)))
        .where(
            current(O),
            O.respondent == "service_user",
            valid.is_(True),
            total.is_not(None),
            O.administered_on >= filters.date_from,
            O.administered_on <= filters.date_to,
        )
    )
    if filters.team_ids is not None:
        scored = scored.where(ServiceUser.team_id.in_(filters.team_ids or (-1,)))
    if filters.clinician_id is not None:
        scored = scored.where(ServiceUser.clinician_id == filters.clinician_id)
    ranked = scored.subquery()
    first, last = ranked.alias("first"), ranked.alias("last")
    rows = session.execute(
        select(first.c.measure, first.c.on, first.c.total, last.c.on, last.c.total)
        .join(last, and_(last.c.su == first.c.su, last.c.measure == first.c.measure, last.c.last_rank == 1))
        .where(first.c.first_rank == 1)
    ).all()
    per: dict[str, list[float | None]] = {}
    for measure, first_on, first_total, last_on, last_total in rows:
        per.setdefault(measure, [])
        per[measure].append(float(last_total) - float(first_total) if last_on > first_on else None)
    out: list[list[Any]] = []
    for measure, changes in sorted(per.items()):
        try:
            definition = get_measure(measure)
            sign = 1.0 if definition.direction == "higher_is_better" else -1.0
            threshold = definition.reliable_change.value if definition.reliable_change else None
            name = definition.name
        except (KeyError, ValueError):
            sign, threshold, name = 1.0, None, measure
        paired = [sign * c for c in changes if c is not None]
        out.append(
            [
                name,
                len(changes),
                len(paired),
                len(paired) / len(changes) if changes else None,
                sum(paired) / len(paired) if paired else None,
                (sum(1 for c in paired if c >= threshold) / len(paired)) if paired and threshold else None,
            ]
        )
    return Table(
        id="prom_coverage",
        title="Paired PROMs (self-rated) by measure",
        columns=["Measure", "With a valid score", "Paired", "Coverage", "Mean improvement", "Reliably improved"],
        rows=out,
        chart="bar",
        chart_column=3,
        percent_columns=[3, 5],
        note=PROM_NOTE,
    )
