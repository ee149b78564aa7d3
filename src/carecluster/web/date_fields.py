"""A date input (Day / Month / Year boxes) read from a query string, kept as typed so a filter
form can show it back: the reports' and audit trail's view of `web/date_input.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from carecluster.web import date_input


@dataclass(frozen=True)
class DateField:
    """The three boxes as typed (kept to show back), the date if it is one, and the error if not."""

    name: str
    day: str
    month: str
    year: str
    value: date | None
    error: str | None

    @property
    def values(self) -> dict[str, str]:
        """The boxes as `partials/date_input.html` reads them."""
        return {f"{self.name}-day": self.day, f"{self.name}-month": self.month, f"{self.name}-year": self.year}

    @property
    def errors(self) -> dict[str, str]:
        """The error as `partials/date_input.html` reads it (on the day box)."""
        return {f"{self.name}-day": self.error} if self.error else {}


def read_date(data: Mapping[str, str], name: str, label: str) -> DateField:
    """`name-day`, `name-month`, `name-year`; all empty means no date (not an error). The rules
    and their messages are the date input's own (`web/date_input.py`), read once for every form."""
    day, month, year = (str(data.get(f"{name}-{part}", "")).strip() for part in ("day", "month", "year"))
    errors: dict[str, str] = {}
    value = date_input.read_date(
        {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}, name, label, errors, required=False
    )
    return DateField(name, day, month, year, value, errors.get(f"{name}-day"))
