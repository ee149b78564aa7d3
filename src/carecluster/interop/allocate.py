"""Allocate an imported assessment: the same engine, the reference set named on the result."""

from __future__ import annotations

from carecluster.api import allocate as api_allocate
from carecluster.domain.allocation import AllocationError
from carecluster.domain.results import AllocationResult
from carecluster.interop.errors import InteropError, Issue
from carecluster.interop.records import AssessmentRecord
from carecluster.reference.models import ReferenceSet


def allocate_record(record: AssessmentRecord, reference: ReferenceSet) -> tuple[AssessmentRecord, AllocationResult]:
    """The engine's suggestion for `record`; a record without an allocation gets this one attached.

    A record that arrives with an allocation keeps it (it is history: the clinician's choice and
    the reference set used then); the fresh result is still returned, for display and audit.
    """
    try:
        result = api_allocate(record.ratings, record.super_class_given, reference, heading=record.heading)
    except AllocationError as error:
        where = "QuestionnaireResponse.item.where(linkId='heading')" if record.heading else None
        raise InteropError([Issue(str(error), where, "value")]) from None
    if record.allocation is None:
        record = record.with_allocation(result)
    return record, result
