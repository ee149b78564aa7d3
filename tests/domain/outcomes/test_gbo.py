"""Goal Based Outcomes: each goal 0-10, change per goal, reliable change 2.45."""

from __future__ import annotations

import pytest

from carecluster.domain.outcomes import GBO, AnswerError, ChangeCategory, Goal, paired_change, score

GOALS = [
    Goal(id="a", description="Get back to work"),
    Goal(id="b", description="Sleep better"),
    Goal(id="c", description="See friends weekly"),
]


def test_worked_example() -> None:
    result = score(GBO, {"a": 2, "b": 3, "c": 1}, goals=GOALS)
    assert result.valid
    assert result.total == 2.0
    assert result.item_scores == {"a": 2, "b": 3, "c": 1}


def test_change_per_goal_and_on_the_mean() -> None:
    first = score(GBO, {"a": 2, "b": 3, "c": 1}, goals=GOALS)
    later = score(GBO, {"a": 6, "b": 5, "c": 2}, goals=GOALS)
    change = paired_change(GBO, first, later)
    per_goal = {c.id: (c.change, c.category) for c in change.item_changes}
    assert per_goal == {
        "a": (4, ChangeCategory.RELIABLE_IMPROVEMENT),
        "b": (2, ChangeCategory.NO_RELIABLE_CHANGE),  # 2 < 2.45
        "c": (1, ChangeCategory.NO_RELIABLE_CHANGE),
    }
    assert change.change == pytest.approx(7 / 3)  # mean 2.0 -> 4.33
    assert change.category is ChangeCategory.NO_RELIABLE_CHANGE


def test_three_points_on_a_goal_is_reliable_both_ways() -> None:
    first = score(GBO, {"a": 5, "b": 5, "c": 5}, goals=GOALS)
    later = score(GBO, {"a": 8, "b": 2, "c": 5}, goals=GOALS)
    change = paired_change(GBO, first, later)
    categories = {c.id: c.category for c in change.item_changes}
    assert categories["a"] is ChangeCategory.RELIABLE_IMPROVEMENT
    assert categories["b"] is ChangeCategory.RELIABLE_DETERIORATION
    assert change.category is ChangeCategory.NO_RELIABLE_CHANGE  # mean unchanged


def test_partial_rating_still_pairs_the_goals_it_has() -> None:
    first = score(GBO, {"a": 1, "b": 2, "c": 3}, goals=GOALS)
    later = score(GBO, {"a": 7}, goals=GOALS)
    assert not later.valid
    assert later.items_missing == ("b", "c")
    change = paired_change(GBO, first, later)
    assert change.category is ChangeCategory.NOT_ASSESSABLE
    assert "later score not valid (partial: 1 of 3 goals rated" in change.reason
    assert [(c.id, c.category) for c in change.item_changes] == [("a", ChangeCategory.RELIABLE_IMPROVEMENT)]


@pytest.mark.parametrize("bad", [11, -1, "ten"])
def test_ratings_outside_0_to_10_are_rejected(bad: object) -> None:
    with pytest.raises(AnswerError, match=f"item a \\(Get back to work\\): {bad} is not an answer"):
        score(GBO, {"a": bad}, goals=GOALS)
