"""Paired change across measures: categories, direction, validity, and misuse."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecluster.domain.outcomes import (
    CORE10,
    FFT,
    HONOS,
    MEASURES,
    ChangeCategory,
    MeasureDefinition,
    OutcomeError,
    episode_change,
    paired_change,
    score,
)

OPPOSITE = {
    ChangeCategory.RELIABLE_IMPROVEMENT: ChangeCategory.RELIABLE_DETERIORATION,
    ChangeCategory.RELIABLE_DETERIORATION: ChangeCategory.RELIABLE_IMPROVEMENT,
    ChangeCategory.NO_RELIABLE_CHANGE: ChangeCategory.NO_RELIABLE_CHANGE,
}


def test_a_partial_score_is_not_assessable() -> None:
    first = score(CORE10, dict.fromkeys(CORE10.item_ids, 2))
    later = score(CORE10, {"1": 0, "2": 4})
    change = paired_change(CORE10, first, later)
    assert change.category is ChangeCategory.NOT_ASSESSABLE
    assert change.change is None
    assert change.first == 20
    assert change.later is None
    assert change.reason.startswith("later score not valid (partial: 2 of 10 items answered")


def test_scores_of_another_measure_are_refused() -> None:
    core = score(CORE10, dict.fromkeys(CORE10.item_ids, 2))
    honos = score(HONOS, dict.fromkeys(HONOS.item_ids, 1))
    with pytest.raises(OutcomeError, match="later score is for 'honos', not 'core10'"):
        paired_change(CORE10, core, honos)


def test_direction_decides_what_improvement_means() -> None:
    """A rise is deterioration on CORE-10 (higher is worse) but would be improvement on ReQoL."""
    low = score(CORE10, dict.fromkeys(CORE10.item_ids, 0) | {"2": 4, "3": 4})  # 0
    high = score(CORE10, dict.fromkeys(CORE10.item_ids, 4) | {"2": 0, "3": 0})  # 40
    change = paired_change(CORE10, low, high)
    assert (change.change, change.improvement) == (40, -40)
    assert change.category is ChangeCategory.RELIABLE_DETERIORATION


def test_reliable_change_is_inclusive_of_the_threshold() -> None:
    base = score(HONOS, dict.fromkeys(HONOS.item_ids, 0))
    eight = score(HONOS, dict.fromkeys(HONOS.item_ids, 0) | {"1": 4, "2": 4})
    seven = score(HONOS, dict.fromkeys(HONOS.item_ids, 0) | {"1": 4, "2": 3})
    assert paired_change(HONOS, base, eight).category is ChangeCategory.RELIABLE_DETERIORATION
    assert paired_change(HONOS, base, seven).category is ChangeCategory.NO_RELIABLE_CHANGE


@given(
    st.lists(st.integers(0, 4), min_size=10, max_size=10),
    st.lists(st.integers(0, 4), min_size=10, max_size=10),
)
def test_swapping_first_and_later_mirrors_the_category(a: list[int], b: list[int]) -> None:
    first = score(CORE10, dict(zip(CORE10.item_ids, a, strict=True)))
    later = score(CORE10, dict(zip(CORE10.item_ids, b, strict=True)))
    forward, backward = paired_change(CORE10, first, later), paired_change(CORE10, later, first)
    assert backward.category is OPPOSITE[forward.category]
    assert forward.change == -backward.change
    assert forward.clinically_significant_improvement == backward.clinically_significant_deterioration


def test_a_reliable_change_value_must_be_positive() -> None:
    data = MEASURES["core10"].model_dump()
    data["reliable_change"]["value"] = 0
    with pytest.raises(ValueError, match="reliable change value must be above 0"):
        MeasureDefinition.model_validate(data)


def test_episode_pairs_first_and_last_valid_scores() -> None:
    first = score(CORE10, dict.fromkeys(CORE10.item_ids, 2))  # 20
    partial = score(CORE10, {"1": 0})
    middle = score(CORE10, dict.fromkeys(CORE10.item_ids, 3) | {"2": 1, "3": 1})  # 30
    last = score(CORE10, dict.fromkeys(CORE10.item_ids, 1) | {"2": 3, "3": 3})  # 10
    change = episode_change(CORE10, [partial, first, middle, last, partial])
    assert (change.first, change.later, change.change) == (20, 10, -10)
    assert change.category is ChangeCategory.RELIABLE_IMPROVEMENT
    assert change.clinically_significant_improvement is True


def test_episode_without_two_valid_scores_is_not_paired() -> None:
    only = score(CORE10, dict.fromkeys(CORE10.item_ids, 2))
    partial = score(CORE10, {"1": 0})
    change = episode_change(CORE10, [only, partial])
    assert change.category is ChangeCategory.NOT_ASSESSABLE
    assert change.first == 20
    assert change.reason == "no paired scores: 1 valid of 2 recorded, two needed"
    assert episode_change(CORE10, []).reason == "no paired scores: 0 valid of 0 recorded, two needed"


def test_episode_refuses_other_measures_and_does_not_pair_experience() -> None:
    honos = score(HONOS, dict.fromkeys(HONOS.item_ids, 1))
    with pytest.raises(OutcomeError, match="a score for 'honos' is among the 'core10' scores"):
        episode_change(CORE10, [honos])
    answers = [score(FFT, {"experience": 1}), score(FFT, {"experience": 4})]
    assert episode_change(FFT, answers).category is ChangeCategory.NOT_APPLICABLE
