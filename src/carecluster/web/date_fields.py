"""Read an NHS.UK date input (Day / Month / Year boxes) from a query string or form, with the
message NHS.UK's pattern asks for when it is incomplete or not a real date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DateField:
    """The three boxes as typed (kept to show back), the date if it is one, and the error if not."""

    name: str
    day: str
    month: str
    year: str
    value: date | None
    error: str | None


def read_date(data: Mapping[str, str], name: str, label: str) -> DateField:
    """`name-day`, `name-month`, `name-year`; all empty means no date (not an error)."""
    day, month, year = (str(data.get(f"{name}-{part}", "")).strip() for part in ("day", "month", "year"))
    if not (day or month or year):
        return DateField(name, day, month, year, None, None)
    missing = [part for part, text in (("day", day), ("month", month), ("year", year)) if not text]
    if missing:
        return DateField(name, day, month, year, None, f"{label} must include a {' and '.join(missing)}")
    if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
        return DateField(name, day, month, year, None, f"{label} must be a real date, for example 27 3 2026")
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return DateField(name, day, month, year, None, f"{label} must be a real date, for example 27 3 2026")
    return DateField(name, day, month, year, value, None)
