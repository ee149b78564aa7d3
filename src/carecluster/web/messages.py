"""Validation errors turned into messages written for people, in the NHS.UK style.

Pydantic's own text ("Input should be less than or equal to 21", "String should have at most 200
characters") reaches nobody: every form handler passes its `ValidationError` through
`pydantic_faults` (web/forms.py), which calls `describe` here. Each message names the field and,
where there is one, the limit, as the NHS.UK design system words them ("Reason must be 4000
characters or fewer"). Messages our own validators wrote (`value_error`) are already for people
and are kept, without pydantic's "Value error, " prefix. An unknown type still gets a sentence
naming the field, never the library's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LABELS: dict[str, str] = {
    "reason": "reason",
    "amend_reason": "reason for the change",
    "chosen_cluster": "cluster",
    "assessed_on": "date of the assessment",
    "reviewed_on": "date of the review",
    "administered_on": "date the measure was completed",
    "username": "username",
    "full_name": "full name",
    "password": "password",
    "role": "role",
    "code": "team code",
    "name": "team name",
    "team_ids": "teams",
    "measure_id": "measure",
    "description": "goal",
    "weight": "goal weight",
    "super_class": "super class",
    "problem_type": "scale 8 problem type",
    "problem_description": "scale 8 problem description",
    "ratings": "ratings",
    "respondent": "person who completed the measure",
    "clustering_event": "clustering event",
    "facts": "answers to the questions",
}
"""The words for each form field, as they follow "Enter the ..." or start "... must be"."""

PATTERNS: dict[str, str] = {
    r"^[A-Za-z0-9_-]+$": "letters, numbers, hyphens and underscores",
    r"^[A-Za-z0-9._@-]+$": "letters, numbers, full stops, @, hyphens and underscores",
    r"^[A-Za-z0-9_.-]+$": "letters, numbers, full stops, hyphens and underscores",
}
"""The characters each field pattern in service/schemas.py allows, in words."""

SKIP = ("body", "query", "path", "form")


def label_for(loc: tuple[str | int, ...], labels: Mapping[str, str] | None = None) -> str:
    """The field's words: from `labels` or `LABELS`, else its name with spaces."""
    names = [str(part) for part in loc if isinstance(part, str) and part not in SKIP]
    table = {**LABELS, **(labels or {})}
    for name in reversed(names):
        if name in table:
            return table[name]
    return names[-1].replace("_", " ") if names else "this answer"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe(error: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) as a sentence for people."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    label = label_for(tuple(error.get("loc", ())), labels)
    the = _cap(label)
    if kind in ("value_error", "assertion_error"):
        text = (
            str(ctx.get("error") or error.get("msg", ""))
            .removeprefix("Value error, ")
            .removeprefix("Assertion failed, ")
        )
        return _cap(text.strip()) if text.strip() else f"{the} is not valid"
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return f"Enter the {label}"
    if kind == "string_too_short":
        return f"{the} must be {ctx['min_length']} characters or more"
    if kind == "string_too_long":
        return f"{the} must be {ctx['max_length']} characters or fewer"
    if kind == "string_pattern_mismatch":
        allowed = PATTERNS.get(str(ctx.get("pattern", "")))
        return f"{the} must only include {allowed}" if allowed else f"{the} includes a character that is not allowed"
    if kind == "less_than_equal":
        return f"{the} must be {_number(ctx['le'])} or less"
    if kind == "greater_than_equal":
        return f"{the} must be {_number(ctx['ge'])} or more"
    if kind == "less_than":
        return f"{the} must be less than {_number(ctx['lt'])}"
    if kind == "greater_than":
        return f"{the} must be more than {_number(ctx['gt'])}"
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return f"{the} must be a whole number"
    if kind in ("float_parsing", "float_type", "finite_number", "decimal_parsing"):
        return f"{the} must be a number"
    if kind.startswith(("date_", "datetime_")):
        return f"{the} must be a real date"
    if kind in ("literal_error", "enum"):
        return f"Select the {label}"
    if kind in ("bool_parsing", "bool_type"):
        return f"Select yes or no for the {label}"
    if kind == "too_short":
        return f"Select at least {ctx.get('min_length', 1)} for the {label}"
    if kind == "too_long":
        return f"Select no more than {ctx.get('max_length')} for the {label}"
    if kind == "extra_forbidden":
        return f"The form sent an answer this page does not ask for ({label}): reload the page and try again"
    return f"Check the {label}: it is not in a form this service can read"
