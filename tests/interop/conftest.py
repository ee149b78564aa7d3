"""Example assessments for the interoperability tests: 9s, scale 8 types, choices and reasons."""

from __future__ import annotations

import datetime as dt

import pytest

import carecluster
from carecluster.domain.ratings import Ratings
from carecluster.domain.schedule import ClusteringEvent
from carecluster.interop import AllocationRecord, AssessmentRecord, ClusterAssignmentPeriod, Rater, ServiceUser
from carecluster.reference import ReferenceSet

NHS = "9990000018"


def allocated(record: AssessmentRecord, reference: ReferenceSet) -> AssessmentRecord:
    return record.with_allocation(carecluster.allocate(record.ratings, record.super_class_given, reference))


@pytest.fixture
def record(reference: ReferenceSet) -> AssessmentRecord:
    """Scale 8 type J with a description, scales 9 and C not known, a clinician's choice with a reason."""
    base = AssessmentRecord(
        id="a-0001",
        service_user=ServiceUser(nhs_number=NHS, local_id="RX1-42"),
        assessed_on=dt.date(2026, 11, 23),
        ratings=Ratings.parse("0,1,0,0,0,0,3,2J,9,1,0,1,0,0,0,9,1,1", problem_description="hoarding, with a comma"),
        event=ClusteringEvent.planned_review,
        rater=Rater(id="u-7", name="Dr Ada Example"),
        super_class_given="non-psychotic",
    )
    suggestion = carecluster.allocate(base.ratings, base.super_class_given, reference)
    allocation = AllocationRecord(
        suggested_cluster=suggestion.suggested_cluster,
        chosen_cluster=3,
        reason="Engages well; moderate needs",
        reference_id=suggestion.reference_id,
        reference_version=suggestion.reference_version,
    )
    return base.model_copy(update={"allocation": allocation})


@pytest.fixture
def plain_record() -> AssessmentRecord:
    """No allocation, no rater, local id only, scale 8 rated 0."""
    return AssessmentRecord(
        id="a-0002",
        service_user=ServiceUser(local_id="RX1-43"),
        assessed_on=dt.date(2026, 1, 5),
        ratings=Ratings.parse("0,0,4,0,0,2,1,0,2,2,1,2,0,2,0,0,3,2"),
    )


@pytest.fixture
def periods(record: AssessmentRecord, plain_record: AssessmentRecord) -> list[ClusterAssignmentPeriod]:
    return [
        ClusterAssignmentPeriod(
            service_user=record.service_user,
            assessment_id=record.id,
            cluster=3,
            start=dt.date(2026, 11, 23),
        ),
        ClusterAssignmentPeriod(
            service_user=plain_record.service_user,
            assessment_id=plain_record.id,
            cluster=16,
            start=dt.date(2026, 1, 5),
            end=dt.date(2026, 7, 1),
        ),
    ]
