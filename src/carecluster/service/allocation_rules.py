"""When a clinician's chosen cluster needs a written reason.

A reason is mandatory when the choice differs from the engine's suggestion, when the chosen
cluster breaks a red (must score) rule for these ratings, or when moving from the current
cluster to the chosen one is a rare transition in the current cluster's protocol. Cluster 9 is
a blank place marker and can never be chosen.
"""

from __future__ import annotations

from typing import Any

from carecluster.domain.allocation import allocate
from carecluster.domain.ratings import Ratings
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
    """Why a reason must be given for `chosen` (empty when none is needed)."""
    if chosen == 9 or not reference.cluster(chosen).allocatable:
        raise Invalid.field(field, f"cluster {chosen} can never be allocated")
    why: list[dict[str, Any]] = []
    if chosen != result.suggested_cluster:
        why.append(
            {
                "code": "differs_from_suggestion",
                "text": f"cluster {chosen} differs from the suggested cluster {result.suggested_cluster}",
            }
        )
    fit = chosen_fit(result, ratings, chosen, reference)
    if fit == "excluded":
        why.append(
            {"code": "red_breach", "text": f"these ratings break a red (must score) rule of cluster {chosen}'s grid"}
        )
    if previous is not None and previous != chosen:
        transitions = reference.cluster(previous).transitions
        if transitions is not None and transitions.likelihood(chosen) == "rare":
            why.append(
                {"code": "rare_transition", "text": f"a move from cluster {previous} to {chosen} is a rare transition"}
            )
    return why


def require_reason(why: list[dict[str, Any]], reason: str | None, field: tuple[str, ...] = ("body", "reason")) -> None:
    if why and not (reason or "").strip():
        raise Invalid.field(field, "a reason is required: " + "; ".join(w["text"] for w in why))
