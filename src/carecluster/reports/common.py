"""Sub-queries several measure families share: the open caseload and each person's cluster on a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.sql.expression import ColumnElement

from carecluster.reports.sql import current
from carecluster.store.models import SCALE_COLUMNS, AssessmentFact, AssignmentPeriod, Episode, ReviewFact, ServiceUser


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
    """The latest review on or before `day`, from the reviews' derived rows: they hold current
    versions only, so the latest is one seek of their service-user index (which carries the
    date), where the reviews table would check each version's row."""
    return (
        select(func.max(ReviewFact.reviewed_on))
        .where(ReviewFact.service_user_id == ServiceUser.record_id, ReviewFact.reviewed_on <= day)
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
    """Assessments dated in the period with their allocations, from the reports' derived rows.

    `AssessmentFact` holds one row per current assessment with its current allocation, ratings
    as integers (columns `SCALE_COLUMNS`) and the counts the reports need, in date order: a
    period is one range read, with no JSON to parse and no join (see `store.report_facts`).
    """
    f = AssessmentFact
    return (
        select(
            f.service_user_id.label("su"),
            f.team_id.label("team_id"),
            f.assessment_id.label("assessment"),
            f.rater_id.label("rater"),
            f.assessed_on.label("on"),
            f.recorded_at.label("recorded_at"),
            f.clustering_event.label("event"),
            f.nines.label("nines"),
            f.honos_rated.label("honos_rated"),
            f.honos_total.label("honos_total"),
            f.chosen_cluster.label("chosen"),
            f.suggested_cluster.label("suggested"),
            f.previous_cluster.label("previous"),
            f.reason.label("reason"),
            f.red_breach.label("red_breach"),
            f.rare_transition.label("rare_transition"),
            *[f.__table__.c[column] for column in SCALE_COLUMNS],
        )
        .where(f.assessed_on >= date_from, f.assessed_on <= date_to)
        .subquery(name)
    )
