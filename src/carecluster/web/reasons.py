"""What a reason field accepts and how a person is told when it does not: one place for the
limits the schemas set (`service.schemas.Reason`: 3 to 4,000 characters)."""

from __future__ import annotations

from pydantic import ValidationError

REASON_MIN = 3
REASON_LIMIT = 4000


def reason_hint(why: str) -> str:
    """A hint that states the limits, after saying when the reason is needed."""
    return f"{why} At least {REASON_MIN} and at most {REASON_LIMIT:,} characters."


def reason_errors(error: ValidationError, fields: dict[str, str], what: dict[str, str]) -> dict[str, str]:
    """The reason faults in `error` as messages keyed by form field: too short and too long are
    told apart (a 4,001-character reason is not "too short"). `what` names each field's reason."""
    errors: dict[str, str] = {}
    for fault in error.errors():
        name = str(fault["loc"][0]) if fault["loc"] else ""
        if name not in fields:
            continue
        label = what.get(name, "the reason")
        if fault["type"] == "string_too_long":
            errors[fields[name]] = f"{label[0].upper()}{label[1:]} must be {REASON_LIMIT:,} characters or fewer"
        else:
            errors[fields[name]] = f"Enter {label}: at least {REASON_MIN} characters"
    return errors
