"""Display names for the data set codes people choose from (team type, referral reason).

Names only: they never decide a group (the year's tables do). A code the tables hold but this list
does not name is shown as the bare code, never dropped. Source: NHS Digital's published mental
health statistics code (its lookup tables of ServTeamTypeRefToMH and PrimReasonReferralMH
descriptions), names lightly re-worded; see docs/currency.md.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

LABELS_FILE = Path(__file__).parent / "data" / "labels" / "code_labels.csv"


@cache
def _labels() -> dict[tuple[str, str], str]:
    with LABELS_FILE.open(encoding="utf-8", newline="") as handle:
        return {(row["field"], row["code"]): row["label"] for row in csv.DictReader(handle)}


def label(field: str, code: str) -> str | None:
    """The name of `code` in the data set field `field` (e.g. ServTeamTypeRefToMH), or None."""
    return _labels().get((field, code))


def described(field: str, code: str | None) -> str | None:
    """'A06: Community mental health team - functional', or the bare code when it has no name."""
    if code is None:
        return None
    name = label(field, code)
    return f"{code}: {name}" if name else code
