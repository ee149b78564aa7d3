"""`carecluster.allocate_frame(df)`: the batch engine for a Polars or pandas data frame.

The frame keeps its columns and gains the `schema.OUTPUT_COLUMNS`; each row gets what
`carecluster.allocate()` would say for it (same reference set, same rules, same tie rule), plus
the red breaches of the cluster the frame says was allocated, if it says one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl
import pyarrow as pa

from carecluster.batch.engine import BatchArrays, allocate_arrays
from carecluster.batch.schema import OUTPUT_COLUMNS, REJECT_REASON, check_no_reserved, find_columns
from carecluster.batch.tables import RANKINGS, BatchTables, tables_for
from carecluster.batch.validate import Parsed, parse_frame
from carecluster.domain.allocation import scope_of
from carecluster.domain.ratings import RatingError
from carecluster.reference.models import SUPER_CLASSES, ReferenceSet

if TYPE_CHECKING:
    import pandas as pd

OnInvalid = Literal["raise", "flag"]


@dataclass(frozen=True, slots=True)
class Allocated:
    """One frame's allocation: the output columns (a row per input row) and how it was read."""

    columns: pl.DataFrame
    parsed: Parsed
    arrays: BatchArrays
    tables: BatchTables


SPELLING_BITS = 9
"""Masks are spelt 9 bits at a time from small tables: no Python loop over records."""


@lru_cache(maxsize=8)
def _spellings(tests: tuple[str, ...]) -> tuple[pl.Series, ...]:
    """Per 9-bit slice of a mask, the scales of each of its 512 values (null for none)."""
    out = []
    for low in range(0, len(tests), SPELLING_BITS):
        names = tests[low : low + SPELLING_BITS]
        words = [
            ";".join(t for bit, t in enumerate(names) if value >> bit & 1) or None for value in range(1 << len(names))
        ]
        out.append(pl.Series(words, dtype=pl.String))
    return tuple(out)


TABLED_TESTS = 20
"""Up to this many tests (2^20 spellings, a few MB), every mask's spelling is tabled once and a
column is spelt by one gather; beyond it, by the 9-bit slices joined per record."""


@lru_cache(maxsize=8)
def _spelling_table(tests: tuple[str, ...]) -> pl.Series:
    """The spelling of every mask value 0 .. 2^len(tests) - 1, built from the 9-bit tables by
    one vectorised join (a few ms), not a Python loop over the values."""
    parts = _spellings(tests)
    values = np.arange(1 << len(tests), dtype=np.uint32)
    low = (1 << SPELLING_BITS) - 1
    frame = pl.DataFrame(
        {f"s{i}": part.gather(pl.Series((values >> (i * SPELLING_BITS)) & low)) for i, part in enumerate(parts)}
    )
    return frame.select(pl.concat_str(frame.columns, separator=";", ignore_nulls=True)).to_series()


def _mask_columns(tables: BatchTables, name: str, masks: np.ndarray, n_slices: int) -> dict[str, np.ndarray]:
    if len(tables.tests) <= TABLED_TESTS:
        return {name: masks.astype(np.uint32)}
    return _mask_slices(name, masks, n_slices)


def _mask_slices(name: str, masks: np.ndarray, n_slices: int) -> dict[str, np.ndarray]:
    low = (1 << SPELLING_BITS) - 1
    return {f"{name}{i}": ((masks >> (i * SPELLING_BITS)) & low).astype(np.uint16) for i in range(n_slices)}


def _spelt(tables: BatchTables, name: str) -> pl.Expr:
    """'7/8;D' from a column of test bit masks ('' for none)."""
    if len(tables.tests) <= TABLED_TESTS:
        return pl.lit(_spelling_table(tables.tests)).gather(pl.col(name))
    slices = [pl.lit(words).gather(pl.col(f"{name}{i}")) for i, words in enumerate(_spellings(tables.tests))]
    return pl.concat_str(slices, separator=";", ignore_nulls=True)


def result_frame(tables: BatchTables, arrays: BatchArrays, parsed: Parsed) -> pl.DataFrame:
    """The output columns, null where a row was invalid or a value does not apply."""
    allocated = parsed.allocated if parsed.allocated is not None else np.full(len(arrays), -1, np.int8)
    n_slices = len(_spellings(tables.tests))
    base = pl.DataFrame(
        {
            "suggested": arrays.suggested,
            "super_class": tables.super_class_of[arrays.suggested],
            "ranking": arrays.ranking,
            "orange": arrays.orange_mismatches.astype(np.int8),
            "red": arrays.red_breaches.astype(np.int8),
            "allocated": allocated,
            "invalid": parsed.invalid,
            **_mask_columns(tables, "orange_tests", arrays.orange_tests, n_slices),
            **_mask_columns(tables, "red_tests", arrays.red_tests, n_slices),
        }
    )
    valid = ~pl.col("invalid")
    suggestion = valid & (pl.col("suggested") != 0)
    allocation = valid & (pl.col("allocated") >= 0)
    checked = valid & (pl.col("allocated") > 0)
    return base.select(
        pl.when(valid).then(pl.col("suggested")).alias("suggested_cluster"),
        pl.when(suggestion)
        .then(pl.lit(pl.Series(SUPER_CLASSES)).gather(pl.col("super_class").clip(0)))
        .alias("super_class"),
        pl.when(valid).then(pl.lit(pl.Series(RANKINGS)).gather(pl.col("ranking"))).alias("ranking"),
        pl.when(suggestion).then(pl.col("orange")).alias("orange_mismatches"),
        pl.when(suggestion).then(_spelt(tables, "orange_tests")).alias("orange_mismatch_scales"),
        pl.when(checked).then(pl.col("red")).alias("red_breaches"),
        pl.when(checked).then(_spelt(tables, "red_tests")).alias("red_breach_scales"),
        pl.when(allocation).then(pl.col("allocated") == pl.col("suggested")).alias("agrees"),
        pl.when(valid).then(pl.lit(tables.reference_id)).alias("reference_id"),
        pl.when(valid).then(pl.lit(tables.reference_version)).alias("reference_version"),
    )


def allocate_polars(
    df: pl.DataFrame,
    reference: ReferenceSet,
    *,
    super_class: str | None = None,
    heading: str | None = None,
    columns: dict[str, str] | None = None,
) -> Allocated:
    """Read, check and allocate every row of `df`; invalid rows get reasons and null results."""
    tables = tables_for(reference)
    columns = find_columns(df.columns) if columns is None else columns
    parsed = parse_frame(df, columns, reference, tables, super_class=super_class, heading=heading)
    arrays = allocate_arrays(tables, parsed.codes, parsed.scope, parsed.allocated)
    return Allocated(result_frame(tables, arrays, parsed), parsed, arrays, tables)


def _polars_of_pandas(frame: pd.DataFrame, names: list[str]) -> pl.DataFrame:
    """Only the columns allocation reads; an object column of mixed values is read as text."""
    series = []
    for name in names:
        column = frame[name]
        try:
            # what pl.from_pandas(column).alias(name) does, in a form the type checker can follow
            series.append(pl.Series(name, column.reset_index(drop=True)))
        except (TypeError, ValueError, pa.ArrowException, pl.exceptions.PolarsError):
            values = [
                None if v is None or v != v else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
                for v in column.tolist()
            ]
            series.append(pl.Series(name, values, dtype=pl.String))
    return pl.DataFrame(series)


def allocate_frame(
    df: Any,
    super_class: str | None = None,
    reference: ReferenceSet | str | os.PathLike[str] | None = None,
    *,
    heading: str | None = None,
    on_invalid: OnInvalid = "raise",
) -> Any:
    """Allocate every row of a Polars or pandas data frame; returns the same kind of frame.

    Columns: `mhct_1`..`mhct_13`, `mhct_a`..`mhct_e` (any case), optionally `allocated_cluster`
    (its red breaches are checked and compared with the suggestion), `super_class_given` and
    `heading_given` (the clinician's decision-tree answers per row; `super_class` and `heading`
    apply to rows without them). Adds `schema.OUTPUT_COLUMNS`.

    `on_invalid="raise"` (default): a RatingError names the first invalid row (1-based
    position in the frame) and its reason, and counts the rest. `"flag"`: invalid rows get null
    results and a `reject_reason` column says why. An unknown `super_class` or `heading`
    argument raises AllocationError, as `allocate()` does.
    """
    from carecluster.api import resolve_reference

    if on_invalid not in ("raise", "flag"):
        raise ValueError(f"on_invalid must be 'raise' or 'flag', not {on_invalid!r}")
    ref = resolve_reference(reference)
    scope_of(ref, super_class, heading)  # a wrong answer for every row: AllocationError, as allocate()
    is_polars = isinstance(df, pl.DataFrame)
    if not is_polars and not _is_pandas(df):
        raise TypeError(f"allocate_frame takes a polars or pandas DataFrame, not {type(df).__name__}")
    names = [str(c) for c in df.columns]
    check_no_reserved(names)
    columns = find_columns(names)
    frame = df.select(list(columns.values())) if is_polars else _polars_of_pandas(df, list(columns.values()))
    result = allocate_polars(frame, ref, super_class=super_class, heading=heading, columns=columns)
    added = result.columns
    invalid = result.parsed.invalid
    if invalid.any():
        reasons = result.parsed.reason_list()
        if on_invalid == "raise":
            first = int(np.flatnonzero(invalid)[0])
            more = len(reasons) - 1
            raise RatingError(f"row {first + 1}: {reasons[0]}" + (f" (and {more} more invalid rows)" if more else ""))
    if on_invalid == "flag":
        reject = np.full(len(invalid), None, dtype=object)
        if invalid.any():
            reject[invalid] = reasons
        added = added.with_columns(pl.Series(REJECT_REASON, reject.tolist(), dtype=pl.String))
    if is_polars:
        return df.hstack(added.get_columns())
    import pandas as pd

    extra = added.to_pandas(use_pyarrow_extension_array=True)
    extra.index = df.index
    return pd.concat([df, extra], axis=1)


def _is_pandas(df: object) -> bool:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a declared dependency
        return False
    return isinstance(df, pd.DataFrame)


__all__ = ["OUTPUT_COLUMNS", "Allocated", "allocate_frame", "allocate_polars", "result_frame"]
