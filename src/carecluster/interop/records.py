"""What crosses the interoperability boundary: an assessment, its allocation, assignment periods.

FHIR resources and national data set files are two spellings of the same few facts. Both are
translated to and from these small frozen shapes, never straight to and from database rows, so
that the service layer converts its rows once and every format round-trips through one
definition (and one set of checks).
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from carecluster.domain.ratings import Ratings
from carecluster.domain.results import AllocationResult
from carecluster.domain.schedule import ClusteringEvent
from carecluster.reference.models import ReferenceSet

SuperClassName = Literal["non-psychotic", "psychotic", "organic"]
SuperClassCode = Literal["A", "B", "C", "Z"]

IDENTIFIER = re.compile(r"^[A-Za-z0-9.-]{1,64}$")
"""Ids must also be FHIR ids and identifier values, so they keep to FHIR's id alphabet."""


def nhs_number_problem(value: str) -> str | None:
    """Why `value` is not an NHS number (10 digits, modulus 11 check digit), or None."""
    if len(value) != 10 or not value.isdigit():
        return f"NHS number {value!r} is not 10 digits"
    total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    if check == 10 or check != int(value[9]):
        return f"NHS number {value} fails its check digit"
    return None


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ServiceUser(Frozen):
    """Who was assessed: the NHS number, and/or the provider's local patient id."""

    nhs_number: str | None = None
    local_id: str | None = Field(default=None, min_length=1, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    """The person's name as one text (FHIR HumanName.text): with the birth date, enough to add
    them on import where the importer may."""
    birth_date: date | None = None

    @field_validator("nhs_number")
    @classmethod
    def _valid_nhs_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.replace(" ", "")
        problem = nhs_number_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _identified(self) -> ServiceUser:
        if self.nhs_number is None and self.local_id is None:
            raise ValueError("a service user needs an NHS number or a local patient id")
        return self


class Rater(Frozen):
    """The clinician who rated the MHCT (or who chose the cluster)."""

    id: str | None = None
    name: str | None = None


class AllocationRecord(Frozen):
    """The engine's suggestion, the clinician's choice and why, and the reference set used."""

    suggested_cluster: int = Field(ge=0, le=21)
    chosen_cluster: int | None = Field(default=None, ge=0, le=21)
    reason: str | None = None
    reference_id: str
    reference_version: str

    @field_validator("suggested_cluster", "chosen_cluster")
    @classmethod
    def _not_nine(cls, value: int | None) -> int | None:
        if value == 9:
            raise ValueError("cluster 9 is a blank place marker and is never allocated")
        return value

    @property
    def final_cluster(self) -> int:
        """The cluster that stands: the clinician's choice, else the suggestion."""
        return self.suggested_cluster if self.chosen_cluster is None else self.chosen_cluster


class AssessmentRecord(Frozen):
    """One MHCT v3.1 assessment with, once allocated, its allocation."""

    id: str
    service_user: ServiceUser
    assessed_on: date
    ratings: Ratings
    event: ClusteringEvent | None = None
    rater: Rater | None = None
    super_class_given: SuperClassName | None = None
    """The clinician's answer to the decision tree's first question, if given."""
    heading: str | None = None
    allocation: AllocationRecord | None = None
    completed_time: time | None = None
    """MHSDS AssToolCompTime, where a file gave one (carecluster records the date only)."""
    assessment_reason: str | None = Field(default=None, pattern=r"^[0-9]{2}$")
    """MHSDS ClustToolAssReason as a file gave it (an2); its national codes were not verified, so it
    is kept as given and never derived from the clustering event."""

    @field_validator("id")
    @classmethod
    def _id_alphabet(cls, value: str) -> str:
        if not IDENTIFIER.match(value):
            raise ValueError(f"assessment id {value!r}: use 1-64 letters, digits, '-' or '.'")
        return value

    def with_allocation(self, result: AllocationResult) -> AssessmentRecord:
        """This assessment with the engine's suggestion attached (no clinician choice yet)."""
        allocation = AllocationRecord(
            suggested_cluster=result.suggested_cluster,
            reference_id=result.reference_id,
            reference_version=result.reference_version,
        )
        return self.model_copy(update={"allocation": allocation})


class ClusterAssignmentPeriod(Frozen):
    """A period during which a service user was assigned to a care cluster (end None = open)."""

    service_user: ServiceUser
    assessment_id: str
    """The clustering assessment the assignment followed (MHSDS links both by ClustId)."""
    cluster: int = Field(ge=0, le=21)
    start: date
    end: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ClusterAssignmentPeriod:
        if self.cluster == 9:
            raise ValueError("cluster 9 is a blank place marker and is never allocated")
        if self.end is not None and self.end < self.start:
            raise ValueError(f"assignment period ends ({self.end}) before it starts ({self.start})")
        return self


def super_class_code(cluster: int | None, reference: ReferenceSet) -> SuperClassCode:
    """The decision tree's code (A/B/C) of a cluster's super class; Z for variance or none.

    Z is the national data set's code for the variance cluster (0) and for "not known".
    """
    if cluster is None or cluster == 0:
        return "Z"
    for super_class in reference.decision_tree.super_classes:
        if cluster in super_class.clusters:
            return super_class.code
    return "Z"


def super_class_name(code: str, reference: ReferenceSet) -> SuperClassName | None:
    """The super class named by a decision-tree code (A/B/C); None for Z."""
    for super_class in reference.decision_tree.super_classes:
        if super_class.code == code:
            return super_class.id
    return None
