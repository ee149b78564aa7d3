"""The batch on Dask: a LocalCluster of several worker processes, output identical to one machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from distributed import Client, LocalCluster

import carecluster
from carecluster.batch.distributed import allocate_ddf
from carecluster.batch.runner import run_batch
from carecluster.batch.schema import RATING_COLUMNS
from carecluster.batch.tables import tables_for
from carecluster.reference import ReferenceSet
from tests.batch.oracle import sample


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as dask_client,
    ):
        yield dask_client


def ratings_file(reference: ReferenceSet, path: Path, n: int) -> pl.DataFrame:
    codes, _, allocated = sample(reference, tables_for(reference), n, seed=5)
    df = pl.DataFrame({c: codes[i] for i, c in enumerate(RATING_COLUMNS)}).with_columns(
        pl.Series("allocated_cluster", allocated).replace(-1, None).cast(pl.String),
    )
    # a few broken rows, so the rejects are compared too
    df = df.with_columns(
        pl.when(pl.int_range(pl.len()) % 997 == 5)
        .then(pl.lit("x"))
        .otherwise(pl.col("mhct_4").cast(pl.String))
        .alias("mhct_4")
    )
    if path.suffix == ".csv":
        df.write_csv(path)
    else:
        df.write_parquet(path, row_group_size=1000)
    return df


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_dask_output_is_identical_to_the_single_machine_run(
    tmp_path: Path, reference: ReferenceSet, client: Client, suffix: str
) -> None:
    source = tmp_path / f"in{suffix}"
    ratings_file(reference, source, 12_000)
    options = {"chunk_rows": 700, "block_bytes": 50_000}
    here = run_batch(source, tmp_path / "here.parquet", reference, **options)
    there = run_batch(source, tmp_path / "there.parquet", reference, client=client, **options)
    assert len(here.document)
    assert here.counts.rejected > 0
    assert (tmp_path / "here.parquet").read_bytes() == (tmp_path / "there.parquet").read_bytes()
    assert here.rejects.read_bytes() == there.rejects.read_bytes()
    assert {k: v for k, v in here.document.items() if k not in ("output", "rejects")} == {
        k: v for k, v in there.document.items() if k not in ("output", "rejects")
    }
    workers = {w for w in client.run(lambda: __import__("os").getpid()).values()}
    assert len(workers) == 3


def test_allocate_ddf_matches_allocate_frame(reference: ReferenceSet, client: Client) -> None:
    import dask.dataframe as dd

    codes, _, _ = sample(reference, tables_for(reference), 5000, seed=9)
    pdf = pd.DataFrame({c: codes[i] for i, c in enumerate(RATING_COLUMNS)})
    lazy = allocate_ddf(dd.from_pandas(pdf, npartitions=4), reference=reference)
    got = lazy.compute(scheduler=client)
    expected = carecluster.allocate_frame(pdf, reference=reference)
    assert got["suggested_cluster"].tolist() == expected["suggested_cluster"].tolist()
    assert got["ranking"].tolist() == expected["ranking"].tolist()
    assert got["reject_reason"].isna().all()
