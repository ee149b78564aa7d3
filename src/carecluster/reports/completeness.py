"""Completeness: is everyone who should have a cluster clustered, and are the ratings whole?"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String, and_, case, cast, exists, null, select

from carecluster.domain.schedule import INITIAL_ASSESSMENT_CONTACTS
from carecluster.reference.models import ReferenceSet
from carecluster.reports.common import caseload_on, rated_in_period
from carecluster.reports.measures import MeasureSpec
from carecluster.reports.models import Filters, Measure
from carecluster.reports.sql import current
from carecluster.store.models import Assessment, AssessmentFact, AssignmentPeriod, Episode, ServiceUser

INITIAL_PROXY = (
    "carecluster records no contact counts, so the two-contact standard "
    f"(clustered within {INITIAL_ASSESSMENT_CONTACTS} contacts) is measured by a proxy: the episode's first MHCT "
    "assessment (its earliest, by date) carries a chosen cluster. Every recorded assessment is a contact, so a "
    "cluster chosen at the first one was chosen no later than the first rated contact."
)
RECLUSTER_EVENTS = ("admission", "transfer")


def _with_cluster(filters: Filters, _reference: ReferenceSet) -> Any:
    c = caseload_on(filters.date_to)
    return select(
        c.c.su,
        c.c.team_id,
        c.c.clinician_id,
        c.c.cluster,
        case((c.c.cluster.is_not(None), 1), else_=0).label("num"),
        c.c.since.label("on"),
        cast(null(), Float).label("value"),
        cast(null(), String).label("detail"),
    )


def _first_assessment_chosen(filters: Filters, _reference: ReferenceSet) -> Any:
    f = AssessmentFact
    chosen = (  # the chosen cluster of the episode's first assessment (its derived row)
        select(f.chosen_cluster)
        .where(f.service_user_id == Episode.service_user_id, f.episode_id == Episode.record_id)
        .order_by(f.assessed_on, f.recorded_at)
        .limit(1)
        .scalar_subquery()
    )
    inner = (  # materialised: the look-up runs once per episode, not once per use of its result
        select(
            Episode.service_user_id.label("su"),
            ServiceUser.team_id,
            ServiceUser.clinician_id,
            chosen.label("cluster"),
            Episode.referral_date.label("on"),
        )
        .join(ServiceUser, and_(ServiceUser.record_id == Episode.service_user_id, current(ServiceUser)))
        .where(current(Episode), Episode.referral_date >= filters.date_from, Episode.referral_date <= filters.date_to)
        .cte("episodes_referred")
        .prefix_with("MATERIALIZED")
    )
    return select(
        inner.c.su,
        inner.c.team_id,
        inner.c.clinician_id,
        inner.c.cluster,
        case((inner.c.cluster.is_not(None), 1), else_=0).label("num"),
        inner.c.on,
        cast(null(), Float).label("value"),
        cast(null(), String).label("detail"),
    )


def _assessments(filters: Filters, _reference: ReferenceSet) -> Any:
    """Assessments dated in the period, with their 9s counted from the ratings text."""
    r = rated_in_period(filters.date_from, filters.date_to)
    nines = r.c.nines
    return select(
        r.c.su,
        r.c.team_id,
        r.c.rater.label("clinician_id"),
        r.c.chosen.label("cluster"),
        r.c.on,
        cast(nines, Float).label("value"),
        r.c.event.label("detail"),
        case((nines == 0, 1), else_=0).label("complete"),
        case((nines == 1, 1), else_=0).label("nines_1"),
        case((nines == 2, 1), else_=0).label("nines_2"),
        case((nines >= 3, 1), else_=0).label("nines_3"),
        case((r.c.event.in_(RECLUSTER_EVENTS), 1), else_=0).label("event"),
        case((and_(r.c.event.in_(RECLUSTER_EVENTS), r.c.chosen.is_not(None)), 1), else_=0).label("event_chosen"),
    ).select_from(r)


def _discharge_clustered(filters: Filters, _reference: ReferenceSet) -> Any:
    clustered = exists().where(
        Assessment.service_user_id == Episode.service_user_id,
        Assessment.episode_id == Episode.record_id,
        current(Assessment),
        Assessment.clustering_event == "discharge",
    )
    last_cluster = (
        select(AssignmentPeriod.cluster)
        .where(
            AssignmentPeriod.service_user_id == Episode.service_user_id,
            current(AssignmentPeriod),
            AssignmentPeriod.start_date <= Episode.discharge_date,
        )
        .order_by(AssignmentPeriod.start_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    inner = (  # materialised: each look-up runs once per discharge
        select(
            Episode.service_user_id.label("su"),
            ServiceUser.team_id,
            ServiceUser.clinician_id,
            last_cluster.label("cluster"),
            case((clustered, 1), else_=0).label("num"),
            Episode.discharge_date.label("on"),
        )
        .join(ServiceUser, and_(ServiceUser.record_id == Episode.service_user_id, current(ServiceUser)))
        .where(
            current(Episode),
            Episode.discharge_date >= filters.date_from,
            Episode.discharge_date <= filters.date_to,
        )
        .cte("episodes_discharged")
        .prefix_with("MATERIALIZED")
    )
    return select(
        inner.c.su,
        inner.c.team_id,
        inner.c.clinician_id,
        inner.c.cluster,
        inner.c.num,
        inner.c.on,
        cast(null(), Float).label("value"),
        cast(null(), String).label("detail"),
    )


CURRENT_CLUSTER = MeasureSpec(
    id="current_cluster",
    label="Open caseload with a current cluster",
    definition=(
        "Denominator: service users with an episode of care open on the last day of the period (referred on or "
        "before it, not discharged before or on it). Numerator: those with a cluster assignment period covering "
        "that day."
    ),
    numerator_label="with a current cluster",
    denominator_label="on the open caseload",
    units=_with_cluster,
)
INITIAL_CLUSTERING = MeasureSpec(
    id="initial_clustering",
    label="New service users clustered by the end of initial assessment",
    definition=(
        "Denominator: episodes of care referred in the period. Numerator: episodes whose first MHCT assessment "
        "carries a chosen cluster. " + INITIAL_PROXY
    ),
    numerator_label="clustered at the first assessment",
    denominator_label="episodes referred",
    units=_first_assessment_chosen,
)
COMPLETE_RATINGS = MeasureSpec(
    trend=True,
    id="complete_ratings",
    label="Assessments with all 18 scales rated",
    definition=(
        "Denominator: MHCT assessments dated in the period. Numerator: those with no scale rated 9 (not known). "
        "The value is the number of 9s; its mean is over the numerator (always 0), see the table for the spread."
    ),
    numerator_label="with no 9s",
    denominator_label="assessments",
    units=_assessments,
    num="complete",
)
DISCHARGE_CLUSTERING = MeasureSpec(
    id="discharge_clustering",
    label="Discharges with a clustering at discharge",
    definition=(
        "Denominator: episodes of care discharged in the period. Numerator: those with an MHCT assessment recorded "
        "with the clustering event 'discharge' in the episode."
    ),
    numerator_label="clustered at discharge",
    denominator_label="discharges",
    units=_discharge_clustered,
)
EVENT_CLUSTERING = MeasureSpec(
    id="event_clustering",
    label="Re-clustering recorded at admission and transfer",
    definition=(
        "Denominator: MHCT assessments dated in the period with the clustering event 'admission' or 'transfer'. "
        "Numerator: those whose allocation has a chosen cluster. carecluster holds no admission or transfer records "
        "of its own, so events without any MHCT rating cannot be counted."
    ),
    numerator_label="with a chosen cluster",
    denominator_label="admission and transfer assessments",
    units=_assessments,
    num="event_chosen",
    den="event",
)
MEASURES: tuple[MeasureSpec, ...] = (
    CURRENT_CLUSTER,
    INITIAL_CLUSTERING,
    COMPLETE_RATINGS,
    DISCHARGE_CLUSTERING,
    EVENT_CLUSTERING,
)


def _band(n: int, label: str) -> MeasureSpec:
    return MeasureSpec(
        id=f"nines_{n}",
        label=f"Assessments with {label} scales rated 9",
        definition="Assessments dated in the period with this many scales rated 9.",
        numerator_label=label,
        denominator_label="assessments",
        units=_assessments,
        num=f"nines_{n}",
        hidden=True,
    )


NINES_BANDS = (_band(1, "1"), _band(2, "2"), _band(3, "3 or more"))
MEASURES = (*MEASURES, *NINES_BANDS)


def nines_distribution(measures: list[Measure]) -> list[list[Any]]:
    """How many assessments have 0, 1, 2, 3 or more scales rated 9 (from the same pass)."""
    by_id = {m.id: m.numerator for m in measures}
    return [["0", by_id[COMPLETE_RATINGS.id]]] + [[spec.numerator_label, by_id[spec.id]] for spec in NINES_BANDS]
