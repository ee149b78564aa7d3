"""Profiles on the boundary between two neighbouring clusters: how the engine behaves where the
grids meet, which is where a suggestion is most likely to be confidently wrong.

Neighbours are clusters under one decision-tree heading, consecutive super-class edges (4 and
5) and first-episode psychosis (10) beside the ongoing psychosis clusters (11-13). A boundary
profile rates each scale, where it can, inside both clusters' red and orange cells; where the
two disagree it takes the first cluster's rating nearest to the second's range.
"""

from __future__ import annotations

import itertools

from carecluster.reference.models import RATINGS, SCALE_CODES, ReferenceSet


def neighbour_pairs(reference: ReferenceSet) -> list[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for super_class in reference.decision_tree.super_classes:
        for heading in super_class.headings:
            members = sorted(heading.clusters)
            pairs.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
        members = sorted(super_class.clusters)
        pairs.update(itertools.pairwise(members))  # the heading edges (4-5, 10-11, 15-16)
    pairs.update((10, n) for n in (11, 12, 13))
    return sorted(pairs)


def _wanted(reference: ReferenceSet, cluster: int, code: str) -> tuple[int, ...]:
    row = reference.grids[cluster].cells[code]
    for colours in (("must",), ("expected", "must"), ("may",)):
        hits = tuple(r for r in RATINGS if row[r] in colours)
        if hits:
            return hits
    return (0,)


def boundary_profile(reference: ReferenceSet, a: int, b: int) -> list[int]:
    """A rating on the boundary of `a` and `b` (scale 8 is 0, so 7/8 is scale 7's rating)."""
    values = []
    for code in SCALE_CODES:
        if code == "8":
            values.append(0)
            continue
        mine, theirs = _wanted(reference, a, code), _wanted(reference, b, code)
        both = [r for r in mine if r in theirs]
        if both:
            values.append(both[len(both) // 2])
        else:
            values.append(min(mine, key=lambda r: min(abs(r - t) for t in theirs)))
    return values
