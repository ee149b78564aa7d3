"""Request logs: one structured record per request (request id, user id, route template, status,
latency) that never holds a patient's details; failures keep their traceback in the log only."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from carecluster.http import Settings, create_app
from carecluster.logs import JsonFormatter, TextFormatter, configure_logging, extra_fields
from carecluster.service.security import hash_password
from carecluster.store.db import now
from carecluster.store.models import Team, User, UserTeam

PASSWORD = "correct-horse-battery"
NHS_NUMBER = "9434765919"
NAME = "Ada Lovelace-Testperson"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'log.db'}"))
    with app.state.db.transaction() as session:
        team = Team(code="A", name="Team A", created_at=now())
        user = User(
            username="clin",
            full_name="Clin Ician",
            role="clinician",
            password_hash=hash_password(PASSWORD),
            created_at=now(),
        )
        session.add_all([team, user])
        session.flush()
        session.add(UserTeam(user_id=user.id, team_id=team.id))
        app.state.user_id, app.state.team_id = user.id, team.id

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError(f"a defect while handling {NHS_NUMBER}")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "carecluster.request"]


def everything_logged(records: list[logging.LogRecord]) -> str:
    return "\n".join(JsonFormatter().format(r) + TextFormatter().format(r) for r in records)


def test_each_request_is_one_record_with_route_template_and_user(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="carecluster")
    token = client.post("/api/v1/token", data={"username": "clin", "password": PASSWORD}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/v1/service-users",
        json={
            "nhs_number": NHS_NUMBER,
            "name": NAME,
            "date_of_birth": "1980-05-17",
            "team_id": client.app.state.team_id,
        },
        headers=auth,
    )
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]
    caplog.clear()
    found = client.get(f"/api/v1/service-users/{record_id}", params={"q": NHS_NUMBER}, headers=auth)
    assert found.status_code == 200
    [record] = request_records(caplog)
    fields = extra_fields(record)
    assert fields["route"] == "/api/v1/service-users/{record_id}"
    assert fields["status"] == 200
    assert fields["method"] == "GET"
    assert fields["user_id"] == client.app.state.user_id
    assert isinstance(fields["latency_ms"], float)
    assert fields["latency_ms"] >= 0
    assert found.headers["x-request-id"] == fields["request_id"]
    assert set(fields) == {"request_id", "user_id", "method", "route", "status", "latency_ms"}


def test_no_patient_data_in_any_record(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="carecluster")
    token = client.post("/api/v1/token", data={"username": "clin", "password": PASSWORD}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    body = {"nhs_number": NHS_NUMBER, "name": NAME, "date_of_birth": "1980-05-17", "team_id": client.app.state.team_id}
    client.post("/api/v1/service-users", json=body, headers=auth)
    client.get("/api/v1/service-users", params={"nhs_number": NHS_NUMBER, "q": NAME}, headers=auth)
    client.get(f"/api/v1/service-users/by-nhs-number/{NHS_NUMBER}", headers=auth)
    records = request_records(caplog)
    assert len(records) >= 4
    logged = everything_logged(records)
    assert NHS_NUMBER not in logged
    assert NAME not in logged
    assert PASSWORD not in logged
    assert "1980-05-17" not in logged


def test_a_callers_request_id_is_kept_and_a_bad_one_replaced(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="carecluster")
    kept = client.get("/healthz", headers={"X-Request-ID": "trace-0123456789"})
    assert kept.headers["x-request-id"] == "trace-0123456789"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"
    ids = [extra_fields(r)["request_id"] for r in request_records(caplog)]
    assert ids == ["trace-0123456789", replaced.headers["x-request-id"]]
    assert extra_fields(request_records(caplog)[0])["user_id"] is None


def test_an_error_keeps_its_traceback_server_side(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="carecluster")
    answer = client.get("/boom")
    assert answer.status_code == 500
    assert "Traceback" not in answer.text
    assert "RuntimeError" not in answer.text
    assert NHS_NUMBER not in answer.text
    assert answer.headers["x-request-id"] in answer.text
    [record] = request_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert extra_fields(record)["route"] == "/boom"
    assert "RuntimeError" in JsonFormatter().format(record)


def test_level_and_json_format_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger("carecluster")
    saved: dict[str, Any] = {"level": logger.level, "handlers": list(logger.handlers), "propagate": logger.propagate}
    try:
        configure_logging(Settings(log_level="WARNING", log_format="json"))
        [handler] = [h for h in logger.handlers if getattr(h, "_carecluster", False)]
        stream = io.StringIO()
        handler.setStream(stream)  # type: ignore[attr-defined]
        logging.getLogger("carecluster.request").info("request", extra={"status": 200})
        logging.getLogger("carecluster.request").warning("request", extra={"status": 503, "route": "/x/{id}"})
        lines = stream.getvalue().splitlines()
        assert len(lines) == 1  # INFO is below the configured WARNING
        entry = json.loads(lines[0])
        assert (entry["level"], entry["status"], entry["route"], entry["logger"]) == (
            "WARNING",
            503,
            "/x/{id}",
            "carecluster.request",
        )
        configure_logging(Settings(log_level="DEBUG", log_format="text"))
        assert len([h for h in logger.handlers if getattr(h, "_carecluster", False)]) == 1
        assert logger.level == logging.DEBUG
    finally:
        for handler in [h for h in logger.handlers if getattr(h, "_carecluster", False)]:
            logger.removeHandler(handler)
        logger.setLevel(saved["level"])
        logger.propagate = saved["propagate"]


def test_database_errors_do_not_carry_the_values(tmp_path: Path) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from carecluster.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (nhs TEXT UNIQUE)"))
            conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": NHS_NUMBER})
        with pytest.raises(IntegrityError) as raised, engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": NHS_NUMBER})
        assert NHS_NUMBER not in str(raised.value)
    finally:
        engine.dispose()
