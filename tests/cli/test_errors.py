"""Every command answers a person's mistake with one line on stderr and exit 2 - no traceback, and
nothing created or changed - and the destructive ones ask first (or need --yes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from carecluster.cli import errors
from carecluster.cli.main import app

runner = CliRunner()


def leaves(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from leaves(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = dict(leaves(typer.main.get_command(app)))


def nonsense_args(command: Any) -> list[str]:
    """Every required parameter given a value no command accepts; else one unexpected argument."""
    args: list[str] = []
    required = [p for p in command.params if p.required]
    for param in required:
        if param.param_type_name == "argument":
            args.append("nonsense")
        else:
            args += [param.opts[0], "nonsense"]
    return args or ["nonsense"]


@pytest.fixture
def empty_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with no database: the data dir does not even exist."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CARECLUSTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CARECLUSTER_DATABASE_URL", raising=False)
    return tmp_path


def assert_one_line(result: Any) -> str:
    assert "Traceback" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("carecluster: ")
    assert result.exit_code == 2, result.stderr
    return lines[0]


def test_every_command_is_walked() -> None:
    assert {
        "allocate",
        "report",
        "db downgrade",
        "db upgrade",
        "restore",
        "users create-admin",
        "fhir person",
        "fhir team",
        "fhir outcome",
    } <= {" ".join(path) for path in COMMANDS}


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_an_unknown_option_is_one_line(path: tuple[str, ...], empty_place: Path) -> None:
    line = assert_one_line(runner.invoke(app, [*path, "--no-such-option"]))
    assert "--no-such-option" in line
    assert f"carecluster {' '.join(path)} --help" in line
    assert not list(empty_place.rglob("*.db"))


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_nonsense_values_are_one_line_and_store_nothing(path: tuple[str, ...], empty_place: Path) -> None:
    args = [*path, *nonsense_args(COMMANDS[path])]
    assert_one_line(runner.invoke(app, args, input="nonsense\nnonsense\n"))
    assert not list(empty_place.rglob("*.db")), "bad input left a database file behind"


@pytest.mark.parametrize(
    "args",
    [
        ["report", "timeliness", "--from", "2026-01-01", "--to", "2026-03-31"],
        ["db", "downgrade", "0001", "--yes"],
        ["db", "rebuild-report-facts"],
        ["backup"],
        ["users", "list"],
        ["users", "unlock", "someone"],
        ["fhir", "person", "someone", "--as", "somebody", "-o", "person.json"],
        ["fhir", "team", "A", "--as", "somebody"],
        ["fhir", "outcome", "something", "--as", "somebody"],
        ["fhir", "questionnaire"],
    ],
    ids=" ".join,
)
def test_a_missing_database_is_one_line_and_not_created(args: list[str], empty_place: Path) -> None:
    result = runner.invoke(app, args)
    if args[:2] == ["fhir", "questionnaire"]:  # needs no database: shows that the walk does not refuse everything
        assert result.exit_code == 0
        return
    line = assert_one_line(result)
    assert "no database at" in line
    assert "carecluster db upgrade" in line
    assert not (empty_place / "data").exists() or not list((empty_place / "data").iterdir())


def test_an_unreachable_server_is_one_line(empty_place: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:9/none"
    line = assert_one_line(runner.invoke(app, ["users", "list", "--database-url", url]))
    assert line.startswith("carecluster: database: ")


@pytest.fixture
def database(empty_place: Path) -> str:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return f"sqlite:///{empty_place / 'data' / 'carecluster.db'}"


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_downgrade_to_a_revision_that_does_not_exist(database: str) -> None:
    line = assert_one_line(runner.invoke(app, ["db", "downgrade", "nonsense", "--yes"]))
    assert "'nonsense'" in line
    assert "users" in tables(database)


def test_downgrade_base_in_a_script_needs_yes(database: str) -> None:
    line = assert_one_line(runner.invoke(app, ["db", "downgrade", "base"]))
    assert "--yes" in line
    assert "users" in tables(database)
    done = runner.invoke(app, ["db", "downgrade", "base", "--yes"])
    assert done.exit_code == 0, done.stderr
    assert "users" not in tables(database)


def test_downgrade_asks_a_person(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(errors, "interactive", lambda: True)
    declined = runner.invoke(app, ["db", "downgrade", "base"], input="n\n")
    assert declined.exit_code == 1
    assert "nothing changed" in declined.stderr
    assert "users" in tables(database)
    agreed = runner.invoke(app, ["db", "downgrade", "base"], input="y\n")
    assert agreed.exit_code == 0, agreed.stderr
    assert "users" not in tables(database)


def test_restore_force_needs_yes(database: str, empty_place: Path) -> None:
    backup = empty_place / "copy.db"
    assert runner.invoke(app, ["backup", str(backup)]).exit_code == 0
    line = assert_one_line(runner.invoke(app, ["restore", str(backup), "--force"]))
    assert "--yes" in line
    restored = runner.invoke(app, ["restore", str(backup), "--force", "--yes"])
    assert restored.exit_code == 0, restored.stderr


def test_db_history_marks_the_current_revision(database: str) -> None:
    result = runner.invoke(app, ["db", "history"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("0001 ")
    assert sum("(current)" in line for line in lines) == 1
    assert "(current)" in lines[-1]
