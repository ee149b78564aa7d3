"""ReQoL-10: reverse scoring of negatively worded items, physical item apart, cut-off 24."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from carecluster.domain.outcomes import REQOL10, ChangeCategory, paired_change, score

POSITIVE = ("2", "4", "5", "7", "8", "10")
NEGATIVE = ("1", "3", "6", "9")


def test_worked_example() -> None:
    # positive items 'often' (3) score 3 each: 18; negative items 'sometimes' (2) reverse to 2 each: 8
    answers = {**dict.fromkeys(POSITIVE, 3), **dict.fromkeys(NEGATIVE, 2), "ph": 1}
    result = score(REQOL10, answers)
    assert result.valid
    assert result.total == 26
    assert result.in_clinical_range is False  # 26 >= 24
    assert result.item_scores["1"] == 2
    assert result.item_scores["2"] == 3
    assert result.item_scores["ph"] == 1


def test_negative_items_are_reversed() -> None:
    # every item 'none of the time': positives score 0, negatives (never felt bad) score 4 each
    result = score(REQOL10, dict.fromkeys(POSITIVE + NEGATIVE, 0))
    assert result.total == 16
    assert result.in_clinical_range is True  # 16 < 24
    assert result.items_missing == ("ph",)  # the physical item is optional for the total


def test_physical_item_is_not_in_the_total() -> None:
    base = dict.fromkeys(POSITIVE + NEGATIVE, 2)
    assert score(REQOL10, {**base, "ph": 0}).total == score(REQOL10, {**base, "ph": 4}).total == 20


def test_a_missing_mental_health_item_makes_it_partial() -> None:
    answers = dict.fromkeys(POSITIVE + NEGATIVE, 2)
    del answers["6"]
    result = score(REQOL10, answers)
    assert not result.valid
    assert result.total is None
    assert "9 of 10 items answered, 10 needed" in result.reason
    assert "missing 6" in result.reason


def test_change_is_reported_without_an_unverified_threshold() -> None:
    first = score(REQOL10, dict.fromkeys(POSITIVE + NEGATIVE, 0))  # 16
    later = score(REQOL10, {**dict.fromkeys(POSITIVE, 3), **dict.fromkeys(NEGATIVE, 1)})  # 18 + 12 = 30
    change = paired_change(REQOL10, first, later)
    assert change.change == 14
    assert change.improvement == 14
    assert change.category is ChangeCategory.NO_THRESHOLD
    assert change.first_in_clinical_range is True
    assert change.later_in_clinical_range is False
    assert change.clinically_significant_improvement is None  # no reliable change value to judge by


@given(st.lists(st.integers(0, 4), min_size=10, max_size=10))
def test_total_mirrors_when_every_answer_is_flipped(values: list[int]) -> None:
    ids = [str(i) for i in range(1, 11)]
    total = score(REQOL10, dict(zip(ids, values, strict=True))).total
    flipped = score(REQOL10, dict(zip(ids, [4 - v for v in values], strict=True))).total
    assert total is not None
    assert flipped is not None
    assert total + flipped == 40
