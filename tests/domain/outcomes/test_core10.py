"""CORE-10: items 2 and 3 reversed, one missing item prorated, cut-off 11, reliable change 6."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecluster.domain.outcomes import CORE10, ChangeCategory, paired_change, score

# answers as the frequency chosen (0 = not at all ... 4 = most or all of the time)
EXAMPLE = {"1": 3, "2": 1, "3": 1, "4": 2, "5": 2, "6": 0, "7": 3, "8": 2, "9": 3, "10": 1}


def test_worked_example() -> None:
    # items 2 and 3 reversed: 4-1 = 3 each -> 3+3+3+2+2+0+3+2+3+1 = 22
    result = score(CORE10, EXAMPLE)
    assert result.valid
    assert not result.prorated
    assert result.item_scores["2"] == 3
    assert result.item_scores["3"] == 3
    assert result.total == 22
    assert result.in_clinical_range is True


def test_one_missing_item_is_prorated() -> None:
    # without item 10 (score 1): 21 over 9 items -> 21 / 9 * 10 = 23.33
    answers = {k: v for k, v in EXAMPLE.items() if k != "10"}
    result = score(CORE10, answers)
    assert result.valid
    assert result.prorated
    assert result.raw_total == 21
    assert result.total == pytest.approx(23.333333)
    assert result.reason == "prorated from 9 of 10 items (missing 10)"


def test_two_missing_items_are_partial() -> None:
    answers = {k: v for k, v in EXAMPLE.items() if k not in ("9", "10")}
    result = score(CORE10, answers)
    assert not result.valid
    assert result.total is None
    assert result.reason == (
        "partial: 8 of 10 items answered, 9 needed for a valid CORE-10 clinical score; missing 9, 10"
    )


def test_cut_off_is_eleven() -> None:
    ten = score(CORE10, {**dict.fromkeys(CORE10.item_ids, 1), "2": 3, "3": 3})  # 8 x 1 + 1 + 1 = 10
    eleven = score(CORE10, {**dict.fromkeys(CORE10.item_ids, 1), "2": 3, "3": 2})  # 8 + 1 + 2 = 11
    assert (ten.total, ten.in_clinical_range) == (10, False)
    assert (eleven.total, eleven.in_clinical_range) == (11, True)


def test_paired_change_categories() -> None:
    first = score(CORE10, EXAMPLE)  # 22
    better = score(CORE10, {**EXAMPLE, "1": 1, "7": 1, "9": 1, "8": 1})  # 22 - 7 = 15
    change = paired_change(CORE10, first, better)
    assert (change.change, change.improvement) == (-7, 7)
    assert change.category is ChangeCategory.RELIABLE_IMPROVEMENT
    assert change.clinically_significant_improvement is False  # 15 is still >= 11
    well = score(CORE10, {**dict.fromkeys(CORE10.item_ids, 1), "2": 3, "3": 3})  # 10
    recovered = paired_change(CORE10, first, well)
    assert recovered.category is ChangeCategory.RELIABLE_IMPROVEMENT
    assert recovered.clinically_significant_improvement is True
    five = score(CORE10, {**EXAMPLE, "1": 1, "7": 1, "9": 2})  # 22 - 5 = 17
    assert paired_change(CORE10, first, five).category is ChangeCategory.NO_RELIABLE_CHANGE
    worse = paired_change(CORE10, well, first)  # 10 -> 22
    assert worse.category is ChangeCategory.RELIABLE_DETERIORATION
    assert worse.clinically_significant_deterioration is True


@given(st.lists(st.integers(0, 4), min_size=10, max_size=10))
def test_total_is_sum_with_items_2_and_3_reversed(values: list[int]) -> None:
    result = score(CORE10, dict(zip(CORE10.item_ids, values, strict=True)))
    expected = sum(values) - values[1] - values[2] + (4 - values[1]) + (4 - values[2])
    assert result.total == expected
    assert 0 <= expected <= 40


@given(st.lists(st.integers(0, 4), min_size=10, max_size=10), st.integers(0, 9))
def test_prorated_score_stays_in_range(values: list[int], dropped: int) -> None:
    answers = dict(zip(CORE10.item_ids, values, strict=True))
    del answers[CORE10.item_ids[dropped]]
    result = score(CORE10, answers)
    assert result.valid
    assert result.prorated
    assert 0 <= result.total <= 40
    assert result.total == pytest.approx(result.raw_total * 10 / 9)
