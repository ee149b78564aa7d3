"""Versioned reference data: MHCT v3.1, clusters 0-21, rating grids and the decision tree."""

from carecluster.reference.diff import diff_reference
from carecluster.reference.errors import ReferenceError
from carecluster.reference.loader import ENV_VAR, builtin_reference, load_reference, read_reference_file
from carecluster.reference.models import NOT_KNOWN, RATINGS, SCALE_CODES, ReferenceSet

__all__ = [
    "ENV_VAR",
    "NOT_KNOWN",
    "RATINGS",
    "SCALE_CODES",
    "ReferenceError",
    "ReferenceSet",
    "builtin_reference",
    "diff_reference",
    "load_reference",
    "read_reference_file",
]
