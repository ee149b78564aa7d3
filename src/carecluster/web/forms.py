"""Read the rating form: every field kept as typed, every fault named, nothing lost on an error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from carecluster.domain.ratings import RatingError, Ratings
from carecluster.reference.models import SCALE_CODES
from carecluster.web.messages import describe

FIELDS = tuple(f"s{code}" for code in SCALE_CODES)
FACT_PREFIX = "fact_"


@dataclass
class RatingForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    ratings: Ratings | None = None

    @property
    def rated_count(self) -> int:
        return sum(1 for name in FIELDS if self.values.get(name, "") != "")

    @property
    def super_class(self) -> str | None:
        return self.values.get("super_class") or None

    @property
    def facts(self) -> dict[str, str]:
        """Answers to the suggestion's questions, from `fact_<id>` fields; the engine checks them."""
        return {
            key.removeprefix(FACT_PREFIX): value
            for key, value in self.values.items()
            if key.startswith(FACT_PREFIX) and value in ("yes", "no")
        }


def read_rating_form(data: Mapping[str, str], *, require_all: bool) -> RatingForm:
    """Parse the 18 scales, the super class and scale 8's type.

    `require_all` marks each unrated scale as an error (on submit); while typing, an incomplete
    form simply has no suggestion yet.
    """
    values = {key: str(value).strip() for key, value in data.items()}
    form = RatingForm(values=values)
    missing = [name for name in FIELDS if values.get(name, "") == ""]
    if missing:
        if require_all:
            for name in missing:
                form.errors[name] = f"Rate scale {name[1:]} (0-4, or 9 if not known)"
        return form
    if values.get("super_class") not in (None, "", "non-psychotic", "psychotic", "organic"):
        form.errors["super_class"] = "Choose non-psychotic, psychotic, organic or not decided"
        return form
    try:
        form.ratings = Ratings.of(
            [values[name] for name in FIELDS],
            problem_type=values.get("problem_type") or None,
            problem_description=values.get("problem_description") or None,
        )
    except RatingError as error:
        message = str(error)
        if error.scale == "8" and ("type" in message or "description" in message):
            key = "problem_description" if "description" in message and "type J" in message else "problem_type"
        else:
            key = f"s{error.scale}" if error.scale else FIELDS[0]
        form.errors[key] = message[0].upper() + message[1:]
    return form


def sentence(text: str) -> str:
    """A service message as a sentence for an error summary: capital first letter."""
    text = text.strip().removeprefix("Value error, ")
    return text[:1].upper() + text[1:] if text else text


def field_errors(
    faults: list[tuple[tuple[str | int, ...], str]], fields: Mapping[str, str], default: str
) -> dict[str, str]:
    """Map (location, message) pairs from `Invalid` or pydantic onto the page's field ids.

    `fields` maps a location's field name (e.g. "reason") to the id of the control on the page;
    a fault on anything else is shown against `default`, so no message is ever dropped.
    """
    errors: dict[str, str] = {}
    for loc, message in faults:
        names = [str(part) for part in loc if str(part) not in ("body", "query", "path")]
        key = next((fields[n] for n in names if n in fields), default)
        errors.setdefault(key, sentence(message))
    return errors


def pydantic_faults(
    error: ValidationError, labels: Mapping[str, str] | None = None
) -> list[tuple[tuple[str | int, ...], str]]:
    """The faults of a pydantic ValidationError, in the same shape as `Invalid.errors`, each in
    words for people (web/messages.py): every form handler reads its errors through here."""
    return [(tuple(e["loc"]), describe(e, labels)) for e in error.errors()]


def rating_values(form: RatingForm) -> list[str]:
    return [form.values[name] for name in FIELDS]
