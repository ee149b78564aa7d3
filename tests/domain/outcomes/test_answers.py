"""Bad answers name the item and the value; missing answers are not errors."""

from __future__ import annotations

import pytest

from carecluster.domain.outcomes import CORE10, FFT, HONOS, AnswerError, score


@pytest.mark.parametrize(
    ("answers", "message", "item"),
    [
        ({"1": 5}, "CORE-10 item 1 (Tense, anxious or nervous): 5 is not an answer; use 0 (not at all)", "1"),
        ({"2": -1}, "item 2 (Someone to turn to for support): -1 is not an answer", "2"),
        ({"3": "x"}, "item 3 (Able to cope when things go wrong): x is not an answer", "3"),
        ({"4": 2.5}, "item 4 (Talking to people felt too much): 2.5 is not an answer", "4"),
        ({"5": True}, "item 5 (Panic or terror): True is not an answer", "5"),
        ({"11": 1}, "CORE-10: unknown item '11'; items are 1, 2, 3", "11"),
    ],
)
def test_bad_answers_name_the_item_and_value(answers: dict[str, object], message: str, item: str) -> None:
    with pytest.raises(AnswerError) as caught:
        score(CORE10, answers)
    assert message in str(caught.value)
    assert caught.value.item == item
    assert caught.value.measure == "core10"


def test_answers_in_the_shapes_they_arrive() -> None:
    as_ints = {str(i): 2 for i in range(1, 11)}
    as_text = {i: "2" for i in range(1, 11)}  # int keys, text values (CSV cells)
    as_float = {str(i): 2.0 for i in range(1, 11)}
    as_label = {str(i): "Sometimes" for i in range(1, 11)}
    results = [score(CORE10, a) for a in (as_ints, as_text, as_float, as_label)]
    assert {r.total for r in results} == {20.0}


def test_blank_and_none_are_missing_not_errors() -> None:
    result = score(CORE10, {"1": 1, "2": None, "3": "  "})
    assert not result.valid
    assert result.items_missing == ("2", "3", "4", "5", "6", "7", "8", "9", "10")


def test_not_known_is_only_accepted_where_the_measure_has_it() -> None:
    assert score(HONOS, {"1": 9}).items_missing[0] == "1"
    with pytest.raises(AnswerError, match="9 is not an answer"):
        score(CORE10, {"1": 9})
    with pytest.raises(AnswerError, match=r"use 0 .*, 9 \(not known\)"):
        score(HONOS, {"1": 5})


def test_answers_must_be_a_mapping() -> None:
    with pytest.raises(AnswerError, match="answers must be a mapping"):
        score(FFT, [1])  # type: ignore[arg-type]
