"""`carecluster review` and `carecluster schedule` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carecluster.cli import main
from carecluster.cli.main import app

runner = CliRunner()
ZEROS = ",".join(["0"] * 18)


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(main.console, "width", 200)


def test_review_json_contract(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"organic_causes_excluded": "yes", "achei_stable_6m": True}))
    history = tmp_path / "history.json"
    quarterly = ("2025-10-01", "2026-01-15", "2026-04-15", "2026-07-15", "2026-10-15")
    history.write_text(json.dumps([{"date": day, "ratings": ZEROS, "cluster": 18} for day in quarterly]))
    result = runner.invoke(
        app,
        [
            "review", ZEROS, "--current", "18", "--facts", str(facts), "--history", str(history),
            "--fact", "social_inclusion=yes", "--fact", "risks_primary_care=yes", "--on", "2026-11-23", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["outcome"] == "discharge"
    assert {"text", "kind", "status", "reason"} <= set(data["criteria"][0])
    assert data["suggested_clusters"] == []
    stable = next(c for c in data["criteria"] if c["id"] == "scale_4_stable_12m")
    assert stable["coverage"]["ratings"] == 6  # five recorded ratings and today's
    assert stable["coverage"]["longest_gap_days"] == 106
    # all zeros fit no organic cluster: the discharge is shown with the engine's disagreement
    assert data["engine_check"]["cluster"] == 0
    assert data["warnings"][0] == data["engine_check"]["message"]


def test_review_readable_output_lists_questions() -> None:
    result = runner.invoke(app, ["review", ZEROS, "--current", "18", "--on", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "Outcome: needs answers" in result.output
    assert "Open questions:" in result.output
    assert "--fact organic_causes_excluded=yes|no" in result.output


def test_review_output_leads_with_the_engines_disagreement() -> None:
    cognitive = "0,0,0,3,0,0,0,2,0,2,1,2,0,0,0,0,0,0"  # cluster 3's protocol says stay; today fits 7
    result = runner.invoke(app, ["review", cognitive, "--current", "3", "--on", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert result.output.index("WARNING: today's rating points to another cluster") < result.output.index("Outcome:")
    assert "RARE transition" in result.output
    assert "Outcome: no change" in result.output


def test_review_output_asks_to_re_rate_a_scale_rated_9() -> None:
    not_known = "0,0,0,0,0,0,9" + ",0" * 11
    result = runner.invoke(app, ["review", not_known, "--current", "2", "--on", "2026-11-23"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())  # the console wraps long lines
    assert "scale_7: Scale 7 (Depressed mood) is rated 9" in output
    assert "(change it in the RATINGS argument)" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["review", ZEROS, "--current", "9"], "cluster 9 is never allocated"),
        (["review", ZEROS, "--current", "4", "--fact", "social_inclusion"], "use ID=yes"),
        (["review", ZEROS, "--current", "4", "--on", "23/11/2026"], "--on: '23/11/2026' is not a date"),
        (["review", "0,0,7" + ",0" * 15, "--current", "4"], "scale 3: 7 is not a rating"),
        (["review", ZEROS, "--current", "4", "--fact", "social_inclusion=perhaps"], "not yes, no or unknown"),
        (["schedule", "--cluster", "9", "--allocated", "2026-01-05"], "never allocated"),
        (["schedule", "--cluster", "4", "--allocated", "2026-13-05"], "is not a date"),
    ],
)
def test_invalid_input_exits_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_history_file_is_named(tmp_path: Path) -> None:
    history = tmp_path / "h.json"
    history.write_text(json.dumps([{"date": "2025-10-01", "ratings": "0,0,5" + ",0" * 15}]))
    result = runner.invoke(app, ["review", ZEROS, "--current", "18", "--history", str(history)])
    assert result.exit_code == 2
    assert "history file" in result.stderr
    assert "scale 3: 5 is not a rating" in result.stderr


def test_schedule_json_and_text() -> None:
    result = runner.invoke(
        app, ["schedule", "--cluster", "14", "--allocated", "2026-01-05", "--on", "2026-02-10", "--json"]
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["next_review_due"] == "2026-02-02"
    assert data["overdue"] is True
    assert data["indicative_episode"] == "8-12 weeks"
    text = runner.invoke(app, ["schedule", "--cluster", "14", "--allocated", "2026-01-05", "--on", "2026-02-10"])
    assert "OVERDUE by 8 day(s)" in text.output
