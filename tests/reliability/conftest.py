"""Reliability and security tests: a real server per database backend, as in tests/http, with its own
database (so the two suites can run in one session), plus helpers to list every route the app serves."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI

from carecluster.http import Settings, create_app
from carecluster.http.runtime import SESSION_COOKIE
from carecluster.service import security
from tests.http.conftest import PASSWORD, Api, _seed
from tests.store.postgres import free_port, postgres


def served_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (METHOD, path) the app answers, including routers included with a prefix and pages
    left out of the OpenAPI schema; HEAD and the documentation pages are left out."""
    found: set[tuple[str, str]] = set()

    def walk(routes: list, prefix: str) -> None:
        for route in routes:
            context = getattr(route, "include_context", None)
            if context is not None:  # FastAPI >= 0.16x keeps included routers as they are
                walk(route.original_router.routes, prefix + context.prefix)
                continue
            methods = getattr(route, "methods", None)
            if not methods:
                continue  # mounts (static files)
            for method in methods - {"HEAD"}:
                found.add((method, prefix + route.path))

    walk(app.routes, "")
    return {r for r in found if not r[1].startswith(("/docs", "/redoc", "/openapi.json"))}


@pytest.fixture(scope="session")
def route_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """An app instance to enumerate routes from (nothing is served from it)."""
    return create_app(Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('routes') / 'routes.db'}"))


def serve(kind: str, name: str, *, secure_cookies: bool = False) -> Iterator[Api]:
    """A seeded server (uvicorn in a thread) on a fresh SQLite file or PostgreSQL database `name`."""
    directory = Path(tempfile.mkdtemp(prefix="carecluster-reliability-"))
    url = f"sqlite:///{directory / 'carecluster.db'}" if kind == "sqlite" else postgres().create_database(name)
    app = create_app(Settings(database_url=url, secure_cookies=secure_cookies))
    # Cheap argon2 parameters for the seeded staff: these tests sign in hundreds of times, and
    # the production parameters (about 0.3 s a verification here) would make them minutes long.
    # Verification reads the parameters from each hash, so only the cost changes, not the code path.
    original = security.HASHER
    security.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        teams, users = _seed(app.state.db)
    finally:
        security.HASHER = original
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    instance = Api(base_url=f"http://127.0.0.1:{port}", backend=kind, db=app.state.db, team=teams, user=users)
    try:
        yield instance
    finally:
        for client in instance.clients.values():
            client.close()
        server.should_exit = True
        thread.join(timeout=20)
        app.state.db.dispose()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest) -> Iterator[Api]:
    yield from serve(request.param, "reliability_tests")


_web: dict[tuple[str, str], tuple[httpx.Client, str]] = {}


def web_client(api: Api, who: str) -> tuple[httpx.Client, str]:
    """A browser-like client signed in to the web pages as `who`, and its CSRF token."""
    from carecluster.web.session import csrf_token_for

    key = (api.base_url, who)
    if key not in _web:
        client = httpx.Client(base_url=api.base_url, timeout=30, follow_redirects=False)
        signed = client.post("/api/v1/session", data={"username": who, "password": PASSWORD})
        assert signed.status_code == 204, signed.text
        _web[key] = (client, csrf_token_for(client.cookies[SESSION_COOKIE]))
    return _web[key]
