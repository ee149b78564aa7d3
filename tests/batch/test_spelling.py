"""The scale-name columns spelt by one gather from a table equal the per-record 9-bit join."""

from __future__ import annotations

import numpy as np
import polars as pl

from carecluster.batch.frame import SPELLING_BITS, _mask_slices, _spelling_table, _spellings
from carecluster.batch.tables import tables_for
from carecluster.reference import ReferenceSet


def joined(tests: tuple[str, ...], masks: np.ndarray) -> pl.Series:
    """The spelling as it was built before the table: 9-bit slices gathered and joined."""
    parts = _spellings(tests)
    frame = pl.DataFrame(_mask_slices("m", masks, len(parts)))
    slices = [pl.lit(words).gather(pl.col(f"m{i}")) for i, words in enumerate(parts)]
    return frame.select(pl.concat_str(slices, separator=";", ignore_nulls=True)).to_series()


def test_every_mask_is_spelt_as_the_joined_slices(reference: ReferenceSet) -> None:
    tests = tables_for(reference).tests
    table = _spelling_table(tests)
    masks = np.arange(1 << len(tests), dtype=np.uint32)
    assert len(table) == len(masks)
    assert table.to_list() == joined(tests, masks).to_list()


def test_spellings_name_the_scales_of_the_set_bits(reference: ReferenceSet) -> None:
    tests = tables_for(reference).tests
    table = _spelling_table(tests)
    rng = np.random.default_rng(7)
    for mask in [0, 1, (1 << len(tests)) - 1, *rng.integers(0, 1 << len(tests), size=200).tolist()]:
        expected = ";".join(t for bit, t in enumerate(tests) if mask >> bit & 1)
        assert table[int(mask)] == expected
    assert len(tests) > SPELLING_BITS  # the table spans more than one slice: the join is exercised
