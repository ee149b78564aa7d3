"""carecluster: MHCT v3.1 ratings to explained care cluster allocations, for NHS mental health providers."""

from importlib import metadata as _metadata

from carecluster.api import allocate, allocate_frame, resolve_reference, review, schedule
from carecluster.domain.allocation import AllocationError
from carecluster.domain.protocols import PastAssessment, ReviewError, ReviewResult
from carecluster.domain.ratings import RatingError, Ratings
from carecluster.domain.results import AllocationResult
from carecluster.domain.schedule import ClusteringEvent, ScheduleError, ScheduleResult
from carecluster.reference import ReferenceError, ReferenceSet, builtin_reference, load_reference

try:  # the version lives in pyproject.toml only; an installed package knows it
    __version__ = _metadata.version("carecluster")
except _metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "AllocationError",
    "AllocationResult",
    "ClusteringEvent",
    "PastAssessment",
    "RatingError",
    "Ratings",
    "ReferenceError",
    "ReferenceSet",
    "ReviewError",
    "ReviewResult",
    "ScheduleError",
    "ScheduleResult",
    "__version__",
    "allocate",
    "allocate_frame",
    "builtin_reference",
    "load_reference",
    "resolve_reference",
    "review",
    "schedule",
]
