"""The batch path: the single-record engine's tables compiled to NumPy arrays, for whole files.

`allocate_frame(df)` allocates a Polars or pandas data frame; `run_batch` a CSV or Parquet file
of any size (streamed, restartable, optionally on a Dask cluster); `allocate_arrays` is the
engine itself. See docs/batch.md.
"""

from carecluster.batch.engine import BatchArrays, BatchInputError, allocate_arrays
from carecluster.batch.frame import allocate_frame
from carecluster.batch.tables import BatchTables, tables_for

__all__ = ["BatchArrays", "BatchInputError", "BatchTables", "allocate_arrays", "allocate_frame", "tables_for"]
