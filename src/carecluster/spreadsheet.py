"""Cells that a spreadsheet would run as formulas, made inert before any export writes them.

Spreadsheet programs evaluate a cell whose text starts with `=`, `+`, `-` or `@` (and some also
after a leading tab or carriage return), so a service user named `=HYPERLINK(...)` exported to
CSV becomes a live formula on a team lead's desktop that can send neighbouring NHS numbers to
another site. Every CSV export passes its cells through `safe_cell` (one rule, one place); the
XLSX writer stores text as inline strings, which spreadsheets never evaluate.

The rule (OWASP "CSV injection"): text starting with a trigger character gets a leading
apostrophe, which spreadsheets show as text. A value starting with an apostrophe gets one too,
so `restore_cell` can undo the escape exactly (files that carecluster reads back, such as the
national data set tables, round-trip without loss). Numbers are never changed: a plain number
such as `-3` or `-1.5` is not a formula.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet evaluate a cell (tab and CR: some import paths)."""
ESCAPE = "'"
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet will show but never evaluate it; non-text values are unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(ESCAPE) or (value.startswith(TRIGGERS) and not _PLAIN_NUMBER.match(value)):
        return ESCAPE + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of a row through `safe_cell`."""
    return [safe_cell(cell) for cell in row]


def restore_cell(value: str) -> str:
    """The text `safe_cell` was given: the inverse, for files that carecluster reads back.

    Only an apostrophe that `safe_cell` would have added is removed, so a file from another
    system whose text happens to start with one (`'t Hooft`) is read as written.
    """
    if value.startswith(ESCAPE) and value[1:].startswith((*TRIGGERS, ESCAPE)):
        return value[1:]
    return value
