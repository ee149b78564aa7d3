"""HoNOS from MHCT scales 1-12: totals excluding 9s, validity, subscales, significant items."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from carecluster.domain.outcomes import HONOS, ChangeCategory, answers_from_ratings, paired_change, score, score_ratings
from carecluster.domain.ratings import Ratings

#          1  2  3  4  5  6  7  8  9 10 11 12 13  A  B  C  D  E
EXAMPLE = "0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1"


def test_worked_example_from_an_mhct_rating() -> None:
    # items 1-12: 0 1 0 0 0 0 3 2 2 1 0 1 -> total 10; scales 13 and A-E are not HoNOS
    result = score_ratings(Ratings.parse(EXAMPLE))
    assert result.valid
    assert result.total == 10
    assert {s.id: s.score for s in result.subscales} == {"behaviour": 1, "impairment": 0, "symptoms": 5, "social": 4}
    assert result.clinically_significant_items == ("7", "8", "9")  # rated 2 or more
    assert result.in_clinical_range is False  # 10 < 11


def test_answers_are_the_first_twelve_scales() -> None:
    answers = answers_from_ratings(Ratings.parse("4,3,2,1,0,9,0,1,2,3,4,0,4,4,4,4,4,4"))
    assert answers == {
        "1": 4,
        "2": 3,
        "3": 2,
        "4": 1,
        "5": 0,
        "6": 9,
        "7": 0,
        "8": 1,
        "9": 2,
        "10": 3,
        "11": 4,
        "12": 0,
    }


def test_nines_are_left_out_and_two_are_allowed() -> None:
    # items 1 and 5 not known: 0+1+... of the other ten = 1+0+0+0+3+2+2+1+0+1 = 10
    result = score_ratings(Ratings.parse("9,1,0,0,9,0,3,2,2,1,0,1,0,0,0,0,0,0"))
    assert result.valid
    assert result.total == 10
    assert result.items_answered == 10
    assert result.items_missing == ("1", "5")
    assert "1 (rated 9, not known), 5 (rated 9, not known)" in result.reason
    assert result.subscale("impairment").score == 0
    assert result.subscale("impairment").items_answered == 1


def test_three_nines_make_a_partial_rating() -> None:
    result = score_ratings(Ratings.parse("9,1,9,0,9,0,3,2,2,1,0,1,0,0,0,0,0,0"))
    assert not result.valid
    assert result.total is None
    assert result.raw_total == 10
    assert result.reason.startswith("partial: 9 of 12 items answered, 10 needed for a valid HoNOS total")
    assert result.in_clinical_range is None


def test_all_nines_has_no_subscale_scores() -> None:
    result = score(HONOS, dict.fromkeys(HONOS.item_ids, 9))
    assert not result.valid
    assert result.raw_total is None
    assert all(s.score is None for s in result.subscales)


def test_paired_honos_change_uses_parabiaghi_values() -> None:
    first = score_ratings(Ratings.parse("2,2,1,0,1,2,3,3,2,2,1,1,0,0,0,0,0,0"))  # total 20
    assert first.total == 20
    assert first.in_clinical_range
    later = score_ratings(Ratings.parse("1,1,1,0,1,1,2,2,1,1,0,1,0,0,0,0,0,0"))  # total 12
    change = paired_change(HONOS, first, later)
    assert change.change == -8
    assert change.improvement == 8
    assert change.category is ChangeCategory.RELIABLE_IMPROVEMENT
    assert change.clinically_significant_improvement is False  # 12 is still >= 11
    recovered = score_ratings(Ratings.parse("1,1,0,0,1,1,2,2,1,1,0,0,0,0,0,0,0,0"))  # total 10
    assert paired_change(HONOS, first, recovered).clinically_significant_improvement is True
    small = score_ratings(Ratings.parse("2,2,1,0,1,1,2,2,1,1,0,0,0,0,0,0,0,0"))  # total 13
    assert paired_change(HONOS, first, small).category is ChangeCategory.NO_RELIABLE_CHANGE


@given(st.lists(st.sampled_from([0, 1, 2, 3, 4, 9]), min_size=12, max_size=12))
def test_total_is_the_sum_of_known_items(values: list[int]) -> None:
    result = score(HONOS, dict(zip(HONOS.item_ids, values, strict=True)))
    known = [v for v in values if v != 9]
    assert result.valid == (len(known) >= 10)
    assert result.raw_total == (float(sum(known)) if known else None)
    if result.valid:
        assert result.total == sum(known)
        assert 0 <= result.total <= 48
        assert sum(s.score or 0 for s in result.subscales) == result.total
    assert result.clinically_significant_items == tuple(str(i) for i, v in enumerate(values, start=1) if v in (2, 3, 4))
