"""Goal Attainment Scaling: Kiresuk-Sherman T-score with rho = 0.3."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecluster.domain.outcomes import (
    GAS,
    AnswerError,
    ChangeCategory,
    Goal,
    OutcomeError,
    kiresuk_sherman_t,
    paired_change,
    score,
)

GOALS = [Goal(id="g1", description="Walk to the shop alone"), Goal(id="g2", description="Cook twice a week")]


def test_all_goals_at_expected_level_is_fifty() -> None:
    result = score(GAS, {"g1": 0, "g2": 0}, goals=GOALS)
    assert result.valid
    assert result.total == 50
    assert result.category == "as_expected_or_better"


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([(1, 1)], 60.0),  # 50 + 10 * 1 / sqrt(0.7 + 0.3)
        ([(1, 1), (1, 1)], 50 + 20 / math.sqrt(2.6)),  # 62.40
        ([(1, -1)] * 3, 50 - 30 / math.sqrt(4.8)),  # 36.31
        ([(2, 1), (1, -1)], 50 + 10 / math.sqrt(6.2)),  # sum wx 1; 0.7 * 5 + 0.3 * 9 = 6.2 -> 54.02
        ([(1, 2)], 70.0),
        ([(1, -2)], 30.0),
    ],
)
def test_hand_worked_t_scores(pairs: list[tuple[float, int]], expected: float) -> None:
    assert kiresuk_sherman_t(pairs) == pytest.approx(expected)


def test_weights_come_from_the_goals() -> None:
    goals = [Goal(id="a", description="x", weight=2), Goal(id="b", description="y", weight=1)]
    result = score(GAS, {"a": 1, "b": -1}, goals=goals)
    assert result.total == pytest.approx(54.016, abs=1e-3)
    assert result.item_scores == {"a": 1, "b": -1}


def test_an_unrated_goal_makes_it_partial() -> None:
    result = score(GAS, {"g1": 1}, goals=GOALS)
    assert not result.valid
    assert result.total is None
    assert result.reason == "partial: 1 of 2 goals rated; not rated: g2"


def test_bad_goal_ratings_are_named() -> None:
    with pytest.raises(AnswerError, match="item g2 \\(Cook twice a week\\): 3 is not an answer; use -2"):
        score(GAS, {"g1": 0, "g2": 3}, goals=GOALS)
    with pytest.raises(AnswerError, match="unknown goal 'g9'; goals are g1, g2"):
        score(GAS, {"g9": 0}, goals=GOALS)


def test_goal_sets_are_checked() -> None:
    with pytest.raises(OutcomeError, match="needs the person's goals"):
        score(GAS, {"g1": 0})
    with pytest.raises(OutcomeError, match="goal ids repeat: g1"):
        score(GAS, {"g1": 0}, goals=[GOALS[0], GOALS[0]])
    with pytest.raises(ValueError, match="greater than 0"):
        Goal(id="z", description="no weight", weight=0)
    with pytest.raises(ValueError, match="at least one goal"):
        kiresuk_sherman_t([])


def test_change_in_t_score_has_no_threshold() -> None:
    baseline = score(GAS, {"g1": -1, "g2": -1}, goals=GOALS)
    follow_up = score(GAS, {"g1": 1, "g2": 0}, goals=GOALS)
    assert baseline.category == "below_expected"
    change = paired_change(GAS, baseline, follow_up)
    assert change.category is ChangeCategory.NO_THRESHOLD
    assert change.change == pytest.approx(30 / math.sqrt(2.6), abs=1e-6)


weights = st.floats(min_value=0.1, max_value=10, allow_nan=False)


@given(st.lists(st.tuples(weights, st.integers(-2, 2)), min_size=1, max_size=8))
def test_t_score_mirrors_around_fifty_and_stays_in_range(pairs: list[tuple[float, int]]) -> None:
    t = kiresuk_sherman_t(pairs)
    mirrored = kiresuk_sherman_t([(w, -x) for w, x in pairs])
    assert t - 50 == pytest.approx(50 - mirrored)
    assert GAS.score_range[0] <= t <= GAS.score_range[1]


@given(st.lists(weights, min_size=1, max_size=8))
def test_any_weights_at_expected_level_give_fifty(ws: list[float]) -> None:
    assert kiresuk_sherman_t([(w, 0) for w in ws]) == 50
