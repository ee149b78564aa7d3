"""The batch on a Dask cluster: the same units, as partitions of a `dask.dataframe`.

`run_units` maps the job's units onto a Dask DataFrame (`dask.dataframe.from_map`, one
partition per unit); computing a partition runs `job.run_unit` on a worker, which writes the
unit's part files and returns one row of counts. The parts are the ones a single machine
writes, and the same assembler joins them, so the output is identical. Workers need the input
and the parts directory at the same paths as the client (a shared file system).

`allocate_ddf` is for analysts who already hold a Dask DataFrame: `allocate_frame` on every
partition, lazily.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from carecluster.batch.job import BatchJob, run_unit
from carecluster.batch.parts import UnitRecord
from carecluster.batch.summary import Counts

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client

    from carecluster.reference.models import ReferenceSet

_META = pd.DataFrame({"unit": pd.Series(dtype="int64"), "record": pd.Series(dtype="string")})


def _unit_partition(unit: int, job: BatchJob) -> pd.DataFrame:
    """One partition: allocate the unit (writing its parts), return its marker as JSON text."""
    record = run_unit(job, unit)
    text = json.dumps({"pieces": record.pieces, "counts": record.counts.to_json()})
    return pd.DataFrame({"unit": [record.unit], "record": pd.Series([text], dtype="string")})


def units_frame(job: BatchJob, units: Sequence[int]) -> dd.DataFrame:
    """A Dask DataFrame of one row per unit; computing it allocates the units."""
    import dask.dataframe as dd

    return dd.from_map(_unit_partition, list(units), args=[job], meta=_META, label="carecluster-batch")


def run_units(job: BatchJob, units: Sequence[int], client: Client, finished: Callable[[UnitRecord], None]) -> None:
    """Run the units on the cluster behind `client`, calling `finished` as each one completes."""
    if not units:
        return
    from distributed import as_completed

    futures = client.compute(units_frame(job, units).to_delayed())
    for future in as_completed(futures):
        row = future.result().iloc[0]
        data = json.loads(row["record"])
        finished(UnitRecord(int(row["unit"]), data["pieces"], Counts.from_json(data["counts"])))


def allocate_ddf(
    ddf: dd.DataFrame,
    super_class: str | None = None,
    reference: ReferenceSet | None = None,
    *,
    heading: str | None = None,
) -> dd.DataFrame:
    """`allocate_frame` on every partition of a Dask DataFrame (invalid rows flagged, not raised)."""
    from carecluster.api import resolve_reference
    from carecluster.batch.frame import allocate_frame

    ref = resolve_reference(reference)
    options: dict[str, Any] = {"heading": heading, "on_invalid": "flag"}
    meta = allocate_frame(ddf._meta, super_class, ref, **options)
    return ddf.map_partitions(allocate_frame, super_class, ref, meta=meta, **options)
