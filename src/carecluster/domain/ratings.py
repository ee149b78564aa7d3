"""MHCT v3.1 ratings: 18 scales, each 0-4 or 9 (not known), and scale 8's problem type.

Ratings arrive from forms, files, the CLI and other systems in many shapes; they are turned
into one immutable value here, and every rejection names the scale and the value at fault so
that the person who typed it can correct it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, model_validator

from carecluster.reference.models import NOT_KNOWN, SCALE_CODES

VALID_RATINGS = frozenset({0, 1, 2, 3, 4, NOT_KNOWN})
PROBLEM_TYPES = frozenset("ABCDEFGHIJ")
HONOS_SCALES: tuple[str, ...] = SCALE_CODES[:12]
_N_SCALES = len(SCALE_CODES)
_INT_ONLY = frozenset({int})
"""Exactly int: a bool (True == 1) is no rating."""


class RatingError(ValueError):
    """Invalid ratings; `scale` and `value` say where, when one scale is at fault."""

    def __init__(self, message: str, *, scale: str | None = None, value: object = None) -> None:
        super().__init__(message)
        self.scale = scale
        self.value = value


def _rating(scale: str, value: object) -> int:
    if isinstance(value, bool):
        raise RatingError(
            f"scale {scale}: {value!r} is not a rating (use 0-4, or 9 for not known)", scale=scale, value=value
        )
    if isinstance(value, int):
        rating = value
    elif isinstance(value, float) and value.is_integer():
        rating = int(value)
    elif isinstance(value, str) and value.strip().lstrip("+").isdigit():
        rating = int(value.strip())
    else:
        shown = value if isinstance(value, str) and value.strip() else repr(value)
        raise RatingError(
            f"scale {scale}: {shown} is not a rating (use 0-4, or 9 for not known)", scale=scale, value=value
        )
    if rating not in VALID_RATINGS:
        raise RatingError(
            f"scale {scale}: {rating} is not a rating (use 0-4, or 9 for not known)", scale=scale, value=value
        )
    return rating


def plain_values(ratings: object) -> tuple[int, ...] | None:
    """18 plain valid ints in a list or tuple, as a tuple: nothing to check or convert. None for
    anything else (`Ratings.of` then converts it or says what is wrong)."""
    if (
        isinstance(ratings, (list, tuple))
        and len(ratings) == _N_SCALES
        and _INT_ONLY.issuperset(map(type, ratings))
        and VALID_RATINGS.issuperset(ratings)
    ):
        return tuple(ratings)
    return None


def _check_values(values: Sequence[object]) -> None:
    if len(values) != len(SCALE_CODES):
        raise RatingError(f"expected {len(SCALE_CODES)} ratings (scales 1-13 then A-E), got {len(values)}")
    for code, value in zip(SCALE_CODES, values, strict=True):
        _rating(code, value)


def _check_problem_type(values: Sequence[int], ptype: str | None, description: str | None) -> None:
    if ptype is not None:
        if ptype not in PROBLEM_TYPES:
            raise RatingError(f"scale 8 problem type: {ptype!r} is not one of A-J", scale="8", value=ptype)
        if values[7] == 0:
            raise RatingError(
                f"scale 8 problem type {ptype} given but scale 8 is rated 0 (no problem)", scale="8", value=ptype
            )
        if ptype == "J" and not (description or "").strip():
            raise RatingError(
                "scale 8 problem type J (other) needs a description of the problem", scale="8", value=ptype
            )
    elif description:
        raise RatingError("scale 8 problem description given without a problem type (A-J)", scale="8")


class Ratings(BaseModel):
    """One MHCT rating: 18 values in scale order, plus scale 8's problem type (A-J)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    values: tuple[int, ...]
    problem_type: str | None = None
    problem_description: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return {"values": data}
        return data

    @model_validator(mode="after")
    def _check(self) -> Ratings:
        _check_values(self.values)
        _check_problem_type(self.values, self.problem_type, self.problem_description)
        return self

    # --- construction from the shapes ratings arrive in -------------------------------------

    @classmethod
    def of(
        cls,
        ratings: Ratings | Sequence[object] | Mapping[str, object] | str,
        problem_type: str | None = None,
        problem_description: str | None = None,
    ) -> Ratings:
        """Accept a Ratings, 18 values in order, a mapping by scale code, or "0,1,...,1"."""
        if isinstance(ratings, (list, tuple)):  # the common case, tested first
            if problem_type is None and problem_description is None:
                plain = plain_values(ratings)
                if plain is not None:
                    return cls._new(plain, None, None)
            return cls.from_sequence(ratings, problem_type, problem_description)
        if isinstance(ratings, Ratings):
            return ratings
        if isinstance(ratings, str):
            return cls.parse(ratings, problem_type, problem_description)
        if isinstance(ratings, Mapping):
            return cls.from_mapping(ratings, problem_type, problem_description)
        return cls.from_sequence(ratings, problem_type, problem_description)

    @classmethod
    def from_sequence(
        cls, values: Sequence[object], problem_type: str | None = None, problem_description: str | None = None
    ) -> Ratings:
        values = list(values)
        if len(values) != len(SCALE_CODES):
            raise RatingError(f"expected {len(SCALE_CODES)} ratings (scales 1-13 then A-E), got {len(values)}")
        if _INT_ONLY.issuperset(map(type, values)) and VALID_RATINGS.issuperset(values):
            parsed = cast(tuple[int, ...], tuple(values))  # the common case, from a form or a file: plain valid ints
        else:
            parsed = tuple(_rating(code, value) for code, value in zip(SCALE_CODES, values, strict=True))
        return cls._build(parsed, problem_type, problem_description)

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, object], problem_type: str | None = None, problem_description: str | None = None
    ) -> Ratings:
        """Keys are scale codes ('1'..'13', 'A'..'E'), case-insensitive, optionally 'mhct_' prefixed."""
        by_code: dict[str, object] = {}
        for key, value in mapping.items():
            code = str(key).strip().upper().removeprefix("MHCT_").removeprefix("SCALE_")
            if code == "8_TYPE" or code == "PROBLEM_TYPE":
                problem_type = problem_type or (str(value) if value not in (None, "") else None)
                continue
            if code == "8_DESCRIPTION" or code == "PROBLEM_DESCRIPTION":
                problem_description = problem_description or (str(value) if value else None)
                continue
            if code not in SCALE_CODES:
                raise RatingError(f"unknown scale {key!r}; scales are {', '.join(SCALE_CODES)}", scale=str(key))
            if code in by_code:
                raise RatingError(f"scale {code} is given twice", scale=code)
            by_code[code] = value
        missing = [code for code in SCALE_CODES if code not in by_code]
        if missing:
            raise RatingError(f"no rating for scale(s) {', '.join(missing)} (rate 9 if not known)", scale=missing[0])
        return cls.from_sequence([by_code[code] for code in SCALE_CODES], problem_type, problem_description)

    @classmethod
    def parse(cls, text: str, problem_type: str | None = None, problem_description: str | None = None) -> Ratings:
        """Parse "0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,0,1,1"; scale 8 may carry its type, e.g. "2B"."""
        parts = [part.strip() for part in text.replace(";", ",").split(",")]
        if len(parts) != len(SCALE_CODES):
            raise RatingError(
                f"expected {len(SCALE_CODES)} comma-separated ratings (scales 1-13 then A-E), got {len(parts)}"
            )
        scale8 = parts[7]
        if len(scale8) == 2 and scale8[0].isdigit() and scale8[1].isalpha():
            parts[7], problem_type = scale8[0], problem_type or scale8[1].upper()
        return cls.from_sequence(parts, problem_type, problem_description)

    @classmethod
    def _build(cls, values: tuple[int, ...], problem_type: str | None, problem_description: str | None) -> Ratings:
        if problem_type is not None:
            problem_type = problem_type.strip().upper() or None
        _check_problem_type(values, problem_type, problem_description)  # raise RatingError, not pydantic's
        return cls._new(values, problem_type, problem_description)

    @classmethod
    def _new(cls, values: tuple[int, ...], problem_type: str | None, problem_description: str | None) -> Ratings:
        """Every value was checked on the way in: construct without checking twice, and without
        model_construct's per-field search (a rating is built on every keystroke of a form)."""
        rated = cls.__new__(cls)
        object.__setattr__(
            rated,
            "__dict__",
            {"values": values, "problem_type": problem_type, "problem_description": problem_description},
        )
        object.__setattr__(rated, "__pydantic_fields_set__", {"values", "problem_type", "problem_description"})
        object.__setattr__(rated, "__pydantic_extra__", None)
        object.__setattr__(rated, "__pydantic_private__", None)
        return rated

    # --- reading ----------------------------------------------------------------------------

    def __getitem__(self, code: str) -> int:
        return self.values[SCALE_CODES.index(code)]

    def as_dict(self) -> dict[str, int]:
        return dict(zip(SCALE_CODES, self.values, strict=True))

    @property
    def honos(self) -> tuple[int, ...]:
        """HoNOS items 1-12 are MHCT scales 1-12: one rating serves both."""
        return self.values[:12]

    @property
    def not_known(self) -> tuple[str, ...]:
        return tuple(code for code, value in zip(SCALE_CODES, self.values, strict=True) if value == NOT_KNOWN)

    def __str__(self) -> str:
        return ",".join(str(v) for v in self.values)
