"""The command line as a user runs it: output, JSON contract, exit codes and error lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carecluster.cli import main
from carecluster.cli.main import app
from carecluster.reference import builtin_reference
from carecluster.reference.csv_grids import grids_to_csv

EXAMPLE = "0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,0,1,1"
runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps at 80 columns when not on a terminal; tests read whole lines."""
    monkeypatch.setattr(main.console, "width", 200)


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def test_allocate_prints_suggestion_candidates_grid_and_reference() -> None:
    result = run("allocate", EXAMPLE, "--super-class", "non-psychotic")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Suggested cluster 4" in out
    assert "Candidates, best first" in out
    assert "Cluster 4 grid" in out
    assert "R red (must score)" in out
    assert "carecluster-builtin" in out
    assert "inferred" in out


def test_allocate_json_is_the_contract() -> None:
    result = run("allocate", EXAMPLE, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["suggested_cluster"] == 4
    assert data["super_class"] == "non-psychotic"
    assert data["reference_version"] == builtin_reference().version
    assert {"cluster", "label", "fit", "red_breaches", "orange_mismatches"} <= set(data["candidates"][0])


PSYCHOSIS = "1,0,0,1,1,3,2,0,3,3,2,3,0,1,0,0,2,3"


def test_allocate_shows_open_questions_and_takes_answers(tmp_path: Path) -> None:
    asked = run("allocate", PSYCHOSIS, "--super-class", "psychotic")
    assert asked.exit_code == 0, asked.output
    assert "[needs answers]" in asked.output
    assert "Open questions" in asked.output
    assert "--fact first_presentation_psychosis=yes" in asked.output
    answered = json.loads(
        run("allocate", PSYCHOSIS, "-s", "psychotic", "--fact", "first_presentation_psychosis=no", "--json").stdout
    )
    assert answered["status"] == "suggested"
    assert answered["facts"] == {"first_presentation_psychosis": False}
    assert answered["questions"] == []
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps({"ratings": PSYCHOSIS, "super_class": "psychotic", "facts": {"first_presentation_psychosis": "yes"}})
    )
    from_file = json.loads(run("allocate", "--file", str(path), "--json").stdout)
    assert from_file["facts"] == {"first_presentation_psychosis": True}


def test_allocate_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    codes = [str(n) for n in range(1, 14)] + list("ABCDE")
    ratings = dict(zip(codes, map(int, EXAMPLE.split(",")), strict=True))
    path.write_text(json.dumps({"ratings": ratings, "problem_type": "B", "super_class": "non-psychotic"}))
    result = run("allocate", "--file", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["problem_type"] == "B"
    assert data["super_class_given"] == "non-psychotic"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["allocate", "0,1,0,0,0,0,5,2,2,1,0,1,0,0,0,0,1,1"], "scale 7: 5 is not a rating"),
        (["allocate", "0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,0,1"], "expected 18"),
        (["allocate", EXAMPLE, "--problem-type", "Q"], "scale 8 problem type: 'Q' is not one of A-J"),
        (["allocate", EXAMPLE, "--heading", "X1"], "unknown decision-tree heading"),
        (["allocate"], "no ratings given"),
        (["allocate", EXAMPLE, "--fact", "first=yes"], "unknown question 'first'; questions that take an answer"),
        (["allocate", EXAMPLE, "--fact", "treated_for_years=maybe"], "answer 'maybe' is not yes or no"),
        (["allocate", EXAMPLE, "--fact", "treated_for_years"], "write it as ID=yes or ID=no"),
        (["clusters", "22"], "cluster 22 does not exist"),
    ],
)
def test_invalid_input_exits_2_with_one_line_on_stderr(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]


def test_clusters_list_and_one_page() -> None:
    listing = run("clusters")
    assert listing.exit_code == 0
    assert "Psychotic Crisis" in listing.output
    assert "never allocated" in listing.output
    page = run("clusters", "14")
    assert page.exit_code == 0
    assert "Cluster 14: Psychotic Crisis" in page.output
    assert "Review at least every: 4 weeks" in page.output
    assert "Cluster 14 grid" in page.output
    data = json.loads(run("clusters", "14", "--json").stdout)
    assert data["cluster"]["number"] == 14
    assert data["grid"]["provenance"]["confidence"] == "low"


def test_reference_check_good_and_broken(tmp_path: Path) -> None:
    reference = builtin_reference()
    good = tmp_path / "good.csv"
    text = grids_to_csv(reference.grids, meta={"id": "t", "version": "1", "name": "n"})
    good.write_text(text.replace("14,6,2,yellow", "14,6,2,orange"))
    result = run("reference", "check", str(good))
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert "1 grid cell(s) differ" in result.output
    assert "may" in result.output
    assert "expected" in result.output

    broken = tmp_path / "broken.csv"
    broken.write_text(text.replace("14,6,3,red", "14,6,3,mauve").replace("15,1,0,orange\n", ""))
    result = run("reference", "check", str(broken))
    assert result.exit_code == 1
    assert "2 problem(s)" in result.stderr
    assert "cluster 14, scale 6, rating 3" in result.stderr
    assert "cluster 15: no colour for scale 1 rating 0" in result.stderr


def test_reference_option_and_environment_variable(tmp_path: Path) -> None:
    reference = builtin_reference()
    path = tmp_path / "mine.csv"
    path.write_text(grids_to_csv(reference.grids, meta={"id": "mine", "version": "7", "name": "Mine"}))
    for args, env in (
        (["allocate", EXAMPLE, "--json", "--reference", str(path)], None),
        (["--reference", str(path), "allocate", EXAMPLE, "--json"], None),
        (["allocate", EXAMPLE, "--json"], {"CARECLUSTER_REFERENCE": str(path)}),
    ):
        result = run(*args, env=env)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert (data["reference_id"], data["reference_version"]) == ("mine", "7")
    bad = run("allocate", EXAMPLE, "--reference", str(tmp_path / "nope.csv"))
    assert bad.exit_code == 2
    assert "cannot read the file" in bad.stderr


def test_reference_export_round_trips_through_check(tmp_path: Path) -> None:
    for fmt in ("csv", "json"):
        out = tmp_path / f"export.{fmt}"
        assert run("reference", "export", "--format", fmt, "-o", str(out)).exit_code == 0
        result = run("reference", "check", str(out))
        assert result.exit_code == 0, result.output
        assert "no differences" in result.output or "0 grid cell" in result.output


def test_reference_show_and_demo() -> None:
    shown = run("reference", "show")
    assert shown.exit_code == 0
    assert "Grids of low confidence" in shown.output
    demo = run("demo")
    assert demo.exit_code == 0
    assert "Suggested cluster 4" in demo.output


def test_installed_console_script_exit_code() -> None:
    """The real entry point, as a shell runs it: exit status 2 and the message on stderr."""
    exe = Path(sys.executable).with_name("carecluster")
    completed = subprocess.run(
        [str(exe), "allocate", "9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,7"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip() == "carecluster: scale E: 7 is not a rating (use 0-4, or 9 for not known)"
