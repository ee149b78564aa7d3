"""A clinician's chosen cluster checked for the service: never cluster 9, and a written reason
whenever `domain.reasons` says one is due."""

from __future__ import annotations

from typing import Any

from carecluster.domain.allocation import allocate
from carecluster.domain.ratings import Ratings
from carecluster.domain.reasons import reasons_due
from carecluster.domain.results import AllocationResult
from carecluster.reference.models import ReferenceSet
from carecluster.service.errors import Invalid


def chosen_fit(result: AllocationResult, ratings: Ratings, chosen: int, reference: ReferenceSet) -> str | None:
    """The chosen cluster's grid fit for these ratings, even if the decision tree answer left it out."""
    if chosen == 0:
        return None
    if chosen not in result.considered_clusters:
        result = allocate(ratings, None, reference)
    return result.candidate(chosen).fit


def reasons_required(
    result: AllocationResult,
    ratings: Ratings,
    chosen: int,
    previous: int | None,
    reference: ReferenceSet,
    field: tuple[str, ...] = ("body", "chosen_cluster"),
) -> list[dict[str, Any]]:
    """Why a reason must be given for `chosen` (empty when none is needed); see `domain.reasons`."""
    if chosen == 9 or not reference.cluster(chosen).allocatable:
        raise Invalid.field(field, f"cluster {chosen} can never be allocated")
    due = reasons_due(
        chosen=chosen,
        suggested=result.suggested_cluster,
        previous=previous,
        chosen_excluded=chosen_fit(result, ratings, chosen, reference) == "excluded",
        reference=reference,
    )
    return [reason.as_dict() for reason in due]


def require_reason(why: list[dict[str, Any]], reason: str | None, field: tuple[str, ...] = ("body", "reason")) -> None:
    if why and not (reason or "").strip():
        raise Invalid.field(field, "a reason is required: " + "; ".join(w["text"] for w in why))
