"""The service commands: `demo-data` (once only), `db upgrade` / `downgrade` / `rebuild-report-facts`, `serve --help`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, func, select
from typer.testing import CliRunner

from carecluster.cli.main import app
from carecluster.store.db import Database
from carecluster.store.models import AssessmentFact, ReviewFact

TABLES = (AssessmentFact.__table__, ReviewFact.__table__)

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
    down = runner.invoke(app, ["db", "downgrade", "base", "--database-url", url, "--yes"])
    assert down.exit_code == 0
    assert "base" in down.output
    path = runner.invoke(app, ["db", "path", "--database-url", url])
    assert path.output.strip() == str(tmp_path / "schema.db")


def test_rebuild_report_facts_refills_the_derived_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'facts.db'}"
    assert runner.invoke(app, ["demo-data", "--service-users", "5", "--database-url", url]).exit_code == 0
    db = Database(url)
    try:
        with db.engine.begin() as conn:
            before = {t: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}
            for table in TABLES:  # as if the records had been loaded around carecluster
                conn.execute(delete(table))
        result = runner.invoke(app, ["db", "rebuild-report-facts", "--database-url", url])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as conn:
            after = {t: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}
    finally:
        db.dispose()
    assert after == before
    assert before[AssessmentFact.__table__] > 0
    assert f"{AssessmentFact.__tablename__} {before[AssessmentFact.__table__]:,} rows" in result.output


def test_serve_is_registered() -> None:
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output
