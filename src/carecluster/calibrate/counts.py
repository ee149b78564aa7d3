"""Tallies of a history: per allocated cluster, tested row and rating, how many people were rated there.

The tally is all that derivation needs, and tallies add up: a file too big for one core is
tallied partition by partition on Dask and the partial tallies summed, which gives exactly the
one-core answer (integer counts, no floating-point order effects).

Layout: `Tally.counts[cluster, row, digit]` with clusters 0-21, the 17 tested rows of
`grid_fit.TESTED_ROWS` (7 and 8 as one row: the higher of the two when both are known, else not
known, as the grids and the drift report read them) and digits 0-4 for ratings, 5 for 9.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from carecluster.domain.grid_fit import TESTED_ROWS
from carecluster.reference.models import NOT_KNOWN, SCALE_CODES

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

N_CLUSTERS = 22
N_ROWS = len(TESTED_ROWS)
N_DIGITS = 6
NOT_KNOWN_DIGIT = 5
_SCALE_OF_ROW = np.array([SCALE_CODES.index("7" if row == "7/8" else row) for row in TESTED_ROWS])
_PAIRED = TESTED_ROWS.index("7/8")


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts per (cluster, tested row, digit), how many records they came from, and their dates."""

    counts: np.ndarray
    records: np.ndarray
    """Records per cluster (0-21)."""
    first: date | None = None
    last: date | None = None

    def __add__(self, other: Tally) -> Tally:
        firsts = [d for d in (self.first, other.first) if d is not None]
        lasts = [d for d in (self.last, other.last) if d is not None]
        return Tally(
            self.counts + other.counts,
            self.records + other.records,
            min(firsts) if firsts else None,
            max(lasts) if lasts else None,
        )

    @property
    def ratings(self) -> np.ndarray:
        """(cluster, row, 5): the counts of ratings 0-4 (9s left out)."""
        return self.counts[..., :NOT_KNOWN_DIGIT]

    @property
    def not_known(self) -> np.ndarray:
        """(cluster, row): the 9s, left out of every share."""
        return self.counts[..., NOT_KNOWN_DIGIT]


def empty_tally() -> Tally:
    return Tally(np.zeros((N_CLUSTERS, N_ROWS, N_DIGITS), np.int64), np.zeros(N_CLUSTERS, np.int64))


def row_digits(codes: np.ndarray) -> np.ndarray:
    """(17, N) digits of the tested rows from (18, N) rating codes (0-4 or 9, already checked)."""
    codes = np.asarray(codes, dtype=np.int64)
    digits = np.minimum(codes[_SCALE_OF_ROW], NOT_KNOWN_DIGIT)
    s7, s8 = codes[SCALE_CODES.index("7")], codes[SCALE_CODES.index("8")]
    both = (s7 != NOT_KNOWN) & (s8 != NOT_KNOWN)
    digits[_PAIRED] = np.where(both, np.maximum(s7, s8), NOT_KNOWN_DIGIT)
    return digits


def tally(codes: np.ndarray, allocated: np.ndarray, dates: np.ndarray | None = None) -> Tally:
    """Tally (18, N) rating codes by allocated cluster (0-21); one `np.bincount`, no loop over records."""
    allocated = np.asarray(allocated, dtype=np.int64)
    digits = row_digits(codes)
    index = (allocated[None, :] * N_ROWS + np.arange(N_ROWS)[:, None]) * N_DIGITS + digits
    counts = np.bincount(index.ravel(), minlength=N_CLUSTERS * N_ROWS * N_DIGITS)
    records = np.bincount(allocated, minlength=N_CLUSTERS)
    first = last = None
    if dates is not None and len(dates):
        values = np.asarray(dates, dtype="datetime64[D]")
        first, last = values.min().astype(date), values.max().astype(date)
    return Tally(counts.reshape(N_CLUSTERS, N_ROWS, N_DIGITS), records, first, last)


def tally_dask(ddf: dd.DataFrame, rating_columns: list[str], allocated: str, date_column: str | None) -> Tally:
    """The same tally over a Dask DataFrame of checked rows: one partial tally per partition, summed."""
    import dask

    def partial(frame: pd.DataFrame) -> Tally:  # one partition of the Dask frame
        codes = np.stack([frame[c].to_numpy(dtype=np.int64) for c in rating_columns])
        dates = frame[date_column].to_numpy() if date_column else None
        return tally(codes, frame[allocated].to_numpy(dtype=np.int64), dates)

    parts = [dask.delayed(partial)(piece) for piece in ddf.to_delayed()]
    total = empty_tally()
    for piece in dask.compute(*parts):
        total = total + piece
    return total
