"""Ratings: every shape they arrive in, and errors that name the scale and the value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecluster.domain.ratings import RatingError, Ratings
from carecluster.reference import SCALE_CODES

EXAMPLE = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]


def test_sequence_mapping_and_text_agree() -> None:
    by_code = dict(zip(SCALE_CODES, EXAMPLE, strict=True))
    text = ",".join(map(str, EXAMPLE))
    assert Ratings.of(EXAMPLE) == Ratings.of(by_code) == Ratings.of(text) == Ratings.of(tuple(EXAMPLE))
    assert Ratings.of({f"mhct_{k.lower()}": str(v) for k, v in by_code.items()}).values == tuple(EXAMPLE)


def test_honos_items_are_scales_1_to_12() -> None:
    rated = Ratings.of(EXAMPLE)
    assert rated.honos == tuple(EXAMPLE[:12])
    assert rated["7"] == 3
    assert rated["E"] == 1
    assert rated.as_dict()["A"] == 0


def test_nine_is_not_known() -> None:
    rated = Ratings.of([9, *EXAMPLE[1:5], 9, *EXAMPLE[6:]])
    assert rated.not_known == ("1", "6")


@pytest.mark.parametrize(
    ("ratings", "message", "scale"),
    [
        ("0,1,0,0,0,0,5,2,2,1,0,1,0,0,0,0,1,1", "scale 7: 5 is not a rating", "7"),
        ("0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,0,1,x", "scale E: x is not a rating", "E"),
        ("0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,-1,1,1", "scale C: -1 is not a rating", "C"),
        ("0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,0,1", "expected 18", None),
        ("0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,0,1,1,1", "expected 18", None),
        ("0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,0,,1", "scale D:", "D"),
    ],
)
def test_bad_text_names_the_scale_and_value(ratings: str, message: str, scale: str | None) -> None:
    with pytest.raises(RatingError) as caught:
        Ratings.parse(ratings)
    assert message in str(caught.value)
    assert caught.value.scale == scale


def test_bad_values_in_other_shapes() -> None:
    with pytest.raises(RatingError, match=r"scale 1: 2\.5 is not a rating"):
        Ratings.of([2.5, *EXAMPLE[1:]])
    with pytest.raises(RatingError, match="scale 1: True is not a rating"):
        Ratings.of([True, *EXAMPLE[1:]])
    with pytest.raises(RatingError, match="no rating for scale"):
        Ratings.of({"1": 0})
    with pytest.raises(RatingError, match="unknown scale 'F'"):
        Ratings.of({**dict(zip(SCALE_CODES, EXAMPLE, strict=True)), "F": 1})


def test_scale_8_problem_type() -> None:
    assert Ratings.parse("0,1,0,0,0,0,3,2b,2,1,0,1,0,0,0,0,1,1").problem_type == "B"
    assert Ratings.of(EXAMPLE, problem_type="g").problem_type == "G"
    with pytest.raises(RatingError, match="not one of A-J"):
        Ratings.of(EXAMPLE, problem_type="K")
    with pytest.raises(RatingError, match="J \\(other\\) needs a description"):
        Ratings.of(EXAMPLE, problem_type="J")
    assert Ratings.of(EXAMPLE, problem_type="J", problem_description="hoarding").problem_type == "J"
    zero8 = [*EXAMPLE[:7], 0, *EXAMPLE[8:]]
    with pytest.raises(RatingError, match="scale 8 is rated 0"):
        Ratings.of(zero8, problem_type="B")


def test_direct_model_validation_also_checks() -> None:
    with pytest.raises(ValueError, match="scale 2: 7 is not a rating"):
        Ratings.model_validate({"values": [0, 7, *EXAMPLE[2:]]})


@given(st.lists(st.sampled_from([0, 1, 2, 3, 4, 9]), min_size=18, max_size=18))
def test_any_valid_rating_round_trips_through_text(values: list[int]) -> None:
    rated = Ratings.of(values)
    assert Ratings.parse(str(rated)) == rated


def test_a_rating_built_from_input_equals_one_pydantic_constructs() -> None:
    """`Ratings._build` skips `model_construct` for speed: the same value, equal and hashable alike."""
    from carecluster.domain.ratings import Ratings

    fast = Ratings.of("0,1,0,0,0,0,3,2B,2,1,0,1,0,0,0,0,1,1")
    slow = Ratings.model_construct(values=fast.values, problem_type="B", problem_description=None)
    assert fast == slow
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_fields_set == slow.model_fields_set
    assert Ratings.model_validate(fast.model_dump()) == fast
