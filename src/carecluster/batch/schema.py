"""Column names of batch files and data frames (see ../shared/DESIGN.md), in one place."""

from __future__ import annotations

from collections.abc import Sequence

from carecluster.reference.models import SCALE_CODES

RATING_COLUMNS: tuple[str, ...] = tuple(f"mhct_{code.lower()}" for code in SCALE_CODES)
"""mhct_1 .. mhct_13, mhct_a .. mhct_e: the 18 ratings, 0-4 or 9."""
ALLOCATED = "allocated_cluster"
"""Optional: the cluster a clinician allocated (0-21, never 9); its red breaches are checked."""
SUPER_CLASS_GIVEN = "super_class_given"
"""Optional: the clinician's super class answer. Not `super_class`, which the output uses for the
super class of the suggestion, as `allocate()`'s result does (`super_class_given` there too)."""
HEADING_GIVEN = "heading_given"
"""Optional: the decision tree's next heading (e.g. B3 or 'Psychotic crisis')."""
ROW_NUMBER = "row_number"
"""Added to batch output and rejects: the 1-based data row of the input (CSV: line - 1)."""
REASON = "reason"
"""Rejects: why the row could not be allocated."""
REJECT_REASON = "reject_reason"
"""`allocate_frame(..., on_invalid="flag")`: the reason a row has no result."""

OUTPUT_COLUMNS: tuple[str, ...] = (
    "suggested_cluster",
    "super_class",
    "ranking",
    "orange_mismatches",
    "orange_mismatch_scales",
    "red_breaches",
    "red_breach_scales",
    "agrees",
    "reference_id",
    "reference_version",
)
"""What allocation adds to each row, in order.

suggested_cluster: 0 when no cluster in scope is confirmed. super_class: of the suggestion
(null for 0). ranking: one_best, tie or variance, what the grids alone say (the status with its
open questions comes from `allocate()` or the API, one record at a time). orange_mismatches
and orange_mismatch_scales ('3;A'): of the suggestion (null for 0). red_breaches and
red_breach_scales ('7/8;D'): of the allocated cluster (null without one, or for 0). agrees:
allocated == suggested (null without an allocation). reference_id, reference_version: the
reference set every result names.
"""

RESERVED: tuple[str, ...] = (*OUTPUT_COLUMNS, ROW_NUMBER, REASON, REJECT_REASON)


def find_columns(names: Sequence[str]) -> dict[str, str]:
    """Map our column names to the frame's (matched case-insensitively, surrounding spaces ignored).

    Raises KeyError naming every missing rating column, and ValueError for ambiguous names.
    """
    by_folded: dict[str, str] = {}
    for name in names:
        folded = name.strip().lower()
        if folded in by_folded:
            raise ValueError(f"columns {by_folded[folded]!r} and {name!r} differ only in case or spaces")
        by_folded[folded] = name
    found = {
        ours: by_folded[ours]
        for ours in (*RATING_COLUMNS, ALLOCATED, SUPER_CLASS_GIVEN, HEADING_GIVEN)
        if ours in by_folded
    }
    missing = [c for c in RATING_COLUMNS if c not in found]
    if missing:
        raise KeyError(f"no column(s) {', '.join(missing)}: batch files need mhct_1..mhct_13 and mhct_a..mhct_e")
    return found


def check_no_reserved(names: Sequence[str], reserved: Sequence[str] = RESERVED) -> None:
    """Refuse input columns that the output would overwrite (e.g. a previous run's output)."""
    clash = [name for name in names if name.strip().lower() in reserved]
    if clash:
        raise ValueError(
            f"input column(s) {', '.join(clash)} would be overwritten by the output; rename or drop them "
            f"(the clinician's super class goes in {SUPER_CLASS_GIVEN})"
        )
