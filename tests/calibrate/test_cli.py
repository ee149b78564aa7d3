"""`carecluster calibrate`: writes a reference file every command loads, and a report to sign off."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import carecluster
from carecluster.calibrate.simulate import simulate_history
from carecluster.cli.main import app
from carecluster.reference import ReferenceSet, load_reference

runner = CliRunner()


@pytest.fixture(scope="module")
def history_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6,000 simulated allocations, cluster 17 cut to 30, two bad rows (rows 6,001 and 6,002)."""
    from carecluster.reference import builtin_reference

    df = simulate_history(builtin_reference(), 8_000, seed=21).drop("true_cluster")
    seventeen = df.filter(pl.col("allocated_cluster") == 17).head(30)
    df = pl.concat([df.filter(pl.col("allocated_cluster") != 17), seventeen]).head(6_000)
    bad = df.head(2).with_columns(
        pl.Series("assessment_id", ["B1", "B2"]),
        pl.Series("allocated_cluster", [9, 3]),
        pl.Series("mhct_4", [0, 6], dtype=df["mhct_4"].dtype),
    )
    path = tmp_path_factory.mktemp("calibrate") / "history.csv"
    pl.concat([df, bad]).write_csv(path)
    return path


@pytest.fixture(scope="module")
def calibrated(history_file: Path) -> tuple[Path, object]:
    out = history_file.with_name("derived.json")
    result = runner.invoke(
        app,
        ["calibrate", str(history_file), "-o", str(out), "--provider", "North Test Trust", "--version", "2026.12",
         "--holdout", "0.1", "--seed", "3"],
    )  # fmt: skip
    return out, result


def test_writes_a_file_that_loads_as_a_reference_set(calibrated: tuple[Path, object], reference: ReferenceSet) -> None:
    out, result = calibrated
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    loaded = load_reference(out)
    assert (loaded.id, loaded.version) == ("derived-north-test-trust", "2026.12")
    assert loaded.grids[3] != reference.grids[3]
    assert loaded.grids[17] == reference.grids[17]  # 30 records: kept
    suggestion = carecluster.allocate("0,0,1,0,0,0,2,0,1,0,1,0,0,0,0,0,0,0", reference=out)
    assert (suggestion.reference_id, suggestion.reference_version) == ("derived-north-test-trust", "2026.12")
    shown = runner.invoke(app, ["--reference", str(out), "allocate", "0,0,1,0,0,0,2,0,1,0,1,0,0,0,0,0,0,0"])
    assert "derived-north-test-trust 2026.12" in re.sub(r"\s+", " ", shown.output)
    provenance = loaded.grids[3].provenance_of("1")
    assert "North Test Trust" in provenance.source
    assert "cluster 17" in (json.loads(out.read_text())["description"])


def test_report_lists_rejects_validation_and_differences(calibrated: tuple[Path, object]) -> None:
    out, result = calibrated
    assert "2 row(s) left out" in result.output  # type: ignore[attr-defined]
    report = json.loads(out.with_name("derived.report.json").read_text())
    rejected = {r["row"]: r["reason"] for r in report["history"]["rejects"]}
    assert set(rejected) == {6001, 6002}
    assert "9 is never allocated" in rejected[6001]
    assert "scale 4: 6" in rejected[6002]
    assert [v["label"] for v in report["validation"]] == [
        "carecluster-builtin 2026.11-inferred",
        "derived-north-test-trust 2026.12",
    ]
    assert all(v["records"] == 600 for v in report["validation"])
    assert report["history"]["derivation_records"] == 5400
    assert report["differences"]
    html = out.with_name("derived.report.html").read_text()
    assert "Sign-off" in html
    assert "percentage points" in html
    assert "Rows of low confidence or kept from the built-in set" in html
    assert "Cells where the derived set differs most" in html
    assert "<script" not in html
    assert not re.search(r"(src|href)=['\"]?https?:", html)


def test_unreadable_history_fails_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["calibrate", str(tmp_path / "none.csv"), "-o", str(tmp_path / "d.json")])
    assert result.exit_code == 2
    assert "cannot read" in result.output
