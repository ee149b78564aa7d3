"""DIALOG: mean of eight life domains (the PROM score) and of three treatment aspects."""

from __future__ import annotations

import pytest

from carecluster.domain.outcomes import DIALOG, AnswerError, ChangeCategory, paired_change, score

LIFE = {"1": 4, "2": 5, "3": 3, "4": 6, "5": 2, "6": 5, "7": 4, "8": 3}  # sum 32, mean 4.0
TREATMENT = {"9": 5, "10": 6, "11": 7}  # mean 6.0


def test_worked_example() -> None:
    result = score(DIALOG, {**LIFE, **TREATMENT})
    assert result.valid
    assert result.total == 4.0
    assert result.subscale("quality_of_life").score == 4.0
    assert result.subscale("treatment_satisfaction").score == 6.0
    assert result.in_clinical_range is None  # no published cut-off


def test_treatment_items_do_not_affect_quality_of_life() -> None:
    result = score(DIALOG, {**LIFE, "9": 1})
    assert result.valid
    assert result.total == 4.0
    treatment = result.subscale("treatment_satisfaction")
    assert treatment.score is None
    assert treatment.items_answered == 1
    assert not treatment.complete
    assert result.items_missing == ("10", "11")


def test_a_missing_life_domain_makes_it_partial() -> None:
    answers = {**LIFE, **TREATMENT}
    del answers["3"]
    result = score(DIALOG, answers)
    assert not result.valid
    assert result.total is None
    assert result.subscale("quality_of_life").score is None
    assert result.subscale("treatment_satisfaction").score == 6.0  # still reported
    assert "7 of 8 items answered" in result.reason


@pytest.mark.parametrize("bad", [0, 8, "totally fine"])
def test_out_of_range_is_rejected(bad: object) -> None:
    with pytest.raises(AnswerError, match=f"DIALOG item 5 \\(Leisure activities\\): {bad} is not an answer"):
        score(DIALOG, {**LIFE, "5": bad})


def test_labels_are_accepted() -> None:
    assert score(DIALOG, {**LIFE, "5": "Totally satisfied"}).total == 4.625  # (32 - 2 + 7) / 8


def test_change_in_mean_is_reported_without_a_threshold() -> None:
    first = score(DIALOG, LIFE)
    later = score(DIALOG, {k: v + 1 for k, v in LIFE.items()})
    change = paired_change(DIALOG, first, later)
    assert change.change == 1.0
    assert change.category is ChangeCategory.NO_THRESHOLD
    assert "no published reliable change value" in change.reason
