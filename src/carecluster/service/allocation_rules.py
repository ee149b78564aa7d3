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


def today_differs(
    suggestion: dict[str, Any], ratings: Ratings, super_class: str | None, heading: str | None, reference: ReferenceSet
) -> str | None:
    """What today's engine and reference set would answer for a stored rating, when it differs.

    A stored suggestion never changes meaning: it keeps the engine and reference set it was
    made with. This says, beside it, that a newer engine or set would now answer otherwise.
    """
    facts = {str(k): bool(v) for k, v in (suggestion.get("facts") or {}).items()}
    try:
        now = allocate(ratings, super_class, reference, heading=heading, facts=facts)
    except ValueError:
        return None  # the stored answers no longer apply to today's questions: nothing to compare
    before = (suggestion.get("suggested_cluster"), suggestion.get("status"))
    if before == (now.suggested_cluster, now.status):
        return None
    made_with = (
        f"engine {suggestion.get('engine_version', 'before 2026.12')}, reference set "
        f"{suggestion.get('reference_id', '?')} {suggestion.get('reference_version', '?')}"
    )
    return (
        f"Today's engine ({now.engine_version}, reference set {now.reference_id} {now.reference_version}) would answer "
        f"cluster {now.suggested_cluster} ({now.status.replace('_', ' ')}); this suggestion was made with {made_with}."
    )


def require_reason(why: list[dict[str, Any]], reason: str | None, field: tuple[str, ...] = ("body", "reason")) -> None:
    if why and not (reason or "").strip():
        raise Invalid.field(field, "a reason is required: " + "; ".join(w["text"] for w in why))
