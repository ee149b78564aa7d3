"""Interoperability: FHIR R4 resources and the national data set's clustering tables.

Everything here translates between carecluster's own shapes (`records`) and a standard; the
service layer converts its database rows to and from those shapes, and never touches FHIR or
MHSDS details itself.
"""

from carecluster.interop.allocate import allocate_record
from carecluster.interop.errors import InteropError, Issue, operation_outcome
from carecluster.interop.records import (
    AllocationRecord,
    AssessmentRecord,
    ClusterAssignmentPeriod,
    Rater,
    ServiceUser,
    super_class_code,
)

__all__ = [
    "AllocationRecord",
    "AssessmentRecord",
    "ClusterAssignmentPeriod",
    "InteropError",
    "Issue",
    "Rater",
    "ServiceUser",
    "allocate_record",
    "operation_outcome",
    "super_class_code",
]
