"""When a chosen cluster needs a reason: differs from the suggestion, breaks a red rule, or is a
rare transition; and cluster 9 is never chosen."""

from __future__ import annotations

import pytest

from carecluster.api import allocate
from carecluster.domain.ratings import Ratings
from carecluster.reference import ReferenceSet
from carecluster.service.allocation_rules import reasons_required, require_reason
from carecluster.service.errors import Invalid

RATINGS = Ratings.of([0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1])


def codes(reference: ReferenceSet, chosen: int, previous: int | None = None, super_class: str | None = "non-psychotic"):
    result = allocate(RATINGS, super_class, reference)
    return [w["code"] for w in reasons_required(result, RATINGS, chosen, previous, reference)]


def test_choosing_the_suggestion_needs_no_reason(reference: ReferenceSet) -> None:
    assert codes(reference, 4) == []


def test_a_different_choice_needs_a_reason(reference: ReferenceSet) -> None:
    assert codes(reference, 3) == ["differs_from_suggestion"]


def test_a_red_breach_is_found_even_outside_the_decision_tree_answer(reference: ReferenceSet) -> None:
    assert codes(reference, 16) == ["differs_from_suggestion", "red_breach"]  # 16 is psychotic: not considered


def test_a_rare_transition_needs_a_reason_even_when_it_is_the_suggestion(reference: ReferenceSet) -> None:
    rare = [
        (c.number, r)
        for c in reference.clusters
        if c.transitions
        for r in c.transitions.rare
        if r == 4 and c.number != 4
    ]
    assert rare, "the built-in set lists some rare transitions into cluster 4"
    previous = rare[0][0]
    assert codes(reference, 4, previous) == ["rare_transition"]


@pytest.mark.parametrize("chosen", [9])
def test_cluster_nine_is_never_allocated(reference: ReferenceSet, chosen: int) -> None:
    with pytest.raises(Invalid, match="can never be allocated"):
        codes(reference, chosen)


def test_require_reason_names_why() -> None:
    why = [{"code": "differs_from_suggestion", "text": "cluster 3 differs from the suggested cluster 4"}]
    with pytest.raises(Invalid, match="differs from the suggested cluster 4"):
        require_reason(why, "  ")
    require_reason(why, "clinical judgement")
    require_reason([], None)


def test_an_unlisted_transition_needs_a_reason_as_a_rare_one_does(reference: ReferenceSet) -> None:
    """One rule for the allocation and the review: a move the previous cluster's protocol does not
    list at all is at least as unusual as a rare one (the built-in set lists every move, so a
    provider's protocol that lists fewer is used here)."""
    from carecluster.domain.reasons import transition_likelihood

    clusters = list(reference.clusters)
    transitions = clusters[21].transitions
    assert transitions is not None
    clusters[21] = clusters[21].model_copy(update={"transitions": transitions.model_copy(update={"rare": ()})})
    narrower = reference.model_copy(update={"clusters": tuple(clusters)})
    assert transition_likelihood(21, 4, narrower) == "not_listed"
    result = allocate(RATINGS, "non-psychotic", narrower)
    assert [w["code"] for w in reasons_required(result, RATINGS, 4, 21, narrower)] == ["unlisted_transition"]


def test_a_stored_suggestion_says_when_todays_engine_would_answer_otherwise(reference: ReferenceSet) -> None:
    from carecluster.service.allocation_rules import today_differs

    stored = allocate(RATINGS, "non-psychotic", reference).model_dump(mode="json")
    assert today_differs(stored, RATINGS, "non-psychotic", None, reference) is None
    older = {**stored, "suggested_cluster": 11, "status": "tie", "engine_version": None}
    older.pop("engine_version")
    said = today_differs(older, RATINGS, "non-psychotic", None, reference)
    assert said is not None
    assert f"would answer cluster {stored['suggested_cluster']}" in said
    assert "made with engine before 2026.12" in said
