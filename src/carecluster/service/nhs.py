"""NHS numbers: ten digits, the last a modulus 11 check digit over the first nine."""

from __future__ import annotations

import random

TEST_RANGE_PREFIX = "999"
"""NHS numbers starting 999 are the test range: never issued to a real person."""


def check_digit(first_nine: str) -> int | None:
    """Weights 10..2; check = 11 - (sum mod 11); 11 means 0; 10 means no valid number exists."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def nhs_number_problem(value: str) -> str | None:
    """Why `value` is not a valid NHS number, or None if it is."""
    digits = value.replace(" ", "").replace("-", "")
    if len(digits) != 10 or not digits.isdigit():
        return "an NHS number is 10 digits"
    expected = check_digit(digits[:9])
    if expected is None:
        return "not a valid NHS number: no check digit exists for its first nine digits"
    if int(digits[9]) != expected:
        return f"not a valid NHS number: the check digit should be {expected}, not {digits[9]}"
    return None


def normalise_nhs_number(value: str) -> str:
    return value.replace(" ", "").replace("-", "")


def synthetic_nhs_numbers(rng: random.Random, count: int, *, exclude: set[str] | None = None) -> list[str]:
    """Distinct valid numbers from the 999 test range, for demo data and tests."""
    seen = set(exclude or ())
    numbers: list[str] = []
    while len(numbers) < count:
        stem = TEST_RANGE_PREFIX + f"{rng.randrange(10**6):06d}"
        check = check_digit(stem)
        number = f"{stem}{check}"
        if check is None or number in seen:
            continue
        seen.add(number)
        numbers.append(number)
    return numbers
