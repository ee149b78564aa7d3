"""The resource group as periods in the national data set's currency model table, MHS013MHCurrencyModel.

The table keys a person (LocalPatientId) to a resource group over a period
(MHResourceGroupType, StartDateMHResourceGroup, EndDateMHResourceGroup); those four names are the
submitted fields of a public MHSDS raw-layer model of the table (see docs/currency.md). Whether
MHResourceGroupType carries the population group (MAA) or the whole code (MAA96A) was not
confirmed from public material: a person-level period cannot carry a family or setting (those
belong to each contact or spell), so we write the population group, and the whole code and the
tables' version in our own `cc_` columns, which may be dropped for a national submission.

Pure: periods are built from (date a version took effect, its result) pairs the caller supplies.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from carecluster.currency.rules import GroupResult
from carecluster.spreadsheet import safe_cell

TABLE = "MHS013MHCurrencyModel"
COLUMNS = (
    "LocalPatientId",
    "MHResourceGroupType",
    "StartDateMHResourceGroup",
    "EndDateMHResourceGroup",
    "cc_ResourceGroupCode",
    "cc_GroupStatus",
    "cc_CurrencyReference",
)


@dataclass(frozen=True)
class GroupPeriod:
    """One person in one resource group from `start` to `end` (None: still open)."""

    local_patient_id: str
    population_group: str
    code: str
    status: str
    reference_version: str
    start: date
    end: date | None


@dataclass(frozen=True)
class Ungrouped:
    """A span that cannot be written (the grouping refused an input): reported, never dropped silently."""

    local_patient_id: str
    start: date
    reason: str


def periods(
    local_patient_id: str, versions: Sequence[tuple[date, GroupResult]], ended: date | None
) -> tuple[list[GroupPeriod], list[Ungrouped]]:
    """Periods of one episode from its versions, oldest first: each (day it took effect, result).

    Consecutive versions in the same group make one period; a version taking effect the same day
    as the one before replaces it; a period ends the day before the next begins, and the last on
    `ended` (the discharge date) or stays open. A rejected version has no group: it is returned as
    `Ungrouped` and ends the period before it.
    """
    spans: list[tuple[date, GroupResult]] = []
    for on, result in versions:
        if spans and on <= spans[-1][0]:
            spans[-1] = (spans[-1][0], result)
        else:
            spans.append((on, result))
    found: list[GroupPeriod] = []
    refused: list[Ungrouped] = []
    current: GroupPeriod | None = None
    for on, result in spans:
        same = current is not None and result.code == current.code and result.status == current.status
        if same:
            continue
        if current is not None:
            found.append(_ended(current, on - timedelta(days=1)))
            current = None
        if result.code is None or result.population_group is None:
            refused.append(Ungrouped(local_patient_id, on, result.reason))
            continue
        current = GroupPeriod(
            local_patient_id, result.population_group, result.code, result.status, result.reference_version, on, None
        )
    if current is not None:
        found.append(_ended(current, ended) if ended is not None else current)
    return found, refused


def _ended(period: GroupPeriod, end: date | None) -> GroupPeriod:
    return GroupPeriod(
        period.local_patient_id,
        period.population_group,
        period.code,
        period.status,
        period.reference_version,
        period.start,
        end,
    )


def to_csv(rows: Iterable[GroupPeriod]) -> str:
    """The table as CSV (dates YYYY-MM-DD, an open period's end empty); spreadsheet-safe cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for p in rows:
        writer.writerow(
            safe_cell(v)
            for v in (
                p.local_patient_id,
                p.population_group,
                p.start.isoformat(),
                p.end.isoformat() if p.end else "",
                p.code,
                p.status,
                p.reference_version,
            )
        )
    return out.getvalue()
