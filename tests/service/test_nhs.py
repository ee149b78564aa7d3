"""NHS numbers: the modulus 11 check digit, and demo numbers from the 999 test range."""

from __future__ import annotations

import random

import pytest

from carecluster.service.nhs import check_digit, nhs_number_problem, synthetic_nhs_numbers


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "4010232137", "9990000018"])
def test_valid_numbers(number: str) -> None:
    assert nhs_number_problem(number) is None


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("943476591", "10 digits"),
        ("94347659190", "10 digits"),
        ("94347659A9", "10 digits"),
        ("9434765918", "check digit should be 9"),
        ("1000000010", "no check digit exists"),  # weighted sum 12: 11 - 12 % 11 = 10, never valid
    ],
)
def test_invalid_numbers_say_why(number: str, problem: str) -> None:
    found = nhs_number_problem(number)
    assert found is not None
    assert problem in found


def test_check_digit_rules() -> None:
    assert check_digit("943476591") == 9
    assert check_digit("000000000") == 0  # 11 - 0 = 11 -> 0
    assert check_digit("100000006") == 0  # 10 + 6 * 2 = 22; 22 % 11 = 0; 11 - 0 = 11 -> 0
    assert check_digit("100000001") is None  # 10 + 1 * 2 = 12; 11 - 12 % 11 = 10 -> no valid number


def test_a_remainder_of_one_has_no_valid_number() -> None:
    stems = [f"{n:09d}" for n in range(0, 2000)]
    impossible = [s for s in stems if check_digit(s) is None]
    assert impossible, "some stems have no check digit"
    for stem in impossible[:20]:
        total = sum(int(d) * w for d, w in zip(stem, range(10, 1, -1), strict=True))
        assert total % 11 == 1
        assert "no check digit" in (nhs_number_problem(stem + "0") or "")


def test_synthetic_numbers_are_valid_distinct_and_in_the_test_range() -> None:
    numbers = synthetic_nhs_numbers(random.Random(1), 500)
    assert len(set(numbers)) == 500
    assert all(n.startswith("999") and nhs_number_problem(n) is None for n in numbers)
