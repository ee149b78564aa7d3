"""The allocation engine: every booklet rule on each cluster, and properties over all ratings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecluster.domain.allocation import AllocationError, allocate
from carecluster.reference import SCALE_CODES, ReferenceSet, builtin_reference
from tests.conftest import ALLOCATABLE, prototype

ratings_strategy = st.lists(st.sampled_from([0, 1, 2, 3, 4, 9]), min_size=18, max_size=18)
super_classes = st.sampled_from([None, "non-psychotic", "psychotic", "organic"])


def super_class_of(reference: ReferenceSet, number: int) -> str:
    return reference.cluster(number).super_class


def index_of(scale: str) -> int:
    return SCALE_CODES.index(scale)


@pytest.mark.parametrize("number", ALLOCATABLE)
def test_a_clusters_own_profile_is_suggested_or_tied(reference: ReferenceSet, number: int) -> None:
    result = allocate(prototype(reference, number), super_class_of(reference, number), reference)
    assert result.candidate(number).fit == "fits"
    assert result.suggested_cluster == number or number in result.tied_with
    if result.suggested_cluster != number:
        assert f"cluster {number}" in result.explanation


@pytest.mark.parametrize("number", ALLOCATABLE)
def test_a_red_breach_excludes_the_cluster(reference: ReferenceSet, number: int) -> None:
    grid = reference.grids[number]
    scale = next(code for code in SCALE_CODES if "must" in grid.cells[code] and code != "8")
    red = grid.ratings_with(scale, "must")
    outside = next(r for r in range(5) if r not in red)
    values = prototype(reference, number)
    values[index_of(scale)] = outside
    result = allocate(values, super_class_of(reference, number), reference)
    candidate = result.candidate(number)
    assert candidate.fit == "excluded"
    assert result.suggested_cluster != number
    tested = "7/8" if scale == "7" else scale
    assert [f.scale for f in candidate.red_breaches] == [tested]
    assert candidate.red_breaches[0].rating == outside
    assert "excluded: red (must score)" in candidate.explanation


@pytest.mark.parametrize("number", ALLOCATABLE)
def test_a_red_scale_not_known_is_never_plainly_suggested(reference: ReferenceSet, number: int) -> None:
    grid = reference.grids[number]
    scale = next(code for code in SCALE_CODES if "must" in grid.cells[code] and code != "8")
    values = prototype(reference, number)
    values[index_of(scale)] = 9
    if scale == "7":
        values[index_of("8")] = 9
    if all(c == "must" for c in grid.cells[scale]):
        pytest.fail("a fully red row cannot test the not-known rule")
    result = allocate(values, super_class_of(reference, number), reference)
    assert result.candidate(number).fit == "unconfirmed"
    assert result.status == "needs_further_assessment"
    asked = {q.id: q for q in result.questions if q.kind == "not_known"}
    assert f"scale_{scale}" in asked
    assert number in asked[f"scale_{scale}"].clusters
    assert any(f"cluster {number} (red scale" in w and "further assessment" in w for w in result.warnings)
    assert any("rated 9 (not known)" in w for w in result.warnings)


@pytest.mark.parametrize("number", ALLOCATABLE)
def test_an_orange_mismatch_is_a_weaker_fit_ranked_by_distance(reference: ReferenceSet, number: int) -> None:
    grid = reference.grids[number]
    scale = next(
        code
        for code in SCALE_CODES
        if "expected" in grid.cells[code] and "must" not in grid.cells[code] and code not in ("7", "8")
    )
    orange = grid.ratings_with(scale, "expected")
    far = max(range(5), key=lambda r: min(abs(r - o) for o in orange))
    values = prototype(reference, number)
    values[index_of(scale)] = far
    result = allocate(values, super_class_of(reference, number), reference)
    candidate = result.candidate(number)
    assert candidate.fit == "weaker_fit"
    [mismatch] = candidate.orange_mismatches
    assert mismatch.scale == scale
    assert mismatch.rating == far
    assert mismatch.distance == min(abs(far - o) for o in orange)
    assert f"scale {scale} is {far}" in candidate.explanation


def test_no_cluster_without_a_red_breach_gives_variance_with_reasons(
    reference: ReferenceSet, confirmed_reference: ReferenceSet
) -> None:
    plain = allocate([0] * 18, "non-psychotic", confirmed_reference)
    assert (plain.suggested_cluster, plain.status, plain.questions) == (0, "variance", [])
    # with inferred red cells, variance is never certain: each cluster they alone exclude is asked
    result = allocate([0] * 18, "non-psychotic", reference)
    assert result.suggested_cluster == 0
    assert result.status == "needs_answers"
    assert {q.kind for q in result.questions} == {"inferred_rule"}
    assert result.super_class is None
    assert all(c.fit == "excluded" for c in result.candidates)
    assert "cluster 0 (variance)" in result.explanation
    nearest = result.candidates[:3]
    for candidate in nearest:
        assert f"Cluster {candidate.cluster} (" in result.explanation
    assert "must be" in result.explanation


def test_needs_further_assessment_when_only_unknowns_stand_in_the_way(reference: ReferenceSet) -> None:
    values = prototype(reference, 14)
    values[index_of("6")] = 9
    result = allocate(values, None, reference, heading="B3")
    assert result.suggested_cluster == 14  # the best answer so far: it fits if scale 6 is in its red range
    assert result.status == "needs_further_assessment"
    [question] = result.questions
    assert question.id == "scale_6"
    assert question.kind == "not_known"
    assert 14 in question.clusters
    assert question.answers == ["0", "1", "2", "3", "4"]
    assert {c.fit for c in result.candidates} <= {"unconfirmed", "excluded"}


def test_ties_are_reported_never_broken_silently(reference: ReferenceSet) -> None:
    result = allocate("0,0,0,0,0,0,1,2,1,0,0,0,0,0,0,0,0,0", "non-psychotic", reference)
    assert result.ranking == "tie"
    assert result.status == "needs_answers"
    tie = next(q for q in result.questions if q.kind == "tie")
    assert tie.clusters == [result.suggested_cluster, *result.tied_with]
    assert result.suggested_cluster == min([result.suggested_cluster, *result.tied_with])
    assert any(w.startswith("Tie: clusters") and "lowest cluster number" in w for w in result.warnings)
    assert "Equally good" in result.explanation


def test_without_a_super_class_all_are_considered_and_the_best_of_each_reported(reference: ReferenceSet) -> None:
    result = allocate(prototype(reference, 14), None, reference)
    assert result.super_class_given is None
    assert sorted(result.considered_clusters) == sorted(ALLOCATABLE)
    assert set(result.best_by_super_class) == {"non-psychotic", "psychotic", "organic"}
    assert result.best_by_super_class["psychotic"] == result.suggested_cluster or result.suggested_cluster == 0
    assert any("super class is a clinical decision" in w or "is a clinical decision" in w for w in result.warnings)


def test_super_class_and_heading_narrow_the_candidates(reference: ReferenceSet) -> None:
    values = prototype(reference, 14)
    assert {c.cluster for c in allocate(values, "psychotic", reference).candidates} == set(range(10, 18))
    narrowed = allocate(values, None, reference, heading="B3")
    assert [c.cluster for c in narrowed.candidates] in ([14, 15], [15, 14])
    assert narrowed.super_class_given == "psychotic"
    assert narrowed.heading_given == "B3"
    with pytest.raises(AllocationError, match="unknown decision-tree heading"):
        allocate(values, None, reference, heading="Z9")
    with pytest.raises(AllocationError, match="belongs to super class psychotic"):
        allocate(values, "organic", reference, heading="B3")
    with pytest.raises(AllocationError, match="unknown super class"):
        allocate(values, "neurotic", reference)


def test_a_better_fit_outside_the_chosen_super_class_is_flagged(reference: ReferenceSet) -> None:
    result = allocate(prototype(reference, 14), "organic", reference)
    assert any("Outside the chosen super class" in w for w in result.warnings)


def test_result_names_the_reference_set_and_low_confidence(reference: ReferenceSet) -> None:
    result = allocate(prototype(reference, 4), "non-psychotic", reference)
    assert result.reference_id == reference.id
    assert result.reference_version == reference.version
    assert result.low_confidence is True
    assert any("inferred (low confidence)" in w for w in result.warnings)
    assert "clinician" in result.disclaimer


def test_contract_keys(reference: ReferenceSet) -> None:
    dumped = allocate("0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,0,1,1", None, reference).model_dump()
    for key in (
        "suggested_cluster",
        "status",
        "questions",
        "facts",
        "engine_version",
        "super_class",
        "candidates",
        "warnings",
        "reference_version",
    ):
        assert key in dumped
    assert dumped["suggested_cluster"] == 4
    assert dumped["super_class"] == "non-psychotic"
    for candidate in dumped["candidates"]:
        assert {"cluster", "label", "fit", "red_breaches", "orange_mismatches"} <= set(candidate)


# --- properties over the whole rating space ------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(ratings_strategy, super_classes)
def test_deterministic(values: list[int], super_class: str | None) -> None:
    reference = builtin_reference()
    assert (
        allocate(values, super_class, reference).model_dump() == allocate(values, super_class, reference).model_dump()
    )


@settings(max_examples=500, deadline=None)
@given(ratings_strategy, super_classes)
def test_never_suggests_a_red_breach_or_cluster_9_and_an_unknown_red_scale_is_never_plain(values, super_class) -> None:
    result = allocate(values, super_class, builtin_reference())
    assert result.suggested_cluster != 9
    assert all(c.cluster != 9 for c in result.candidates)
    if result.suggested_cluster != 0:
        chosen = result.candidate(result.suggested_cluster)
        assert chosen.fit in ("fits", "weaker_fit", "unconfirmed")
        assert not chosen.red_breaches
        if chosen.red_unconfirmed:
            assert result.status == "needs_further_assessment"
        assert result.candidates[0].cluster == result.suggested_cluster
    else:
        assert all(c.fit == "excluded" for c in result.candidates)
    ranks = [c.rank for c in result.candidates]
    assert ranks == list(range(1, len(ranks) + 1))


@st.composite
def built_from_a_grid(draw):
    """A cluster, and a rating whose every scale sits in that cluster's red or orange cells."""
    reference = builtin_reference()
    number = draw(st.sampled_from(ALLOCATABLE))
    grid = reference.grids[number]
    values = []
    for code in SCALE_CODES:
        row = grid.cells[code]
        allowed = [r for r in range(5) if row[r] == "must"] or [r for r in range(5) if row[r] == "expected"]
        allowed = allowed or [r for r in range(5) if row[r] in ("may", "nodata")] or list(range(5))
        values.append(draw(st.sampled_from(allowed)) if code != "8" else 0)
    give_super_class = draw(st.booleans())
    return number, values, reference.cluster(number).super_class if give_super_class else None


@settings(max_examples=400, deadline=None)
@given(built_from_a_grid())
def test_a_profile_from_a_clusters_red_and_orange_cells_is_that_cluster_or_names_the_winner(case) -> None:
    number, values, super_class = case
    result = allocate(values, super_class, builtin_reference())
    assert result.candidate(number).fit == "fits"
    if result.suggested_cluster != number:
        mine, winner = result.candidate(number), result.candidate(result.suggested_cluster)
        assert winner.fit == "fits"
        if number in result.tied_with:
            assert f"cluster {number}" in result.explanation
            assert result.status != "suggested"
        else:  # beaten only on the yellow tie-break: more ratings on blank cells, and it says so
            assert len(mine.unlikely_ratings) > len(winner.unlikely_ratings)
            assert "blank (unlikely to score)" in mine.explanation


def test_the_engines_constructor_builds_what_model_construct_builds(reference: ReferenceSet) -> None:
    """`AllocationResult.from_engine` skips pydantic's field search for speed: same object, same
    JSON, and a field missing or unknown is refused."""
    from carecluster.domain.results import AllocationResult

    result = allocate("0,1,0,0,0,0,9,2,1,1,0,1,0,0,0,0,1,1", None, reference)
    values = {name: getattr(result, name) for name in AllocationResult.model_fields}
    built = AllocationResult.from_engine(dict(values))
    constructed = AllocationResult.model_construct(**values)
    assert built.model_fields_set == constructed.model_fields_set
    built.attach_detail(result._source())
    constructed.attach_detail(result._source())
    assert built.model_dump() == constructed.model_dump() == result.model_dump()
    with pytest.raises(ValueError, match="missing \\['status'\\]"):
        AllocationResult.from_engine({k: v for k, v in values.items() if k != "status"})
    with pytest.raises(ValueError, match="unknown \\['surprise'\\]"):
        AllocationResult.from_engine({**values, "surprise": 1})
