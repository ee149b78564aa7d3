"""SWEMWBS: raw 7-35 converted to the metric score through Warwick's table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecluster.domain.outcomes import SWEMWBS, AnswerError, ChangeCategory, metric_score, paired_change, score
from carecluster.domain.outcomes.swemwbs import CONVERSION


@pytest.mark.parametrize(
    ("raw", "metric"),
    [(7, 7.00), (8, 9.51), (14, 15.32), (17, 16.88), (21, 19.25), (24, 21.54), (28, 25.03), (33, 30.70), (35, 35.00)],
)
def test_conversion_table_at_several_points(raw: int, metric: float) -> None:
    assert metric_score(raw) == metric


def test_table_covers_every_raw_total_and_rises() -> None:
    assert sorted(CONVERSION) == list(range(7, 36))
    values = [CONVERSION[raw] for raw in range(7, 36)]
    assert values == sorted(values)
    assert len(set(values)) == 29


def test_raw_total_outside_the_table_is_an_error() -> None:
    with pytest.raises(ValueError, match="raw total 36 is outside 7-35"):
        metric_score(36)


def test_worked_example() -> None:
    # 3,3,3,3,3,3,3 -> raw 21 -> metric 19.25
    result = score(SWEMWBS, dict.fromkeys(SWEMWBS.item_ids, 3))
    assert result.valid
    assert result.raw_total == 21
    assert result.total == 19.25


def test_partial_answers_are_not_converted() -> None:
    answers = dict.fromkeys(SWEMWBS.item_ids, 4)
    del answers["7"]
    result = score(SWEMWBS, answers)
    assert not result.valid
    assert result.total is None
    assert result.raw_total == 24  # kept, but not converted
    assert result.items_missing == ("7",)


def test_item_range_is_1_to_5() -> None:
    with pytest.raises(AnswerError, match="SWEMWBS item 2 \\(Feeling useful\\): 0 is not an answer"):
        score(SWEMWBS, {"2": 0})


def test_change_of_three_metric_points_is_meaningful() -> None:
    first = score(SWEMWBS, dict.fromkeys(SWEMWBS.item_ids, 3))  # raw 21 -> 19.25
    up = score(SWEMWBS, {**dict.fromkeys(SWEMWBS.item_ids, 3), "1": 5, "2": 5})  # raw 25 -> 22.35
    change = paired_change(SWEMWBS, first, up)
    assert change.change == pytest.approx(3.10)
    assert change.category is ChangeCategory.RELIABLE_IMPROVEMENT
    small = score(SWEMWBS, {**dict.fromkeys(SWEMWBS.item_ids, 3), "1": 5, "2": 4})  # raw 24 -> 21.54
    assert paired_change(SWEMWBS, first, small).category is ChangeCategory.NO_RELIABLE_CHANGE
    down = score(SWEMWBS, {**dict.fromkeys(SWEMWBS.item_ids, 3), "1": 1, "2": 1})  # raw 17 -> 16.88
    assert paired_change(SWEMWBS, first, down).category is ChangeCategory.NO_RELIABLE_CHANGE  # -2.37
    lower = score(SWEMWBS, dict.fromkeys(SWEMWBS.item_ids, 2))  # raw 14 -> 15.32
    assert paired_change(SWEMWBS, first, lower).category is ChangeCategory.RELIABLE_DETERIORATION


@given(st.lists(st.integers(1, 5), min_size=7, max_size=7))
def test_score_is_the_table_value_of_the_raw_sum(values: list[int]) -> None:
    result = score(SWEMWBS, dict(zip(SWEMWBS.item_ids, values, strict=True)))
    assert result.raw_total == sum(values)
    assert result.total == CONVERSION[sum(values)]
