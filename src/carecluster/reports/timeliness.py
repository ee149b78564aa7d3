"""Timeliness: reviews held within the cluster's maximum interval, reviews overdue now, and time
in cluster against the indicative episode of care.

The review clock is the caseload page's: it runs from the later of the start of the current
assignment period and the last review, and the due date is that plus the cluster's review
interval (calendar months clamped at month ends, as in `domain.schedule`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, case, cast, literal, null, select

from carecluster.reference.models import ReferenceSet
from carecluster.reports.common import caseload_on
from carecluster.reports.measures import MeasureSpec
from carecluster.reports.models import Filters, Measure
from carecluster.reports.sql import days_between, episode_ends, later_of, review_due
from carecluster.store.models import ReviewFact

OVERDUE_BANDS = (
    (1, 28, "1-28 days"),
    (29, 91, "29-91 days"),
    (92, 182, "92-182 days"),
    (183, None, "183 days or more"),
)


def _reviews_in_time(filters: Filters, reference: ReferenceSet) -> Any:
    """Reviews held in the period with their clocks, from the reports' derived rows: each review's
    previous review and the start of its cluster's period are kept in `ReviewFact`, refreshed
    whenever the person's reviews or periods change (`store.report_facts`)."""
    r = ReviewFact
    since = later_of(r.previous_review_on, r.period_start)
    # one materialised step: the due date is computed once per review, then compared and
    # (only for late reviews) counted in days
    timed = (
        select(
            r.service_user_id.label("su"),
            r.team_id,
            r.recorded_by.label("clinician_id"),
            r.current_cluster.label("cluster"),
            r.reviewed_on.label("on"),
            review_due(r.current_cluster, since, reference).label("due"),
        )
        .where(r.reviewed_on >= filters.date_from, r.reviewed_on <= filters.date_to, since.is_not(None))
        .cte("reviews_due")
        .prefix_with("MATERIALIZED")
    )
    late = timed.c.on > timed.c.due
    return select(
        timed.c.su,
        timed.c.team_id,
        timed.c.clinician_id,
        timed.c.cluster,
        case((late, 0), else_=1).label("num"),
        timed.c.on,
        case((late, days_between(timed.c.on, timed.c.due)), else_=0).label("value"),
        cast(null(), String).label("detail"),
    ).where(timed.c.due.is_not(None))


def _caseload(filters: Filters, reference: ReferenceSet) -> Any:
    """The clustered open caseload on the last day, with its review and episode clocks."""
    c = caseload_on(filters.date_to)
    clocked = (
        select(
            c,
            review_due(c.c.cluster, later_of(c.c.since, c.c.reviewed), reference).label("due"),
            episode_ends(c.c.cluster, c.c.since, reference).label("ends"),
        )
        .where(c.c.cluster.is_not(None))
        .cte("caseload_clocks")
        .prefix_with("MATERIALIZED")
    )
    end = literal(filters.date_to)
    age = days_between(end, clocked.c.due)
    return select(
        clocked.c.su,
        clocked.c.team_id,
        clocked.c.clinician_id,
        clocked.c.cluster,
        clocked.c.due.label("on"),
        ("in cluster since " + cast(clocked.c.since, String)).label("detail"),
        case((clocked.c.due.is_not(None), 1), else_=0).label("has_due"),
        case((and_(clocked.c.due.is_not(None), age > 0), 1), else_=0).label("overdue"),
        case((and_(clocked.c.due.is_not(None), age > 0), age), else_=0).label("age"),
        case((clocked.c.ends.is_not(None), 1), else_=0).label("bounded"),
        case((and_(clocked.c.ends.is_not(None), end > clocked.c.ends), 1), else_=0).label("exceeded"),
        days_between(end, clocked.c.since).label("days"),
        literal(1).label("clustered"),
        *[
            case(
                (
                    and_(clocked.c.due.is_not(None), age >= low, age <= high)
                    if high
                    else and_(clocked.c.due.is_not(None), age >= low),
                    1,
                ),
                else_=0,
            ).label(f"band_{i}")
            for i, (low, high, _label) in enumerate(OVERDUE_BANDS)
        ],
    )


REVIEWS_IN_TIME = MeasureSpec(
    trend=True,
    id="reviews_in_time",
    label="Reviews held within the cluster's maximum review interval",
    definition=(
        "Denominator: reviews held in the period whose review clock can be placed (an earlier review, or an "
        "assignment period in the reviewed cluster that began before the review). Numerator: those held on or before "
        "the due date: the later of the previous review and the start of that period, plus the cluster's review "
        "interval. The value is the days late (0 when in time); its mean is over every review."
    ),
    numerator_label="held in time",
    denominator_label="reviews held",
    units=_reviews_in_time,
    value_label="days late",
    mean_over="all",
)
OVERDUE = MeasureSpec(
    id="overdue_reviews",
    label="Reviews overdue at the end of the period",
    definition=(
        "Denominator: the open caseload with a current cluster on the last day of the period. Numerator: those "
        "whose next review (the later of the period start and the last review, plus the cluster's review interval) "
        "fell due before that day. The value is the age of the overdue review in days."
    ),
    numerator_label="overdue",
    denominator_label="clustered service users on the caseload",
    units=_caseload,
    num="overdue",
    den="has_due",
    value="age",
    value_label="days overdue",
    higher_is_better=False,
)
EPISODE_EXCEEDED = MeasureSpec(
    id="episode_exceeded",
    label="Time in cluster beyond the indicative episode of care",
    definition=(
        "Denominator: the open caseload on the last day of the period whose current cluster has an indicative "
        "episode with an upper bound (open-ended episodes such as '3 years +' are left out). Numerator: those in "
        "the cluster for longer than that upper bound. The value is the days in the cluster."
    ),
    numerator_label="beyond the episode",
    denominator_label="in a cluster with a bounded episode",
    units=_caseload,
    num="exceeded",
    den="bounded",
    value="days",
    value_label="days in cluster",
    higher_is_better=False,
)
TIME_IN_CLUSTER = MeasureSpec(
    id="time_in_cluster",
    label="Time in current cluster",
    definition=(
        "Every service user on the open caseload with a current cluster on the last day of the period; the value "
        "is the days since their assignment period began. Read the mean by cluster against the indicative episode."
    ),
    numerator_label="clustered",
    denominator_label="clustered",
    units=_caseload,
    num="clustered",
    value="days",
    value_label="days in cluster",
)
MEASURES: tuple[MeasureSpec, ...] = (REVIEWS_IN_TIME, OVERDUE, EPISODE_EXCEEDED, TIME_IN_CLUSTER)


AGE_BANDS = tuple(
    MeasureSpec(
        id=f"overdue_band_{i}",
        label=f"Reviews overdue by {label}",
        definition="Clustered service users on the caseload whose review is overdue by this many days.",
        numerator_label=label,
        denominator_label="clustered service users on the caseload",
        units=_caseload,
        num=f"band_{i}",
        den="has_due",
        hidden=True,
    )
    for i, (_low, _high, label) in enumerate(OVERDUE_BANDS)
)
MEASURES = (*MEASURES, *AGE_BANDS)


def overdue_ages(measures: list[Measure]) -> list[list[Any]]:
    """Overdue reviews by age band (from the caseload pass)."""
    by_id = {m.id: m.numerator for m in measures}
    return [[spec.numerator_label, by_id[spec.id]] for spec in AGE_BANDS]
