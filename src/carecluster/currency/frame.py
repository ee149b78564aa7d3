"""`group_frame`: the currency for every row of a Polars or pandas data frame, for analysts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from carecluster.currency.reference import CurrencyReference, currency_reference
from carecluster.currency.vector import RESULT_COLUMNS, group_lazy

if TYPE_CHECKING:
    import pandas as pd


def group_frame(frame: pl.DataFrame | pd.DataFrame, reference: CurrencyReference | None = None) -> Any:
    """The frame with the result columns added (same type back; rows never dropped or reordered).

    Columns are the national data set's names (see `vector.INPUT_COLUMNS`); absent ones count as
    not given. Rejected rows stay in, with `currency_status` 'rejected' and the field at fault.
    """
    ref = reference or currency_reference()
    if isinstance(frame, pl.DataFrame):
        return group_lazy(frame, ref).collect()
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"group_frame takes a Polars or pandas DataFrame, not {type(frame).__name__}")
    grouped = group_lazy(pl.from_pandas(frame, include_index=False), ref).collect()
    result = grouped.with_columns(pl.col(list(RESULT_COLUMNS)).cast(pl.Utf8)).to_pandas()
    result.index = frame.index
    return result
