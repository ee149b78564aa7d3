"""`carecluster batch` as a user runs it: files written, summary shown, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from carecluster.batch.schema import RATING_COLUMNS
from carecluster.cli import main
from carecluster.cli.main import app
from carecluster.reference import ReferenceSet
from tests.batch.oracle import single

runner = CliRunner()
GOOD = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(main.console, "width", 200)


def write_input(path: Path) -> None:
    rows = [
        ",".join(map(str, GOOD)) + ",4",
        ",".join(map(str, GOOD)) + ",1",
        "x," + ",".join(map(str, GOOD[1:])) + ",4",
    ]
    path.write_text(",".join([*RATING_COLUMNS, "allocated_cluster"]) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_batch_writes_output_rejects_and_summary(tmp_path: Path, reference: ReferenceSet) -> None:
    source = tmp_path / "ratings.csv"
    write_input(source)
    result = runner.invoke(app, ["batch", str(source), "-o", str(tmp_path / "out.parquet")])
    assert result.exit_code == 0, result.output
    assert "3 records" in result.output
    assert "rejected (see" in result.output
    out = pl.read_parquet(tmp_path / "out.parquet")
    assert out["row_number"].to_list() == [1, 2]
    assert out["suggested_cluster"].to_list() == [single(GOOD, reference).suggested_cluster] * 2
    assert out["agrees"].to_list() == [True, False]
    rejects = pl.read_csv(tmp_path / "out.rejects.csv")
    assert rejects["row_number"].to_list() == [3]
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["records"] == 3
    assert summary["rejected"] == 1
    assert summary["given_allocations"]["given"] == 2
    assert summary["given_allocations"]["agree"] == 1
    assert not (tmp_path / "out.parquet.parts").exists()


def test_batch_options_super_class_and_paths(tmp_path: Path) -> None:
    source = tmp_path / "ratings.csv"
    write_input(source)
    result = runner.invoke(
        app,
        [
            "batch",
            str(source),
            "-o",
            str(tmp_path / "out.csv"),
            "--super-class",
            "psychotic",
            "--rejects",
            str(tmp_path / "bad.csv"),
            "--summary",
            str(tmp_path / "s.json"),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert set(pl.read_csv(tmp_path / "out.csv")["suggested_cluster"]) <= {0, *range(10, 18)}
    assert (tmp_path / "bad.csv").exists()
    assert (tmp_path / "s.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "cannot read the file"),
        (["ratings.txt"], "unknown file type"),
        (["few.csv"], "no column(s)"),
        (["ratings.csv", "--heading", "Z9"], "unknown decision-tree heading"),
        (["ratings.csv", "--scheduler", "tcp://x:1", "--dask-local", "2"], "either --scheduler or --dask-local"),
    ],
)
def test_unusable_input_exits_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    write_input(tmp_path / "ratings.csv")
    (tmp_path / "ratings.txt").write_text("x")
    (tmp_path / "few.csv").write_text("mhct_1\n1\n")
    first, *rest = args
    result = runner.invoke(app, ["batch", str(tmp_path / first), "-o", str(tmp_path / "out.csv"), *rest])
    assert result.exit_code == 2
    assert message in result.output


def test_batch_on_a_local_dask_cluster_gives_the_same_file(tmp_path: Path) -> None:
    source = tmp_path / "ratings.csv"
    write_input(source)
    here = runner.invoke(app, ["batch", str(source), "-o", str(tmp_path / "here.parquet"), "-q"])
    there = runner.invoke(app, ["batch", str(source), "-o", str(tmp_path / "there.parquet"), "-q", "--dask-local", "2"])
    assert here.exit_code == 0, here.output
    assert there.exit_code == 0, there.output
    assert (tmp_path / "here.parquet").read_bytes() == (tmp_path / "there.parquet").read_bytes()
