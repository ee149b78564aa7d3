"""`carecluster fhir person / team / outcome` against a database: the same Bundles as the API's use
cases, audited under the --as user, refused (one line, exit 2, no file, no audit) where the API
refuses, and never a partial file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from carecluster.api import resolve_reference
from carecluster.cli.main import app
from carecluster.service import interop, outcomes, records
from carecluster.service.context import Context
from carecluster.service.outcome_schemas import OutcomeIn
from carecluster.service.security import Actor
from carecluster.store.db import Database, now
from carecluster.store.models import AuditEvent, Team, User, UserTeam
from tests.interop.test_database_round_trip import PEOPLE, START, history, staffed

runner = CliRunner()


@dataclass
class Held:
    url: str
    db: Database
    rater: Actor
    person: str  # the first person (two assessments, one outcome measure)
    outcome: str
    team_id: int
    out: Path  # an empty directory for the exports


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Held]:
    """Team A's two people with assessments and a DIALOG; team B with its own clinician, `other`."""
    url = f"sqlite:///{tmp_path / 'fhir.db'}"
    db, rater = staffed(url)
    history(db, rater)
    with db.transaction() as session:
        team_b = Team(code="B", name="Team B", created_at=now())
        other = User(username="other", full_name="Other", role="clinician", password_hash="x", active=True,
                     failed_logins=0, created_at=now())  # fmt: skip
        session.add_all([team_b, other])
        session.flush()
        session.add(UserTeam(user_id=other.id, team_id=team_b.id))
        ctx = Context(session=session, actor=rater, reference=resolve_reference(None))
        person = next(p for p in records.list_service_users(ctx, 10, 0).items if p.nhs_number == PEOPLE[0])
        answers = {str(i): 5 for i in range(1, 12)}
        done = outcomes.record_outcome(
            ctx, person.id, OutcomeIn(measure_id="dialog", administered_on=START + timedelta(days=10), answers=answers)
        )
        team_a = session.scalar(select(Team.id).where(Team.code == "A"))
    assert team_a is not None
    (tmp_path / "out").mkdir()
    yield Held(url, db, rater, person.id, done.id, team_a, tmp_path / "out")
    db.dispose()


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args))


def use_case(held: Held, work: Any) -> Any:
    """What the API's use case returns, run as the rater (in a transaction rolled back after)."""
    with held.db.session() as session:
        return work(Context(session=session, actor=held.rater, reference=resolve_reference(None)))


def exports(held: Held) -> list[AuditEvent]:
    with held.db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)))


def one_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("carecluster: ")
    return lines[0]


def test_person_is_the_api_bundle_and_is_audited_under_the_user(held: Held) -> None:
    out = cli("fhir", "person", held.person, "--database-url", held.url, "--as", "rater")
    assert out.exit_code == 0, out.output
    bundle = json.loads(out.stdout)
    assert bundle == use_case(held, lambda c: interop.person_fhir(c, held.person))
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert (kinds.count("Patient"), kinds.count("QuestionnaireResponse")) == (1, 2)
    audit = exports(held)
    assert [(a.username, a.entity, a.record_id, a.client) for a in audit] == [
        ("rater", "service_user", held.person, "cli")
    ]


def test_team_is_the_api_ndjson_and_takes_a_code_or_an_id(held: Held) -> None:
    target = held.out / "team-a.ndjson"
    out = cli("fhir", "team", "A", "--database", held.url, "--as", "auditor", "-o", str(target))
    assert out.exit_code == 0, out.output
    text = target.read_text()
    assert target.stat().st_mode & 0o777 == 0o600
    expected = use_case(held, lambda c: interop.team_fhir_ndjson(c, held.team_id))
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines == [json.loads(line) for line in expected.splitlines()]
    assert len(lines) == len(PEOPLE)
    assert all(line["resourceType"] == "Bundle" for line in lines)
    by_id = cli("fhir", "team", str(held.team_id), "--database", held.url, "--as", "rater")
    assert by_id.exit_code == 0, by_id.output
    assert by_id.stdout == text
    audit = exports(held)
    assert [(a.username, a.entity, (a.after or {}).get("team_id")) for a in audit] == [
        ("auditor", "team", held.team_id),
        ("rater", "team", held.team_id),
    ]
    assert list(held.out.iterdir()) == [target]  # no staging file left beside it


def test_outcome_is_the_api_bundle(held: Held) -> None:
    target = held.out / "dialog.json"
    out = cli("fhir", "outcome", held.outcome, "--database", held.url, "--as", "rater", "--output", str(target))
    assert out.exit_code == 0, out.output
    assert f"wrote {target}" in out.stderr
    assert json.loads(target.read_text()) == use_case(held, lambda c: interop.outcome_fhir(c, held.outcome))
    assert [(a.username, a.entity, a.record_id) for a in exports(held)] == [("rater", "outcome", held.outcome)]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["team", "A", "--as", "other"], "team A: team not found"),  # another team's: not found, as in the API
        (["person", "{person}", "--as", "other"], "service user {person}: service user not found"),
        (["outcome", "{outcome}", "--as", "other"], "outcome {outcome}: outcome not found"),
        (["team", "Z", "--as", "rater"], "team Z: no team with that code or id"),
        (["person", "nobody", "--as", "rater"], "service user nobody: service user not found"),
        (["outcome", "nothing", "--as", "auditor"], "outcome nothing: outcome not found"),
        (["person", "{person}", "--as", "nobody"], "--as nobody: no active user"),
        (["person", "{person}"], "--as USERNAME is needed"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_a_refusal_is_one_line_writes_nothing_and_audits_nothing(held: Held, args: list[str], said: str) -> None:
    target = held.out / "out.json"
    names = {"person": held.person, "outcome": held.outcome}
    result = cli("fhir", *(a.format(**names) for a in args), "--database", held.url, "-o", str(target))
    assert said.format(**names) in one_line(result)
    assert result.stdout == ""
    assert list(held.out.iterdir()) == []
    assert exports(held) == []


@pytest.mark.parametrize("where", ["missing/out.json", "."], ids=["no such directory", "a directory"])
def test_an_unwritable_output_is_one_line_before_any_export(held: Held, where: str) -> None:
    target = held.out / where
    result = cli("fhir", "person", held.person, "--database", held.url, "--as", "rater", "-o", str(target))
    assert f"--output {target}" in one_line(result)
    assert list(held.out.iterdir()) == []
    assert exports(held) == []


def test_a_failed_write_leaves_no_file_and_no_audit(held: Held, monkeypatch: pytest.MonkeyPatch) -> None:
    import carecluster.cli.interop as cli_interop

    def full_disk(path: Path, data: str | bytes) -> None:
        path.write_text("half a bund")
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(cli_interop, "write_private", full_disk)
    target = held.out / "out.json"
    result = cli("fhir", "person", held.person, "--database", held.url, "--as", "rater", "-o", str(target))
    assert "No space left on device" in one_line(result)
    assert list(held.out.iterdir()) == []
    assert exports(held) == []


def test_a_missing_database_is_one_line_and_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    result = cli("fhir", "team", "A", "--database", url, "--as", "rater", "-o", str(tmp_path / "out.ndjson"))
    assert "no database at" in one_line(result)
    assert list(tmp_path.iterdir()) == []
