"""Tallies: the 7/8 row is the higher of the two, 9s are counted apart, Dask gives the same answer."""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import polars as pl

from carecluster.batch.schema import RATING_COLUMNS
from carecluster.calibrate.counts import N_ROWS, row_digits, tally, tally_dask
from carecluster.calibrate.history import History
from carecluster.domain.grid_fit import TESTED_ROWS


def test_seven_and_eight_are_one_row_the_higher_of_the_two() -> None:
    codes = np.zeros((18, 4), np.uint8)
    codes[6] = [1, 3, 9, 2]  # scale 7
    codes[7] = [2, 0, 1, 9]  # scale 8
    digits = row_digits(codes)
    assert digits.shape == (N_ROWS, 4)
    assert digits[TESTED_ROWS.index("7/8")].tolist() == [2, 3, 5, 5]


def test_tally_counts_each_record_once_per_row(history: History) -> None:
    t = tally(history.codes, history.allocated, history.dates)
    assert t.counts.sum() == len(history) * N_ROWS
    assert t.records.sum() == len(history)
    assert (t.counts.sum(axis=2) == t.records[:, None]).all()
    assert t.ratings[9].sum() == 0
    a = TESTED_ROWS.index("A")
    mine = history.codes[13, history.allocated == 4]
    assert t.not_known[4, a] == int((mine == 9).sum())
    assert t.ratings[4, a].tolist() == [int((mine == r).sum()) for r in range(5)]


def test_dask_gives_exactly_the_one_core_tally(history: History) -> None:
    frame = pl.DataFrame(
        {
            **{c: history.codes[i] for i, c in enumerate(RATING_COLUMNS)},
            "allocated_cluster": history.allocated,
            "assessed_on": history.dates,
        }
    ).to_pandas()
    ddf = dd.from_pandas(frame, npartitions=7)
    on_dask = tally_dask(ddf, list(RATING_COLUMNS), "allocated_cluster", "assessed_on")
    one_core = tally(history.codes, history.allocated, history.dates)
    assert np.array_equal(on_dask.counts, one_core.counts)
    assert np.array_equal(on_dask.records, one_core.records)
    assert (on_dask.first, on_dask.last) == (one_core.first, one_core.last)


def test_calibration_on_dask_partitions_derives_the_same_set(history: History) -> None:
    from carecluster.calibrate.run import calibrate
    from carecluster.reference import builtin_reference

    options = {"provider": "p", "id": "x", "version": "1", "holdout": 0.0}
    one_core = calibrate(history, builtin_reference(), **options)  # type: ignore[arg-type]
    on_dask = calibrate(history, builtin_reference(), partitions=4, **options)  # type: ignore[arg-type]
    assert on_dask.derived.reference_file() == one_core.derived.reference_file()
    assert on_dask.report["validation"] == []
