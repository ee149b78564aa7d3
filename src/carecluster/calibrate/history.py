"""A provider's clustering history, read and checked row by row before anything is derived from it.

Input: a CSV or Parquet file with the batch columns (`mhct_1`..`mhct_e`) plus `allocated_cluster`
(optionally `assessed_on` and `assessment_id`), or a directory holding the national data set's
clustering tables (MHS001, MHS801, MHS802, MHS803). A wrong row is never silently used: ratings
out of range, unknown clusters, cluster 9, a missing allocation and duplicate assessments are
reported with the row number (1-based data row; CSV line - 1) and left out. Allocations to
cluster 0 (variance) are kept for validation but have no grid to derive.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from carecluster.batch.schema import ALLOCATED, RATING_COLUMNS, find_columns
from carecluster.batch.tables import tables_for
from carecluster.batch.validate import parse_frame
from carecluster.calibrate.simulate import DATE_COLUMN, ID_COLUMN
from carecluster.reference.models import ReferenceSet


class HistoryError(ValueError):
    """A history that cannot be read at all (no such file, no rating columns, unknown format)."""


@dataclass(frozen=True, slots=True)
class Reject:
    row: int
    reason: str


@dataclass(frozen=True, slots=True)
class History:
    """The usable rows of a history, as the engine's arrays, and the rows left out with why."""

    codes: np.ndarray
    """(18, N) uint8 rating codes (0-4, 9)."""
    allocated: np.ndarray
    """(N,) int64 clusters the clinicians chose (0-21, never 9)."""
    dates: np.ndarray | None
    """(N,) datetime64[D], or None when the history has no `assessed_on`."""
    rows: np.ndarray
    """(N,) the 1-based input row of each usable record."""
    source: str
    rejects: list[Reject] = field(default_factory=list)
    total_rows: int = 0

    def __len__(self) -> int:
        return len(self.allocated)

    def subset(self, keep: np.ndarray) -> History:
        """The records where `keep` (a mask or indices), with the same rejects and source."""
        return History(
            self.codes[:, keep],
            self.allocated[keep],
            None if self.dates is None else self.dates[keep],
            self.rows[keep],
            self.source,
            self.rejects,
            self.total_rows,
        )


def check_history(df: pl.DataFrame, reference: ReferenceSet, source: str) -> History:
    """Check every row of a history frame; see the module docstring for what is refused."""
    try:
        columns = find_columns(df.columns)
    except (KeyError, ValueError) as error:
        raise HistoryError(f"{source}: {error.args[0]}") from None
    if ALLOCATED not in columns:
        raise HistoryError(f"{source}: no {ALLOCATED} column: calibration needs the cluster each clinician chose")
    parsed = parse_frame(df, columns, reference, tables_for(reference))
    invalid = parsed.invalid.copy()
    reasons = {row: list(texts) for row, texts in parsed.reasons.items()}

    def add(rows: np.ndarray, text: str | list[str]) -> None:
        texts = [text] * len(rows) if isinstance(text, str) else text
        for row, words in zip(rows.tolist(), texts, strict=True):
            reasons.setdefault(row, []).append(words)
        invalid[rows] = True

    allocated = parsed.allocated if parsed.allocated is not None else np.full(df.height, -1, np.int8)
    missing = (allocated < 0) & ~parsed.invalid
    add(np.flatnonzero(missing), f"{ALLOCATED}: missing (calibration needs the cluster chosen)")

    dates = None
    by_folded = {name.strip().lower(): name for name in df.columns}
    if DATE_COLUMN in by_folded:
        raw = df.get_column(by_folded[DATE_COLUMN])
        if raw.dtype == pl.Date:
            parsed_dates = raw
        elif isinstance(raw.dtype, pl.Datetime):
            parsed_dates = raw.dt.date()
        else:
            parsed_dates = raw.cast(pl.String).str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
        bad = parsed_dates.is_null().to_numpy()
        add(np.flatnonzero(bad), f"{DATE_COLUMN}: not a date (YYYY-MM-DD)")
        dates = parsed_dates.fill_null(pl.date(1970, 1, 1)).to_numpy().astype("datetime64[D]")

    key = [by_folded[ID_COLUMN]] if ID_COLUMN in by_folded else list(df.columns)
    first_of = df.select(key).with_row_index("_row").group_by(key, maintain_order=True).agg(pl.col("_row").min())
    firsts = df.select(key).join(first_of, on=key, how="left", nulls_equal=True).get_column("_row").to_numpy()
    doubled = np.flatnonzero(firsts != np.arange(df.height))
    what = "assessment_id" if ID_COLUMN in by_folded else "row"
    add(doubled, [f"duplicate: same {what} as row {int(firsts[r]) + 1}" for r in doubled])

    keep = ~invalid
    rejects = [Reject(row + 1, "; ".join(reasons[row])) for row in sorted(reasons)]
    return History(
        codes=parsed.codes[:, keep],
        allocated=allocated[keep].astype(np.int64),
        dates=None if dates is None else dates[keep],
        rows=np.flatnonzero(keep) + 1,
        source=source,
        rejects=rejects,
        total_rows=df.height,
    )


def nds_frame(directory: Path, reference: ReferenceSet) -> pl.DataFrame:
    """The national data set's clustering tables as a history frame (the clinician's final cluster)."""
    from carecluster.interop.nds import NdsError, read_directory

    try:
        data = read_directory(directory, reference)
    except NdsError as error:
        problems = "; ".join(f"{issue.expression}: {issue.diagnostics}" for issue in error.issues[:20])
        raise HistoryError(f"{directory}: {problems}") from None
    records = data.records
    values = np.array([r.ratings.values for r in records], dtype=np.int64).reshape(len(records), len(RATING_COLUMNS))
    return pl.DataFrame(
        {
            ID_COLUMN: [r.id for r in records],
            **{column: values[:, i] for i, column in enumerate(RATING_COLUMNS)},
            ALLOCATED: pl.Series(
                [r.allocation.final_cluster if r.allocation else None for r in records], dtype=pl.Int64
            ),
            DATE_COLUMN: pl.Series([r.assessed_on for r in records], dtype=pl.Date),
        }
    )


def read_history(path: str | os.PathLike[str], reference: ReferenceSet) -> History:
    """Read and check a history file (CSV, Parquet) or a national data set directory."""
    where = Path(path)
    if where.is_dir():
        return check_history(nds_frame(where, reference), reference, str(where))
    suffix = where.suffix.lower()
    try:
        if suffix == ".csv":
            df = pl.read_csv(where, infer_schema=False)
        elif suffix in (".parquet", ".pq"):
            df = pl.read_parquet(where)
        else:
            raise HistoryError(
                f"{where}: unknown file type {suffix or '(none)'}; use .csv, .parquet or an NDS directory"
            )
    except (OSError, pl.exceptions.PolarsError) as error:
        raise HistoryError(f"{where}: cannot read the file: {error}") from None
    return check_history(df, reference, str(where))
