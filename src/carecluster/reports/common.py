"""Sub-queries several measure families share: the open caseload and each person's cluster on a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import String, and_, cast, exists, func, or_, select
from sqlalchemy.sql.expression import ColumnElement

from carecluster.reports.sql import compact_ratings, count_nines, current
from carecluster.store.models import Allocation, Assessment, AssignmentPeriod, Episode, Review, ServiceUser


def open_episode_on(day: date) -> ColumnElement[bool]:
    """The service user has an episode of care open on `day` (referred on or before it, not yet discharged)."""
    return exists().where(
        Episode.service_user_id == ServiceUser.record_id,
        current(Episode),
        Episode.referral_date <= day,
        or_(Episode.discharge_date.is_(None), Episode.discharge_date > day),
    )


def _period_on(day: date, column: Any) -> Any:
    return (
        select(column)
        .where(
            AssignmentPeriod.service_user_id == ServiceUser.record_id,
            current(AssignmentPeriod),
            AssignmentPeriod.start_date <= day,
            or_(AssignmentPeriod.end_date.is_(None), AssignmentPeriod.end_date > day),
        )
        .order_by(AssignmentPeriod.start_date.desc())
        .limit(1)
        .scalar_subquery()
    )


def cluster_on(day: date) -> Any:
    """The cluster of the assignment period that covers `day` (NULL when none does)."""
    return _period_on(day, AssignmentPeriod.cluster)


def cluster_since(day: date) -> Any:
    """The start of the assignment period that covers `day`."""
    return _period_on(day, AssignmentPeriod.start_date)


def last_review_by(day: date) -> Any:
    return (
        select(func.max(Review.reviewed_on))
        .where(Review.service_user_id == ServiceUser.record_id, current(Review), Review.reviewed_on <= day)
        .scalar_subquery()
    )


def caseload_on(day: date) -> Any:
    """The open caseload on `day`: current cluster, since when, last review; one row per service user.

    Materialised, so that the correlated look-ups run once per person, not once per reference to
    their result (SQLite would otherwise flatten the sub-query into every expression using it).
    """
    return (
        select(
            ServiceUser.record_id.label("su"),
            ServiceUser.team_id.label("team_id"),
            ServiceUser.clinician_id.label("clinician_id"),
            cluster_on(day).label("cluster"),
            cluster_since(day).label("since"),
            last_review_by(day).label("reviewed"),
        )
        .where(current(ServiceUser), open_episode_on(day))
        .cte("caseload")
        .prefix_with("MATERIALIZED")
    )


def rated_in_period(date_from: date, date_to: date, name: str = "rated") -> Any:
    """Assessments dated in the period with their allocations: one materialised pass.

    Reports that read ratings or choices start here: the planner then scans the period's
    assessments once and looks each allocation up by its assessment, instead of walking every
    service user's allocations (the plan SQLite picks for the plain join, several times slower).
    `ratings` is the compact text of `sql.compact_ratings`.
    """
    return (
        select(
            Assessment.service_user_id.label("su"),
            Assessment.record_id.label("assessment"),
            Assessment.rater_id.label("rater"),
            Assessment.assessed_on.label("on"),
            Assessment.recorded_at.label("recorded_at"),
            Assessment.clustering_event.label("event"),
            compact_ratings().label("ratings"),
            count_nines(cast(Assessment.ratings, String)).label("nines"),
            Allocation.chosen_cluster.label("chosen"),
            Allocation.suggested_cluster.label("suggested"),
            Allocation.previous_cluster.label("previous"),
            Allocation.reason.label("reason"),
            cast(Allocation.reason_required, String).label("why"),
        )
        .join(Allocation, and_(Allocation.assessment_id == Assessment.record_id, current(Allocation)))
        .where(current(Assessment), Assessment.assessed_on >= date_from, Assessment.assessed_on <= date_to)
        .cte(name)
        .prefix_with("MATERIALIZED")
    )


def with_team(rated: Any) -> Any:
    """The service user's current team beside each rated row."""
    return and_(ServiceUser.record_id == rated.c.su, current(ServiceUser))
