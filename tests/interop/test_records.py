"""The boundary shapes refuse what no standard could carry."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from carecluster.domain.ratings import Ratings
from carecluster.interop import AllocationRecord, AssessmentRecord, ClusterAssignmentPeriod, ServiceUser
from carecluster.interop.records import nhs_number_problem, super_class_code


def test_nhs_number_check_digit() -> None:
    assert nhs_number_problem("9990000018") is None
    assert "check digit" in (nhs_number_problem("9990000017") or "")
    assert "10 digits" in (nhs_number_problem("12345") or "")
    with pytest.raises(ValidationError, match="check digit"):
        ServiceUser(nhs_number="9990000017")


def test_a_service_user_needs_an_identifier() -> None:
    with pytest.raises(ValidationError, match="NHS number or a local patient id"):
        ServiceUser()


def test_ids_keep_to_the_fhir_id_alphabet() -> None:
    with pytest.raises(ValidationError, match="assessment id"):
        AssessmentRecord(
            id="a/1",
            service_user=ServiceUser(local_id="x"),
            assessed_on=dt.date(2026, 1, 1),
            ratings=Ratings.parse("0," * 17 + "0"),
        )


def test_cluster_nine_and_backwards_periods_are_refused() -> None:
    with pytest.raises(ValidationError, match="cluster 9"):
        AllocationRecord(suggested_cluster=9, reference_id="r", reference_version="1")
    with pytest.raises(ValidationError, match="before it starts"):
        ClusterAssignmentPeriod(
            service_user=ServiceUser(local_id="x"),
            assessment_id="a",
            cluster=3,
            start=dt.date(2026, 2, 1),
            end=dt.date(2026, 1, 1),
        )


def test_super_class_codes_follow_the_decision_tree(reference) -> None:
    assert [super_class_code(n, reference) for n in (0, 1, 8, 10, 17, 18, 21, None)] == [
        "Z", "A", "A", "B", "B", "C", "C", "Z",
    ]  # fmt: skip
