"""Profiles on the boundary of each pair of neighbouring clusters in the decision tree: the
engine's answer, its status and its questions, reviewed as the booklet's text implies.

Where the inferred grids cannot separate two clusters the answer is a tie, asked, never a plain
suggestion; where a decision-tree fact separates them (first presentation for 10 vs 11-13,
previous care for 1 vs 2, years of treatment for 7, reversible causes for 18) it is asked; where
the grids do separate them the answer is plain. Print the table: scripts/boundary_profiles.py.
"""

from __future__ import annotations

import pytest

from carecluster.domain.allocation import allocate, compile_reference
from carecluster.domain.boundaries import boundary_profile, neighbour_pairs
from carecluster.domain.grid_fit import evaluate
from carecluster.reference import ReferenceSet

EXPECTED = [
    ((1, 2), 1, "needs_answers", ("tie", "previous_care_or_representing")),
    ((1, 3), 1, "needs_answers", ("tie", "previous_care_or_representing")),
    ((1, 4), 1, "needs_answers", ("tie", "previous_care_or_representing")),
    ((2, 3), 2, "needs_answers", ("tie", "previous_care_or_representing")),
    ((2, 4), 2, "needs_answers", ("tie", "previous_care_or_representing")),
    ((3, 4), 3, "needs_answers", ("tie",)),
    ((4, 5), 4, "needs_answers", ("tie",)),
    ((5, 6), 5, "suggested", ()),
    ((5, 7), 5, "suggested", ()),
    ((5, 8), 5, "suggested", ()),
    ((6, 7), 6, "suggested", ()),
    ((6, 8), 6, "suggested", ()),
    ((7, 8), 7, "needs_answers", ("treated_for_years",)),
    ((10, 11), 10, "needs_answers", ("first_presentation_psychosis",)),
    ((10, 12), 10, "needs_answers", ("tie", "first_presentation_psychosis")),
    ((10, 13), 10, "needs_answers", ("tie", "first_presentation_psychosis")),
    ((11, 12), 11, "needs_answers", ("first_presentation_psychosis",)),
    ((11, 13), 11, "needs_answers", ("first_presentation_psychosis",)),
    ((12, 13), 12, "needs_answers", ("first_presentation_psychosis",)),
    ((13, 14), 13, "needs_answers", ("first_presentation_psychosis",)),
    ((14, 15), 14, "suggested", ()),
    ((15, 16), 15, "suggested", ()),
    ((16, 17), 16, "needs_answers", ("first_presentation_psychosis",)),
    ((18, 19), 18, "needs_answers", ("reversible_causes_ruled_out",)),
    ((18, 20), 18, "needs_answers", ("reversible_causes_ruled_out",)),
    ((18, 21), 18, "needs_answers", ("reversible_causes_ruled_out",)),
    ((19, 20), 19, "suggested", ()),
    ((19, 21), 19, "suggested", ()),
    ((20, 21), 20, "suggested", ()),
]


def test_every_neighbouring_pair_is_covered(reference: ReferenceSet) -> None:
    assert [pair for pair, *_ in EXPECTED] == neighbour_pairs(reference)


@pytest.mark.parametrize(("pair", "suggested", "status", "questions"), EXPECTED, ids=lambda v: str(v))
def test_boundary_profile(reference: ReferenceSet, pair, suggested, status, questions) -> None:
    a, b = pair
    values = boundary_profile(reference, a, b)
    result = allocate(values, reference.cluster(a).super_class, reference)
    assert (result.suggested_cluster, result.status, tuple(q.id for q in result.questions)) == (
        suggested,
        status,
        questions,
    )
    # the invariant behind the table: two clusters the grids rank equal are never a plain answer
    compiled = compile_reference(reference)
    fit_a = evaluate(compiled.by_number[a].rows, tuple(values))
    fit_b = evaluate(compiled.by_number[b].rows, tuple(values))
    if fit_a.fit != "excluded" and fit_a.rank_fields() == fit_b.rank_fields():
        assert result.status != "suggested"
