"""Friends and Family Test: the 2020 question, six responses, no score and no paired change."""

from __future__ import annotations

import pytest

from carecluster.domain.outcomes import FFT, AnswerError, ChangeCategory, paired_change, score
from carecluster.domain.outcomes.fft import QUESTION


def test_current_question_and_six_responses() -> None:
    assert QUESTION == "Overall, how was your experience of our service?"
    assert [o.label for o in FFT.items[0].options] == [
        "Very good",
        "Good",
        "Neither good nor poor",
        "Poor",
        "Very poor",
        "Don't know",
    ]


@pytest.mark.parametrize(
    ("answer", "label", "category"),
    [
        (1, "Very good", "positive"),
        ("good", "Good", "positive"),
        ("Neither good nor poor", "Neither good nor poor", "neutral"),
        (4, "Poor", "negative"),
        ("5", "Very poor", "negative"),
        ("don't know", "Don't know", "dont_know"),
    ],
)
def test_responses_and_their_reporting_groups(answer: object, label: str, category: str) -> None:
    result = score(FFT, {"experience": answer})
    assert result.valid
    assert (result.response, result.category, result.total) == (label, category, None)


def test_no_answer_is_partial() -> None:
    result = score(FFT, {})
    assert not result.valid
    assert result.reason == "partial: no answer given"


def test_invalid_answer_is_named() -> None:
    with pytest.raises(AnswerError, match=r"item experience .*: Excellent is not an answer; use 1 \(Very good\)"):
        score(FFT, {"experience": "Excellent"})


def test_experience_has_no_paired_change() -> None:
    first, later = score(FFT, {"experience": 4}), score(FFT, {"experience": 1})
    change = paired_change(FFT, first, later)
    assert change.category is ChangeCategory.NOT_APPLICABLE
    assert change.change is None
