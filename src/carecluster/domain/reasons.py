"""When a clinician's chosen cluster needs a written reason: the one definition of the rule.

The allocation pages, the API, the imports and the care transition protocols all ask this, so
it lives here. A reason is due when the choice differs from the engine's suggestion, when the
chosen cluster breaks a red (must score) rule for these ratings, or when the move from the
previous cluster is rare or not listed at all in that cluster's care transition protocol (the
booklet lists every expected move, so an unlisted one is at least as unusual as a rare one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from carecluster.reference.models import ReferenceSet

Likelihood = Literal["same", "likely_or_possible", "rare", "not_listed"]


@dataclass(frozen=True, slots=True)
class ReasonDue:
    code: Literal["differs_from_suggestion", "red_breach", "rare_transition", "unlisted_transition"]
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text}


def transition_likelihood(previous: int, chosen: int, reference: ReferenceSet) -> Likelihood:
    """How the booklet rates a move from `previous` to `chosen`."""
    if chosen == previous:
        return "same"
    transitions = reference.cluster(previous).transitions
    if transitions is None:
        return "not_listed"
    return transitions.likelihood(chosen)


def reasons_due(
    *,
    chosen: int,
    suggested: int | None,
    previous: int | None,
    chosen_excluded: bool,
    reference: ReferenceSet,
    breached_scales: Sequence[str] = (),
) -> list[ReasonDue]:
    """Every reason a written reason is due for `chosen` (empty when none is).

    `suggested`: the engine's answer (None where no suggestion applies); `chosen_excluded`: the
    chosen cluster's grid has a red breach for these ratings (on `breached_scales`, when known).
    """
    due: list[ReasonDue] = []
    if suggested is not None and chosen != suggested:
        due.append(
            ReasonDue("differs_from_suggestion", f"cluster {chosen} differs from the suggested cluster {suggested}")
        )
    if chosen_excluded:
        where = f" (scale {', '.join(breached_scales)})" if breached_scales else ""
        due.append(
            ReasonDue("red_breach", f"these ratings break a red (must score) rule of cluster {chosen}'s grid{where}")
        )
    if previous is not None and previous != 0:
        likelihood = transition_likelihood(previous, chosen, reference)
        if likelihood == "rare":
            due.append(ReasonDue("rare_transition", f"a move from cluster {previous} to {chosen} is a rare transition"))
        elif likelihood == "not_listed" and chosen != 0:
            due.append(
                ReasonDue(
                    "unlisted_transition",
                    f"the booklet lists no move from cluster {previous} to {chosen} in cluster {previous}'s protocol",
                )
            )
    return due
