"""The file runner: a hand-grouped fixture matched exactly, the same answers on one core and on Dask."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest
from typer.testing import CliRunner

from carecluster.cli.main import app
from carecluster.currency import group_frame
from carecluster.currency.batch import run_currency

EXPECTED = ["expected_status", "expected_code", "expected_tier"]


def _input(tmp_path, hand_grouped, fmt: str):
    path = tmp_path / f"in.{fmt}"
    data = hand_grouped.drop(EXPECTED)
    data.write_parquet(path) if fmt == "parquet" else data.write_csv(path)
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_hand_grouped_fixture_matches_exactly(tmp_path, ref, hand_grouped, fmt) -> None:
    run = run_currency(_input(tmp_path, hand_grouped, fmt), tmp_path / "out.parquet", ref)
    out = pl.read_parquet(run.output)
    assert out["row"].to_list() == list(range(1, hand_grouped.height + 1))
    got = out.select("currency_status", "currency_code", "currency_tier").rows()
    want = [tuple(v or None for v in row) for row in hand_grouped.select(EXPECTED).rows()]
    assert got == want
    rejects = pl.read_csv(run.rejects, infer_schema=False)
    rejected_rows = {str(i + 1) for i, s in enumerate(hand_grouped["expected_status"]) if s == "rejected"}
    assert set(rejects["row"]) == rejected_rows
    assert ("13", "AgeCareContDate") in rejects.select("row", "field").rows()
    doc = json.loads(run.summary.read_text())
    assert doc["records"] == hand_grouped.height
    assert doc["rejected"] == len(rejected_rows)
    assert doc["grouped"] + doc["unclassified"] + doc["rejected"] == doc["records"]
    assert doc["reference"]["tables"]["team_types"]["sources"][0]["repository"] == "wnl-icb-analytics/dbt-analytics"


def test_same_answers_on_one_core_and_on_dask(tmp_path, ref, hand_grouped) -> None:
    from distributed import Client, LocalCluster

    big = pl.concat([hand_grouped.drop(EXPECTED)] * 50)
    path = tmp_path / "in.csv"
    big.write_csv(path)
    one = run_currency(path, tmp_path / "one.parquet", ref)
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
    with cluster, Client(cluster) as client:
        many = run_currency(path, tmp_path / "dask.parquet", ref, client=client, block_bytes=2000)
    assert path.stat().st_size > 4 * 2000  # several partitions, so the row numbering across them is tested
    a, b = pl.read_parquet(one.output), pl.read_parquet(many.output)
    assert a.height == big.height
    assert a.select(pl.all().cast(pl.Utf8)).equals(b.select(pl.all().cast(pl.Utf8)))
    assert pl.read_csv(one.rejects, infer_schema=False).equals(pl.read_csv(many.rejects, infer_schema=False))


def test_group_frame_pandas_keeps_index_and_rows(ref, hand_grouped) -> None:
    pdf = hand_grouped.drop(EXPECTED).to_pandas()
    pdf.index = pdf.index + 100
    out = group_frame(pdf, ref)
    assert list(out.index) == list(pdf.index)
    assert list(out["currency_code"].fillna("")) == list(hand_grouped["expected_code"].fill_null(""))


def test_cli_writes_output_and_exits_2_on_bad_input(tmp_path, hand_grouped) -> None:
    runner = CliRunner()
    path = _input(tmp_path, hand_grouped, "csv")
    result = runner.invoke(app, ["currency", str(path), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    assert "rejected" in result.output
    assert (tmp_path / "out.rejects.csv").exists()
    missing = runner.invoke(app, ["currency", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "x.csv")])
    assert missing.exit_code == 2
    tables = tmp_path / "tables"
    from carecluster.currency.reference import DATA_DIR

    shutil.copytree(DATA_DIR / "2026-27", tables)
    (tables / "bed_types.csv").write_text("code,nonsense\n")
    bad = runner.invoke(app, ["currency", str(path), "-o", str(tmp_path / "y.csv"), "--tables", str(tables)])
    assert bad.exit_code == 2
