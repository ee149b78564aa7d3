"""The national data set and FHIR against real databases (SQLite and PostgreSQL): export one
provider's history with `carecluster nds export --database-url`, load it into another database
with `nds import`, and export again - the same files, so the same allocations and periods."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carecluster.api import resolve_reference
from carecluster.cli.main import app
from carecluster.service import records
from carecluster.service.context import Context
from carecluster.service.schemas import AssessmentIn, EpisodeIn, ServiceUserIn
from carecluster.service.security import Actor
from carecluster.store import migrate
from carecluster.store.db import Database, now
from carecluster.store.models import Team, User, UserTeam
from tests.store.postgres import postgres

runner = CliRunner()
_names = itertools.count()
PEOPLE = ("9990000018", "9990000026")
RATINGS = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # suggests cluster 4
LATER = [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1]
START = date.today() - timedelta(days=300)


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'target.db'}"
    else:
        n = next(_names)
        yield postgres().create_database(f"nds_source_{n}"), postgres().create_database(f"nds_target_{n}")


def staffed(url: str) -> tuple[Database, Actor]:
    """A database with team A, a clinician and an auditor, and the two service users."""
    migrate.upgrade(url)
    db = Database(url)
    with db.transaction() as session:
        team = Team(code="A", name="Team A", created_at=now())
        session.add(team)
        session.flush()
        ids = {}
        for username, role in (("rater", "clinician"), ("auditor", "auditor")):
            user = User(username=username, full_name=username.title(), role=role, password_hash="x", active=True,
                        failed_logins=0, created_at=now())  # fmt: skip
            session.add(user)
            session.flush()
            ids[username] = user.id
        session.add(UserTeam(user_id=ids["rater"], team_id=team.id))
        actor = Actor(user_id=ids["rater"], username="rater", role="clinician", team_ids=frozenset({team.id}))
        ctx = Context(session=session, actor=actor, reference=resolve_reference(None))
        for number in PEOPLE:
            records.create_service_user(
                ctx, ServiceUserIn(nhs_number=number, name="Person", date_of_birth=date(1980, 1, 1), team_id=team.id)
            )
    return db, actor


def history(db: Database, actor: Actor) -> None:
    """Two assessments for the first person (cluster 4, then a reasoned move to 3), one unchosen for the second."""
    with db.transaction() as session:
        ctx = Context(session=session, actor=actor, reference=resolve_reference(None))
        people = records.list_service_users(ctx, 10, 0).items
        first, second = sorted(people, key=lambda p: p.nhs_number)
        records.create_episode(ctx, first.id, EpisodeIn(referral_date=START))
        records.create_assessment(
            ctx,
            first.id,
            AssessmentIn(ratings=RATINGS, super_class="non-psychotic", assessed_on=START, chosen_cluster=4),
        )
        records.create_assessment(
            ctx,
            first.id,
            AssessmentIn(
                ratings=LATER, super_class="non-psychotic", assessed_on=START + timedelta(days=90),
                clustering_event="planned_review", chosen_cluster=3, reason="Stepped down: goals met",
            ),
        )  # fmt: skip
        records.create_assessment(ctx, second.id, AssessmentIn(ratings=RATINGS, assessed_on=START))


def cli(*args: str):
    return runner.invoke(app, list(args))


def texts(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(directory.iterdir())}


def test_nds_export_then_import_gives_the_same_allocations_and_periods(urls: tuple[str, str], tmp_path: Path) -> None:
    source_url, target_url = urls
    source, actor = staffed(source_url)
    history(source, actor)
    target, _ = staffed(target_url)
    out = cli("nds", "export", "--database-url", source_url, "--as", "auditor", "-o", str(tmp_path / "source"))
    assert out.exit_code == 0, out.output
    exported = texts(tmp_path / "source")
    assert exported["MHS803CareCluster.csv"].count("\n") == 3  # header, cluster 4 (ended), cluster 3 (open)
    loaded = cli("nds", "import", str(tmp_path / "source"), "--database-url", target_url, "--as", "rater")
    assert loaded.exit_code == 0, loaded.output
    assert "3 assessment(s) and 2 assignment period(s) stored" in loaded.stdout
    again = cli("nds", "export", "--database-url", target_url, "--as", "auditor", "-o", str(tmp_path / "target"))
    assert again.exit_code == 0, again.output
    assert texts(tmp_path / "target") == exported
    repeat = cli("nds", "import", str(tmp_path / "source"), "--database-url", target_url, "--as", "rater")
    assert "0 assessment(s) and 0 assignment period(s) stored" in repeat.stdout
    bundle = tmp_path / "one.json"
    clust_id = exported["MHS801ClusterTool.csv"].splitlines()[1].split(",")[0]
    fhir = cli(
        "fhir", "export", "--database-url", source_url, "--as", "rater", "--assessment", clust_id, "-o", str(bundle)
    )
    assert fhir.exit_code == 0, fhir.output
    held = cli("fhir", "import", str(bundle), "--database-url", target_url, "--as", "rater")
    assert held.exit_code == 0, held.output
    assert "already held" in held.stderr
    source.dispose()
    target.dispose()


def test_a_faulty_file_loads_nothing_and_names_file_line_and_field(urls: tuple[str, str], tmp_path: Path) -> None:
    source_url, target_url = urls
    source, actor = staffed(source_url)
    history(source, actor)
    target, _ = staffed(target_url)
    directory = tmp_path / "files"
    assert cli("nds", "export", "--database-url", source_url, "--as", "auditor", "-o", str(directory)).exit_code == 0
    periods = directory / "MHS803CareCluster.csv"
    lines = periods.read_text().splitlines()
    lines[1] = lines[1].replace(",04,", ",09,")
    periods.write_text("\n".join(lines) + "\n")
    loaded = cli("nds", "import", str(directory), "--database-url", target_url, "--as", "rater")
    assert loaded.exit_code == 2
    assert "MHS803CareCluster" in loaded.stderr
    assert "AMHCareClustCodeFin" in loaded.stderr
    empty = cli("nds", "export", "--database-url", target_url, "--as", "auditor", "-o", str(tmp_path / "after"))
    assert empty.exit_code == 0
    assert texts(tmp_path / "after")["MHS801ClusterTool.csv"].count("\n") == 1  # the header only: nothing loaded
    refused = cli("nds", "import", str(directory), "--database-url", target_url, "--as", "auditor")
    assert refused.exit_code == 1
    assert "auditor role cannot change" in refused.stderr
    clust_id = (directory / "MHS801ClusterTool.csv").read_text().splitlines()[1].split(",")[0]
    bundle = tmp_path / "one.json"
    assert (
        cli(
            "fhir", "export", "--database", source_url, "--as", "rater", "--assessment", clust_id, "-o", str(bundle)
        ).exit_code
        == 0
    )
    stored = cli("fhir", "import", str(bundle), "--database", target_url, "--as", "rater")
    assert stored.exit_code == 0, stored.output
    assert "stored" in stored.stderr
    assert json.loads(stored.stdout)["assessment"]["ratings"] == RATINGS
    bundle.write_text(bundle.read_text().replace('"code": "04"', '"code": "09"'))
    bad = cli("fhir", "import", str(bundle), "--database", target_url, "--as", "rater")
    assert bad.exit_code == 2
    assert json.loads(bad.stdout)["resourceType"] == "OperationOutcome"
    source.dispose()
    target.dispose()
