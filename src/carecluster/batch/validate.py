"""Turn a frame's columns into engine arrays, and say in words why a row cannot be allocated.

Files arrive typed (Parquet integers or floats) or as text (CSV), with blanks, typos and values
from other scales. A rating is accepted exactly when the single-record engine would accept it
(`ratings.Ratings`): an integer 0-4 or 9, a float with an integral value, or text of ASCII
digits with optional surrounding spaces and one leading '+'. Anything else rejects the row,
with a reason naming every faulty column and value, in the single engine's words. Checks are
vectorised; only the reasons of rejected rows are written row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from carecluster.batch.schema import ALLOCATED, HEADING_GIVEN, RATING_COLUMNS, SUPER_CLASS_GIVEN
from carecluster.batch.tables import BatchTables
from carecluster.domain.allocation import AllocationError, scope_of
from carecluster.reference.models import SCALE_CODES, ReferenceSet

NOT_A_RATING = "is not a rating (use 0-4, or 9 for not known)"
BAD = np.uint8(255)
"""Scope code of a row whose super class or heading is not in the reference set."""


@dataclass(slots=True)
class Numbers:
    """One column read as integers: values (0 where unusable), and which were missing or malformed."""

    values: np.ndarray
    missing: np.ndarray | None = None
    malformed: np.ndarray | None = None

    def unusable(self) -> np.ndarray | None:
        if self.missing is None:
            return self.malformed
        if self.malformed is None:
            return self.missing
        return self.missing | self.malformed


@dataclass(slots=True)
class Parsed:
    """Engine inputs for every row (0s where invalid) and the reasons of the invalid rows."""

    codes: np.ndarray
    scope: np.ndarray
    allocated: np.ndarray | None
    invalid: np.ndarray
    reasons: dict[int, list[str]] = field(default_factory=dict)

    def reason_list(self) -> list[str]:
        """Reasons of the invalid rows, in row order."""
        return ["; ".join(self.reasons[row]) for row in np.flatnonzero(self.invalid).tolist()]


def read_numbers(series: pl.Series) -> Numbers:
    """Read a column as integers the way `ratings._rating` reads one value."""
    dtype = series.dtype
    if dtype.is_integer():
        if series.null_count() == 0:
            return Numbers(series.to_numpy())
        return Numbers(series.fill_null(0).to_numpy(), missing=series.is_null().to_numpy())
    if dtype.is_float():
        floats = series.cast(pl.Float64).to_numpy()  # nulls become NaN
        missing = np.isnan(floats)
        integral = np.isfinite(floats) & (floats == np.floor(floats))
        values = np.where(integral, np.clip(floats, -1, 1000), 0).astype(np.int64)
        return Numbers(values, missing=missing, malformed=~missing & ~integral)
    if dtype == pl.Boolean:  # True is not a rating, even though Python calls it 1
        missing = series.is_null().to_numpy()
        return Numbers(np.zeros(len(series), np.int64), missing=missing, malformed=~missing)
    if dtype == pl.Object:  # Python objects of mixed types: read each as the text it shows
        series = pl.Series([_as_text(v) for v in series.to_list()], dtype=pl.String)
    text = series.cast(pl.String).str.strip_chars()
    missing = (text.is_null() | (text == "")).to_numpy()
    # Rust's integer parsing: ASCII digits, one optional sign; '-1' parses and fails the range
    parsed = text.str.to_integer(strict=False)
    values = parsed.fill_null(0).to_numpy()
    malformed = parsed.is_null().to_numpy() & ~missing
    return Numbers(values, missing=missing, malformed=malformed)


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, bool) or value != value:  # None, True/False, NaN
        return None if value is None or value != value else "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rating_codes(numbers: Numbers) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 codes with 0 where invalid, invalid mask) for one rating column."""
    values = numbers.values
    unusable = numbers.unusable()
    if len(values) and values.min() >= 0 and values.max() <= 9:
        codes = values.astype(np.uint8)
        bad = (codes - np.uint8(5)) < 4  # 5-8 (in uint8, 0-4 wrap round to 251-255)
    else:
        bad = ~(((values >= 0) & (values <= 4)) | (values == 9))
        codes = np.where(bad, 0, values).astype(np.uint8)
    if unusable is not None:
        bad |= unusable
    if bad.any():
        codes[bad] = 0
    return codes, bad


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, str) else repr(value)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value != value  # NaN


def parse_frame(
    df: pl.DataFrame,
    columns: Mapping[str, str],
    reference: ReferenceSet,
    tables: BatchTables,
    *,
    super_class: str | None = None,
    heading: str | None = None,
) -> Parsed:
    """Engine inputs and reject reasons for every row of `df`.

    `columns` maps our names (schema.RATING_COLUMNS and the optional ones) to `df`'s.
    `super_class` and `heading` apply to rows without a column of their own.
    """
    n = df.height
    codes = np.empty((len(RATING_COLUMNS), n), np.uint8)
    invalid = np.zeros(n, bool)
    reasons: dict[int, list[str]] = {}

    def add(rows: np.ndarray, texts: list[str]) -> None:
        for row, text in zip(rows.tolist(), texts, strict=True):
            reasons.setdefault(row, []).append(text)

    for i, (ours, code) in enumerate(zip(RATING_COLUMNS, SCALE_CODES, strict=True)):
        series = df.get_column(columns[ours])
        codes[i], bad = _rating_codes(read_numbers(series))
        if bad.any():
            invalid |= bad
            rows = np.flatnonzero(bad)
            raw = series.gather(rows).to_list()
            add(
                rows,
                [
                    f"scale {code}: missing (rate 9 if not known)"
                    if _is_blank(v)
                    else f"scale {code}: {_shown(v)} {NOT_A_RATING}"
                    for v in raw
                ],
            )

    allocated = None
    if ALLOCATED in columns:
        allocated, bad, texts = _allocated(df.get_column(columns[ALLOCATED]), reference, tables)
        if bad.any():
            invalid |= bad
            add(np.flatnonzero(bad), texts)

    scope = np.zeros(n, np.uint8)
    sc_column, heading_column = columns.get(SUPER_CLASS_GIVEN), columns.get(HEADING_GIVEN)
    if sc_column or heading_column or super_class or heading:
        scope = _scope_codes(df, sc_column, heading_column, super_class, heading, reference, tables, add)
        invalid |= scope == BAD
        scope[scope == BAD] = 0
    return Parsed(codes=codes, scope=scope, allocated=allocated, invalid=invalid, reasons=reasons)


def _allocated(
    series: pl.Series, reference: ReferenceSet, tables: BatchTables
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Allocated cluster per row (-1 where none given), invalid mask, reasons of the invalid."""
    numbers = read_numbers(series)
    values = numbers.values
    missing = numbers.missing if numbers.missing is not None else np.zeros(len(values), bool)
    malformed = numbers.malformed if numbers.malformed is not None else np.zeros(len(values), bool)
    in_range = (values >= 0) & (values <= 21)
    allocatable = np.zeros(len(values), bool)
    allocatable[in_range] = (tables.position_of[values[in_range]] >= 0) | (values[in_range] == 0)
    bad = ~missing & (malformed | ~allocatable)
    allocated = np.where(missing | bad, -1, values).astype(np.int8)
    texts = []
    if bad.any():
        rows = np.flatnonzero(bad)
        for row, raw in zip(rows.tolist(), series.gather(rows).to_list(), strict=True):
            if malformed[row]:
                texts.append(f"{ALLOCATED}: {_shown(raw)} is not a cluster number (0-21)")
            elif not in_range[row]:
                texts.append(f"{ALLOCATED}: {values[row]} is not a cluster (clusters are 0-21)")
            elif values[row] == 9:
                texts.append(f"{ALLOCATED}: 9 is never allocated (cluster 9 is a blank place marker)")
            else:
                texts.append(
                    f"{ALLOCATED}: cluster {values[row]} is not allocatable in reference set {reference.label}"
                )
    return allocated, bad, texts


def _scope_codes(
    df: pl.DataFrame,
    sc_column: str | None,
    heading_column: str | None,
    super_class: str | None,
    heading: str | None,
    reference: ReferenceSet,
    tables: BatchTables,
    add: Callable[[np.ndarray, list[str]], None],
) -> np.ndarray:
    """Scope code per row from the clinician's answers, using the single engine's `scope_of`."""
    n = df.height

    def answers(column: str | None, default: str | None, *, lower: bool) -> pl.Series:
        if column is None:
            value = (default or "").strip()
            return pl.repeat(value.lower() if lower else value, n, eager=True, dtype=pl.String)
        text = df.get_column(column).cast(pl.String).str.strip_chars().fill_null("")
        return text.str.to_lowercase() if lower else text

    sc = answers(sc_column, super_class, lower=True)
    hd = answers(heading_column, heading, lower=False)
    key = pl.DataFrame({"sc": sc, "hd": hd})
    mapping: dict[tuple[str, str], tuple[int, str | None]] = {}
    for s, h in key.unique().iter_rows():
        try:
            sc_id, heading_id, _ = scope_of(reference, s or None, h or None)
            mapping[(s, h)] = (tables.scope_code(sc_id, heading_id), None)
        except AllocationError as error:
            column = HEADING_GIVEN if h else SUPER_CLASS_GIVEN
            mapping[(s, h)] = (int(BAD), f"{column}: {error}")
    codes_by_key = pl.DataFrame(
        {"sc": [k[0] for k in mapping], "hd": [k[1] for k in mapping], "code": [v[0] for v in mapping.values()]},
        schema={"sc": pl.String, "hd": pl.String, "code": pl.UInt8},
    )
    codes = key.join(codes_by_key, on=["sc", "hd"], how="left", maintain_order="left")["code"].to_numpy()
    bad = codes == BAD
    if bad.any():
        rows = np.flatnonzero(bad)
        pairs = key[rows].iter_rows()
        add(rows, [mapping[(s, h)][1] or "" for s, h in pairs])
    return codes.astype(np.uint8)
