"""Every deployment setting is read from its CARECLUSTER_* variable by the one settings object, and
reaches the code that uses it; a bad value is refused in one line that names the variable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from carecluster.cli.main import app as cli
from carecluster.settings import Settings, SettingsError, current_settings, load_settings, read_settings

runner = CliRunner()


def loaded(monkeypatch: pytest.MonkeyPatch, **values: str) -> Settings:
    for name, value in values.items():
        monkeypatch.setenv(f"CARECLUSTER_{name.upper()}", value)
    return load_settings()


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CARECLUSTER_{name.upper()}", raising=False)
    settings = load_settings()
    assert settings.database_url is None
    assert settings.data_dir == Path("data")
    assert (settings.secure_cookies, settings.trusted_proxies) == (False, ())
    assert (settings.session_hours, settings.max_body_bytes, settings.workers) == (12, 1024 * 1024, 1)
    assert (settings.log_level, settings.log_format) == ("INFO", "text")
    assert settings.fhir_base_url == "https://carecluster.example/fhir"


def test_the_environment_is_read_once_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    first = loaded(monkeypatch, session_hours="3")
    monkeypatch.setenv("CARECLUSTER_SESSION_HOURS", "5")
    assert current_settings() is first
    assert current_settings().session_hours == 3
    assert load_settings().session_hours == 5


def test_database_url_and_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from carecluster.store.db import data_dir, database_url

    monkeypatch.delenv("CARECLUSTER_DATABASE_URL", raising=False)
    loaded(monkeypatch, data_dir=str(tmp_path))
    assert data_dir() == tmp_path
    assert database_url() == f"sqlite:///{(tmp_path / 'carecluster.db').resolve()}"
    loaded(monkeypatch, database_url="postgresql://u@db.internal/care")
    assert database_url() == "postgresql://u@db.internal/care"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"  # an explicit --database-url wins


def test_reference_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from carecluster.reference import ReferenceError, load_reference

    loaded(monkeypatch, reference=str(tmp_path / "missing.csv"))
    with pytest.raises(ReferenceError, match=r"missing\.csv"):
        load_reference()


def test_currency_tables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from carecluster.currency.reference import CurrencyReferenceError, currency_reference

    loaded(monkeypatch, currency_tables=str(tmp_path / "tables-2030"))
    with pytest.raises(CurrencyReferenceError, match="tables-2030"):
        currency_reference()


def test_fhir_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from carecluster.interop.fhir.codes import fhir_base_url

    loaded(monkeypatch, fhir_base_url="https://fhir.trust.example/base/")
    assert fhir_base_url() == "https://fhir.trust.example/base"


def test_session_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    from carecluster.service.security import token_hours

    loaded(monkeypatch, session_hours="2")
    assert token_hours() == 2


def test_secure_cookies_trusted_proxies_and_max_body(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from carecluster.http import create_app

    settings = loaded(
        monkeypatch,
        database_url=f"sqlite:///{tmp_path / 's.db'}",
        secure_cookies="yes",
        trusted_proxies="10.0.0.1, 10.0.1.0/24",
        max_body_bytes="2048",
    )
    assert (settings.secure_cookies, settings.trusted_proxies) == (True, ("10.0.0.1", "10.0.1.0/24"))
    with TestClient(create_app()) as client:
        assert client.app.state.settings is settings  # type: ignore[attr-defined]
        refused = client.post("/api/v1/token", content=b"x" * 4096, headers={"content-type": "text/plain"})
        assert refused.status_code == 413


def test_log_level_and_format_are_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = loaded(monkeypatch, log_level="debug", log_format="JSON")
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")


def test_serve_takes_its_workers_from_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kwargs: calls.append({"target": target, **kwargs}))
    monkeypatch.setenv("CARECLUSTER_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    result = runner.invoke(cli, ["serve"], env={"CARECLUSTER_WORKERS": "3"})
    assert result.exit_code == 0, result.output
    assert calls[0]["workers"] == 3
    assert calls[0]["target"] == "carecluster.http.asgi:app"


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("CARECLUSTER_SESSION_HOURS", "twelve", "valid integer"),
        ("CARECLUSTER_SESSION_HOURS", "0", "greater than or equal to 1"),
        ("CARECLUSTER_MAX_BODY_BYTES", "-5", "greater than or equal to 1024"),
        ("CARECLUSTER_SECURE_COOKIES", "maybe", "valid boolean"),
        ("CARECLUSTER_WORKERS", "many", "valid integer"),
        ("CARECLUSTER_LOG_LEVEL", "loud", "'DEBUG'"),
        ("CARECLUSTER_LOG_FORMAT", "xml", "'text' or 'json'"),
        ("CARECLUSTER_FHIR_BASE_URL", "fhir.example", "http(s) URL"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        read_settings()
    message = str(raised.value)
    assert message.startswith(f"{variable}: ")
    assert says in message
    assert "\n" not in message
    result = runner.invoke(cli, ["clusters"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"carecluster: {message}"]
