"""The service commands: `demo-data` (once only), `db upgrade` / `downgrade`, `serve --help`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from carecluster.cli.main import app

runner = CliRunner()


def test_demo_data_seeds_an_empty_database_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = runner.invoke(
        app, ["demo-data", "--service-users", "5", "--database-url", url, "--password", "pw-for-test"]
    )
    assert first.exit_code == 0, first.output
    assert "5 service users" in first.output
    assert "demo.clinician (clinician)" in first.output
    assert "demo.admin (admin)" in first.output
    again = runner.invoke(app, ["demo-data", "--service-users", "5", "--database-url", url])
    assert again.exit_code == 1
    quiet = runner.invoke(app, ["demo-data", "--if-empty", "--database-url", url])
    assert quiet.exit_code == 0
    assert "not added" in quiet.output


def test_db_upgrade_and_downgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    down = runner.invoke(app, ["db", "downgrade", "base", "--database-url", url])
    assert down.exit_code == 0
    assert "base" in down.output
    path = runner.invoke(app, ["db", "path", "--database-url", url])
    assert path.output.strip() == str(tmp_path / "schema.db")


def test_serve_is_registered() -> None:
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output
