"""Review scheduling, episodes of care and the trust policy's clustering events.

Each cluster has an outer limit for reviews (4 weeks, 12 weeks, 15 weeks, 6 months, annually)
and an indicative episode of care. Months and years are calendar months and years: a review 6
months after 31 August is due on 28 (or 29) February, never in March.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from carecluster.reference.models import Duration, ReferenceSet


class ScheduleError(ValueError):
    """A schedule was asked of a cluster that has no review interval (9), or of bad dates."""


def add_duration(start: date, duration: Duration, *, backwards: bool = False) -> date:
    """`start` plus (or minus) a duration; month ends clamp (31 Jan + 1 month = 28/29 Feb)."""
    sign = -1 if backwards else 1
    if duration.unit == "weeks":
        return start + sign * timedelta(weeks=duration.value)
    months = sign * duration.value * (12 if duration.unit == "years" else 1)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


class ClusteringEvent(StrEnum):
    """When the trust policy requires a cluster to be allocated or reviewed."""

    initial_assessment = "initial_assessment"
    planned_review = "planned_review"
    unplanned_review = "unplanned_review"
    admission = "admission"
    transfer = "transfer"
    discharge = "discharge"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    ClusteringEvent.initial_assessment: "Initial assessment",
    ClusteringEvent.planned_review: "Planned CPA or other formal care review",
    ClusteringEvent.unplanned_review: "Unplanned review (significant change in planned care)",
    ClusteringEvent.admission: "Hospital admission",
    ClusteringEvent.transfer: "Transfer to another team or service (e.g. crisis resolution and home treatment)",
    ClusteringEvent.discharge: "Discharge from mental health services",
}

INITIAL_ASSESSMENT_CONTACTS = 2
"""The standard: a new service user is clustered by the end of the initial assessment, typically
within two contacts."""


def initial_clustering_standard(contacts_before_clustering: int | None, contacts_so_far: int) -> str:
    """'met', 'breached' or 'pending' for the two-contact standard.

    `contacts_before_clustering`: the number of the contact at which the first cluster was
    allocated (None if not yet clustered); `contacts_so_far`: contacts held to date.
    """
    if contacts_so_far < 0 or (contacts_before_clustering is not None and contacts_before_clustering < 1):
        raise ScheduleError("contact counts must be positive")
    if contacts_before_clustering is not None:
        return "met" if contacts_before_clustering <= INITIAL_ASSESSMENT_CONTACTS else "breached"
    return "pending" if contacts_so_far < INITIAL_ASSESSMENT_CONTACTS else "breached"


class ScheduleResult(BaseModel):
    """The JSON contract of `carecluster schedule --json` and of caseload views."""

    model_config = ConfigDict(frozen=True)

    cluster: int
    cluster_label: str
    allocated: date
    on: date
    review_interval: str
    next_review_due: date
    overdue: bool
    days_overdue: int
    days_until_due: int
    indicative_episode: str | None
    episode_ends: date | None
    """The end of the indicative episode (its upper bound); None for open-ended episodes."""
    episode_exceeded: bool
    reference_id: str
    reference_version: str


def schedule(cluster: int, allocated: date, reference: ReferenceSet, on: date | None = None) -> ScheduleResult:
    """When the next review of an allocation falls due, and whether it or the episode is overrun.

    A review is overdue the day after it falls due. `on` defaults to `allocated` (a pure function
    takes no clock: the caller passes today's date).
    """
    if not 0 <= cluster <= 21:
        raise ScheduleError(f"cluster {cluster} does not exist: clusters are numbered 0-21")
    info = reference.cluster(cluster)
    if info.review_interval is None:
        raise ScheduleError(f"cluster {cluster} ({info.title}) is never allocated, so it has no review schedule")
    on = on or allocated
    if on < allocated:
        raise ScheduleError(f"the date asked about ({on}) is before the allocation ({allocated})")
    due = add_duration(allocated, info.review_interval)
    episode = info.indicative_episode
    episode_ends = add_duration(allocated, episode.maximum) if episode and episode.maximum else None
    return ScheduleResult(
        cluster=cluster,
        cluster_label=info.title,
        allocated=allocated,
        on=on,
        review_interval=str(info.review_interval),
        next_review_due=due,
        overdue=on > due,
        days_overdue=max(0, (on - due).days),
        days_until_due=max(0, (due - on).days),
        indicative_episode=episode.text if episode else None,
        episode_ends=episode_ends,
        episode_exceeded=episode_ends is not None and on > episode_ends,
        reference_id=reference.id,
        reference_version=reference.version,
    )
