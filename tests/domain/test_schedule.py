"""Review due dates for every interval, month ends and leap years; episodes; the two-contact standard."""

from __future__ import annotations

from datetime import date

import pytest

from carecluster.domain.schedule import (
    ClusteringEvent,
    ScheduleError,
    add_duration,
    initial_clustering_standard,
    schedule,
)
from carecluster.reference import ReferenceSet
from carecluster.reference.models import Duration

# one cluster per review interval in the booklet
INTERVALS = {14: "4 weeks", 1: "12 weeks", 2: "15 weeks", 3: "6 months", 10: "1 year"}


@pytest.mark.parametrize(
    ("cluster", "allocated", "due"),
    [
        (14, date(2026, 1, 5), date(2026, 2, 2)),  # 4 weeks
        (15, date(2026, 12, 20), date(2027, 1, 17)),  # 4 weeks across the year end
        (1, date(2026, 1, 5), date(2026, 3, 30)),  # 12 weeks
        (2, date(2026, 1, 5), date(2026, 4, 20)),  # 15 weeks
        (3, date(2026, 1, 5), date(2026, 7, 5)),  # 6 months
        (4, date(2026, 8, 31), date(2027, 2, 28)),  # 6 months from a month end: clamps to February
        (5, date(2027, 8, 31), date(2028, 2, 29)),  # ... and to the 29th in a leap year
        (19, date(2026, 3, 31), date(2026, 9, 30)),  # 31st to a 30-day month
        (10, date(2026, 1, 5), date(2027, 1, 5)),  # annually
        (11, date(2024, 2, 29), date(2025, 2, 28)),  # annually from a leap day
        (12, date(2027, 2, 28), date(2028, 2, 28)),  # annually into a leap year keeps the 28th
        (0, date(2026, 5, 31), date(2026, 11, 30)),  # variance: 6 months
    ],
)
def test_next_review_due(reference: ReferenceSet, cluster: int, allocated: date, due: date) -> None:
    assert schedule(cluster, allocated, reference).next_review_due == due


@pytest.mark.parametrize(("cluster", "interval"), INTERVALS.items())
def test_every_interval_is_the_booklets(reference: ReferenceSet, cluster: int, interval: str) -> None:
    assert schedule(cluster, date(2026, 1, 1), reference).review_interval == interval


def test_overdue_from_the_day_after_it_falls_due(reference: ReferenceSet) -> None:
    allocated = date(2026, 1, 5)
    on_the_day = schedule(14, allocated, reference, on=date(2026, 2, 2))
    assert not on_the_day.overdue
    assert on_the_day.days_until_due == 0
    late = schedule(14, allocated, reference, on=date(2026, 2, 10))
    assert late.overdue
    assert late.days_overdue == 8


def test_indicative_episode_and_whether_it_is_exceeded(reference: ReferenceSet) -> None:
    allocated = date(2026, 1, 5)
    within = schedule(14, allocated, reference, on=date(2026, 3, 30))
    assert within.indicative_episode == "8-12 weeks"
    assert within.episode_ends == date(2026, 3, 30)
    assert not within.episode_exceeded
    assert schedule(14, allocated, reference, on=date(2026, 3, 31)).episode_exceeded
    open_ended = schedule(12, allocated, reference, on=date(2036, 1, 1))
    assert open_ended.episode_ends is None
    assert not open_ended.episode_exceeded
    assert schedule(5, allocated, reference, on=date(2029, 1, 6)).episode_exceeded  # 1-3 years


def test_errors(reference: ReferenceSet) -> None:
    with pytest.raises(ScheduleError, match="never allocated"):
        schedule(9, date(2026, 1, 1), reference)
    with pytest.raises(ScheduleError, match="does not exist"):
        schedule(22, date(2026, 1, 1), reference)
    with pytest.raises(ScheduleError, match="before the allocation"):
        schedule(3, date(2026, 1, 1), reference, on=date(2025, 12, 31))


def test_add_duration_backwards_clamps_too() -> None:
    assert add_duration(date(2026, 3, 31), Duration(value=1, unit="months"), backwards=True) == date(2026, 2, 28)
    assert add_duration(date(2025, 2, 28), Duration(value=1, unit="years"), backwards=True) == date(2024, 2, 28)
    assert add_duration(date(2026, 1, 10), Duration(value=2, unit="weeks"), backwards=True) == date(2025, 12, 27)


def test_clustering_events_of_the_policy() -> None:
    assert [e.value for e in ClusteringEvent] == [
        "initial_assessment",
        "planned_review",
        "unplanned_review",
        "admission",
        "transfer",
        "discharge",
    ]
    assert "CPA" in ClusteringEvent.planned_review.label


@pytest.mark.parametrize(
    ("clustered_at", "contacts", "status"),
    [(1, 1, "met"), (2, 5, "met"), (3, 3, "breached"), (None, 1, "pending"), (None, 2, "breached")],
)
def test_two_contact_standard(clustered_at: int | None, contacts: int, status: str) -> None:
    assert initial_clustering_standard(clustered_at, contacts) == status
