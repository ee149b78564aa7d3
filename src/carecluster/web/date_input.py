"""Read the NHS.UK date input (Day / Month / Year) that partials/date_input.html renders, with
messages that say what is wrong in the words the form uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping


def date_values(on: dt.date, prefix: str) -> dict[str, str]:
    """Form values that pre-fill the three boxes with `on` (`prefix` is "<id>-" or "<name>_")."""
    return {f"{prefix}day": str(on.day), f"{prefix}month": str(on.month), f"{prefix}year": str(on.year)}


def read_date(
    values: Mapping[str, str],
    id_: str,
    what: str,
    errors: dict[str, str],
    *,
    prefix: str | None = None,
    required: bool = True,
    not_after: dt.date | None = None,
) -> dt.date | None:
    """The date typed into the boxes, or None with a message in `errors[id_ + "-day"]`.

    `what` names the date in the message ("the referral date"); `not_after` refuses later dates."""
    prefix = prefix or f"{id_}-"
    key = f"{id_}-day"
    parts = [values.get(f"{prefix}{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        if required:
            errors[key] = f"Enter {what} as a day, month and year"
        return None
    missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
    if missing:
        errors[key] = f"{what[0].upper()}{what[1:]} must include a {' and '.join(missing)}"
        return None
    if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        errors[key] = f"{what[0].upper()}{what[1:]} must be numbers: a day, a month and a 4-digit year"
        return None
    try:
        on = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        errors[key] = f"{what[0].upper()}{what[1:]} must be a real date"
        return None
    if not_after is not None and on > not_after:
        errors[key] = f"{what[0].upper()}{what[1:]} must be today or in the past"
        return None
    return on
