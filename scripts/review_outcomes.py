"""One review per cluster and outcome, with what the tool says: the closing table of issue 24.

    .venv/bin/python scripts/review_outcomes.py [--on 2026-11-23]

For every cluster with a protocol (1-21 but 9) and every outcome (step-up, discharge,
step-down, stays), the first of a fixed list of ratings that reaches that outcome is reviewed:
the cluster's own profile, the profiles of the clusters it may move to, then every other
cluster's, each also moved into the current cluster's discharge rating rules. The history is
the same rating every three months for a year (so periods are covered), and the clinician's
answers are fixed per outcome: none for a step-up (but "yes" to cluster 17's substance
question), all yes for discharge, all yes but social inclusion for a step-down, all no to stay.
Prints a Markdown table; a row says "not reached" when no rating in the list gets there
(and why, where the booklet lists no such step).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator

from carecluster.domain.protocols import ReviewResult, review
from carecluster.reference import SCALE_CODES, ReferenceSet, builtin_reference

OUTCOMES = ("step_up", "discharge", "step_down", "no_change")


def profile(reference: ReferenceSet, cluster: int) -> list[int]:
    """Each scale at the middle of the cluster's red cells, else orange, else yellow (scale 8 at 0,
    so that the higher of 7 and 8 is scale 7's rating): the tests' `prototype`, without pytest."""
    values = []
    for code in SCALE_CODES:
        row = reference.grids[cluster].cells[code]
        hits = next(([r for r in range(5) if row[r] == w] for w in ("must", "expected", "may") if w in row), [0])
        values.append(0 if code == "8" else hits[len(hits) // 2])
    return values


def candidates(reference: ReferenceSet, current: int, outcome: str) -> Iterator[tuple[str, list[int]]]:
    transitions = reference.cluster(current).transitions
    first = [current]
    if transitions is not None:
        first += list(transitions.step_up if outcome == "step_up" else transitions.step_down)
    order = first + [n for n in reference.allocatable_clusters if n not in first]
    protocol = reference.protocols.clusters[current]
    rules = [c.rating for c in protocol.discharge if c.kind == "rating" and c.rating and c.rating.over_months is None]
    if outcome == "discharge":
        yield "all 0", [0] * 18
    for number in order:
        values = profile(reference, number)
        yield f"profile {number}", values
        moved = list(values)
        for rule in rules:
            i = SCALE_CODES.index(rule.scale)
            moved[i] = min(max(moved[i], rule.min), rule.max)
        if moved != values:
            yield f"profile {number}, discharge scales", moved
    if outcome != "discharge":
        yield "all 0", [0] * 18


def answers(reference: ReferenceSet, outcome: str) -> dict[str, str]:
    facts = sorted(reference.protocols.facts)
    if outcome == "step_up":
        return {"substance_prevents_care": "yes"}
    if outcome == "discharge":
        return dict.fromkeys(facts, "yes")
    if outcome == "step_down":
        return {**dict.fromkeys(facts, "yes"), "social_inclusion": "no"}
    return dict.fromkeys(facts, "no")


def says(result: ReviewResult) -> str:
    words = result.outcome.replace("_", " ")
    if result.suggested_clusters and result.outcome != "no_change":
        named = ", ".join(
            f"{s.cluster} ({s.fit.replace('_', ' ')}, {s.orange_mismatches} off)" for s in result.suggested_clusters[:3]
        )
        words += f" to {named}"
    if result.clinical_decision_needed:
        near = ", ".join(f"{s.cluster} ({s.orange_mismatches} off)" for s in result.nearest_clusters)
        words += f": no listed cluster fits well, nearest {near}; clinical decision"
    if result.outcome == "no_change":
        words += " (stays)"
    check = result.engine_check
    if check is not None:
        agrees = ", named" if check.cluster in {s.cluster for s in result.suggested_clusters} else ""
        fit, transition = check.fit.replace("_", " "), check.transition.replace("_", " ")
        words += f"; WARNING engine {check.cluster} ({fit}, {transition}{agrees})"
    return words


def why_not(reference: ReferenceSet, current: int, outcome: str) -> str:
    protocol = reference.protocols.clusters[current]
    transitions = reference.cluster(current).transitions
    if outcome == "step_up" and not protocol.step_up:
        return "not reached: the booklet has no step-up for this cluster"
    if outcome == "step_down" and (not protocol.step_down or transitions is None or not transitions.step_down):
        return "not reached: the booklet lists no step-down (clusters)"
    return "not reached by the fixed list of ratings"


def table(reference: ReferenceSet, on: dt.date) -> list[str]:
    rows = ["| Cluster | Outcome sought | Rating used | What the tool says |", "| --- | --- | --- | --- |"]
    days = [on - dt.timedelta(days=d) for d in (420, 330, 240, 150, 60)]
    for current in sorted(reference.protocols.clusters):
        for outcome in OUTCOMES:
            facts = answers(reference, outcome)
            found = None
            for source, ratings in candidates(reference, current, outcome):
                history = [{"date": day, "ratings": ratings} for day in days]
                result = review(current, ratings, reference, facts=facts, history=history, on=on)
                if result.outcome == outcome:
                    found = (source, result)
                    break
            if found is None:
                rows.append(f"| {current} | {outcome} | - | {why_not(reference, current, outcome)} |")
            else:
                rows.append(f"| {current} | {outcome} | {found[0]} | {says(found[1])} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--on", default="2026-11-23", help="review date, YYYY-MM-DD")
    args = parser.parse_args()
    print("\n".join(table(builtin_reference(), dt.date.fromisoformat(args.on))))


if __name__ == "__main__":
    main()
