"""Plain-language reasons for a suggestion, in the words of the booklet's colour key.

Kept apart from the rules so that the wording can be improved without touching the logic, and
so that every interface (terminal, web, API, stored record) shows the same reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from carecluster.domain.grid_fit import GridFit
from carecluster.domain.results import Finding

if TYPE_CHECKING:
    from carecluster.domain.results import Candidate, Question
    from carecluster.reference.models import ReferenceSet

DRAFT_AID = (
    "A draft aid, not a decision: the final clustering decision is the clinician's, based on the "
    "assessment and clinical judgement."
)
NEAREST_SHOWN = 3


def ratings_range(ratings: Sequence[int]) -> str:
    """(2, 3, 4) -> '2-4'; (0, 2) -> '0 or 2'."""
    if not ratings:
        return "none"
    runs: list[list[int]] = []
    for r in sorted(ratings):
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    return " or ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def _scale(hit: Finding) -> str:
    return "scales 7/8 (the higher)" if hit.scale == "7/8" else f"scale {hit.scale}"


def _rated(hit: Finding) -> str:
    if hit.rating is None:
        return "is not known (9)"
    return f"is {hit.rating}"


def _miss(hit: Finding, kind: str) -> str:
    on_yellow = " (a yellow, may-score cell)" if hit.colour == "may" else ""
    off = f", off by {hit.distance}" if hit.distance else ""
    return f"{_scale(hit)} {_rated(hit)}{on_yellow}; {kind} {ratings_range(hit.expected)}{off}"


def describe_candidate(number: int, label: str, fit: GridFit) -> str:
    name = f"Cluster {number} ({label})"
    parts: list[str] = []
    verdict = fit.fit
    if verdict == "excluded":
        parts.append(
            f"{name} is excluded: red (must score) " + "; ".join(_miss(h, "must be") for h in fit.red_breaches) + "."
        )
    elif verdict == "unconfirmed":
        parts.append(
            f"{name} is possible but needs further assessment: red (must score) "
            + "; ".join(f"{_scale(h)} {_rated(h)}, must be {ratings_range(h.expected)}" for h in fit.red_unconfirmed)
            + "."
        )
    elif verdict == "weaker_fit":
        n = len(fit.orange_mismatches)
        parts.append(
            f"{name} is a weaker fit: its red ranges are met, but {n} expected (orange) rating"
            f"{'s are' if n > 1 else ' is'} off - "
            + "; ".join(_miss(h, "expected") for h in fit.orange_mismatches)
            + "."
        )
    else:
        parts.append(f"{name} fits: every red (must score) and orange (expected) scale is in range.")
    if verdict != "excluded" and fit.orange_mismatches and verdict != "weaker_fit":
        parts.append(
            "Orange (expected) ratings off: " + "; ".join(_miss(h, "expected") for h in fit.orange_mismatches) + "."
        )
    if fit.orange_not_known:
        parts.append("Orange scales not known: " + ", ".join(h.scale for h in fit.orange_not_known) + ".")
    if fit.unlikely:
        parts.append(
            "Ratings on blank (unlikely to score) cells: "
            + ", ".join(f"{h.scale} at {h.rating}" for h in fit.unlikely)
            + "."
        )
    if fit.yellow:
        parts.append(
            "Yellow (may score) ratings, which may point to extra care plan needs: "
            + ", ".join(f"{h.scale} at {h.rating}" for h in fit.yellow)
            + "."
        )
    return " ".join(parts)


def _short(candidate: Candidate) -> str:
    if candidate.fit == "excluded":
        return f"{len(candidate.red_breaches)} red breach{'es' if len(candidate.red_breaches) > 1 else ''}"
    if candidate.fit == "unconfirmed":
        return "red scale not known"
    if candidate.fit == "weaker_fit":
        distance = sum(f.distance for f in candidate.orange_mismatches)
        return f"{len(candidate.orange_mismatches)} orange off by {distance} in all"
    return "fits"


def describe_result(
    *,
    suggested: int,
    status: str,
    candidates: Sequence[Candidate],
    tied: Sequence[int],
    questions: Sequence[Question],
    facts: dict[str, bool],
    reference: ReferenceSet,
) -> str:
    """The answer, how sure it is, why, the answers it rests on and what stands open, in that order."""
    by_number = {c.cluster: c for c in candidates}
    lead = {
        "suggested": "Suggested: ",
        "needs_answers": "Best answer so far, open questions below: ",
        "needs_further_assessment": "Best answer so far, but a scale rated 9 (not known) could change it: ",
        "variance": "",
    }[status]
    if suggested != 0:
        top = by_number[suggested]
        text = f"{lead}{top.explanation}"
        if tied:
            text += f" Equally good: {', '.join(f'cluster {n}' for n in tied)}."
        runners = [c for c in candidates if c.cluster != suggested and c.cluster not in tied][:2]
        if runners:
            text += " Next best: " + "; ".join(f"cluster {c.cluster} ({_short(c)})" for c in runners) + "."
    else:
        nearest = list(candidates[:NEAREST_SHOWN])
        text = (
            f"{lead}No considered cluster is free of red (must score) breaches, so cluster 0 (variance) is "
            "suggested. Nearest clusters and why each failed: " + " ".join(c.explanation for c in nearest)
        )
    if facts:
        text += (
            " Answers given: "
            + "; ".join(f"{k.replace('_', ' ')}: {'yes' if v else 'no'}" for k, v in facts.items())
            + "."
        )
    if questions:
        n = len(questions)
        text += f" {n} open question{'s' if n > 1 else ''} stand{'' if n > 1 else 's'} between these ratings and a clear answer."
    return text


def low_confidence_warning(reference: ReferenceSet) -> str:
    return (
        f"Reference set {reference.id} {reference.version}: the grids behind this suggestion are inferred "
        "(low confidence), not the official booklet grids. Check against the booklet; a provider can load "
        "the official grids with --reference or CARECLUSTER_REFERENCE."
    )
