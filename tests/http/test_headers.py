"""Security headers on every response; no-store on every signed-in one; HSTS only over TLS;
X-Forwarded-For believed only from the configured proxies; no inline script or style anywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from carecluster.http import Settings, create_app
from carecluster.http.runtime import SESSION_COOKIE
from carecluster.service.security import hash_password
from carecluster.store.db import now
from carecluster.store.models import AuditEvent, User

PASSWORD = "headers-test-password"
PUBLIC = (
    "/",
    "/rate",
    "/clusters",
    "/clusters/14",
    "/sign-in",
    "/healthz",
    "/static/carecluster.css",
    "/nowhere",
    "/docs",  # the API documentation too: its viewer is packaged and started from a file
    "/assets/nhsuk/nhsuk-frontend.min.css",
)
TEMPLATES = Path(__file__).parents[2] / "src" / "carecluster" / "web" / "templates"


def _app(tmp_path: Path, **settings: object):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'headers.db'}", **settings))
    with app.state.db.transaction() as session:
        session.add(
            User(
                username="ada", full_name="Ada", role="auditor", password_hash=hash_password(PASSWORD), created_at=now()
            )
        )
    return app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(_app(tmp_path)) as client:
        yield client


def _token(client: TestClient) -> dict[str, str]:
    response = client.post("/api/v1/token", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _check_always(response) -> None:
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "camera=()" in headers["permissions-policy"]
    assert "strict-transport-security" not in headers  # plain HTTP


@pytest.mark.parametrize("path", PUBLIC)
def test_every_public_response_has_the_headers_and_may_be_cached(client: TestClient, path: str) -> None:
    response = client.get(path)
    _check_always(response)
    assert "no-store" not in response.headers.get("cache-control", "")


def test_errors_and_refusals_have_the_headers_too(client: TestClient) -> None:
    for response in (
        client.get("/api/v1/service-users"),  # 401
        client.post("/api/v1/token", content=b"x" * (2 * 1024 * 1024)),  # 413
        client.post("/api/v1/token", data={}),  # 422
    ):
        _check_always(response)


def test_every_signed_in_response_is_no_store(client: TestClient) -> None:
    auth = _token(client)
    for path in ("/api/v1/me", "/api/v1/service-users", "/api/v1/nonsense"):
        response = client.get(path, headers=auth)
        assert response.headers["cache-control"] == "no-store", path
        _check_always(response)
    signed = client.post("/sign-in", data={"username": "ada", "password": PASSWORD}, follow_redirects=False)
    assert signed.headers["cache-control"] == "no-store"
    assert SESSION_COOKIE in client.cookies
    for path in ("/service-users", "/caseload", "/clusters"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path


def test_hsts_only_over_tls(tmp_path: Path) -> None:
    with TestClient(_app(tmp_path), base_url="https://testserver") as client:
        assert client.get("/").headers["strict-transport-security"].startswith("max-age=31536000")


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    for trusted, expected_client in (((), "testclient"), (("testclient",), "203.0.113.9")):
        app = _app(tmp_path / str(len(trusted)), trusted_proxies=trusted)
        with TestClient(app) as client:
            response = client.post("/api/v1/token", data={"username": "ada", "password": "wrong"}, headers=forged)
            assert response.status_code == 401
            assert ("strict-transport-security" in response.headers) == bool(trusted)
        with app.state.db.transaction(write=False) as session:
            event = session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).one()
        assert event.client == expected_client


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARECLUSTER_SECURE_COOKIES", "1")
    monkeypatch.setenv("CARECLUSTER_TRUSTED_PROXIES", "10.0.0.1, 10.0.1.0/24")
    settings = Settings()
    assert settings.secure_cookies is True
    assert settings.trusted_proxies == ("10.0.0.1", "10.0.1.0/24")
    monkeypatch.delenv("CARECLUSTER_SECURE_COOKIES")
    monkeypatch.delenv("CARECLUSTER_TRUSTED_PROXIES")
    assert (Settings().secure_cookies, Settings().trusted_proxies) == (False, ())


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.rglob("*.html")))
def test_no_template_has_inline_script_or_style(template: str) -> None:
    text = next(TEMPLATES.rglob(template)).read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text)
    assert not INLINE_STYLE.search(text)


def test_rendered_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    client.post("/sign-in", data={"username": "ada", "password": PASSWORD})
    pages = ["/", "/rate", "/clusters", "/clusters/14", "/service-users", "/reports"]
    pages.append("/reports/transitions?from=2026-01-01&to=2026-06-30")
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert not INLINE_SCRIPT.search(response.text), path
        assert not INLINE_STYLE.search(response.text), path


def test_the_docs_page_and_every_asset_it_names_are_served_here(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) == 3, assets
    for url in assets:
        assert url.startswith("/"), url  # no other host
        assert client.get(url).status_code == 200, url
    assert "<script>" not in page.text  # nothing inline for the CSP to refuse
    assert client.get("/redoc", follow_redirects=False).headers["location"] == "/docs"


def test_the_stylesheet_asks_no_other_host_and_its_images_are_served(client: TestClient) -> None:
    css = client.get("/assets/nhsuk/nhsuk-frontend.min.css").text
    assert "@font-face" not in css  # the licensed remote fonts: text falls back to Arial, as NHS.UK's does
    urls = set(re.findall(r"url\(([^)]+)\)", css))
    assert any("nhsuk-icon-cross.svg" in u for u in urls)
    for url in urls:
        if url.startswith("data:"):
            continue
        assert "//" not in url, url
        assert client.get(f"/assets/nhsuk/{url}").status_code == 200, url
