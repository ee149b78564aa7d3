"""The API under test runs for real: uvicorn on a loopback port, once per database backend,
with a small staff seeded (one user per role, two teams), and httpx clients for each role."""

from __future__ import annotations

import random
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from carecluster.http import Settings, create_app
from carecluster.service.nhs import synthetic_nhs_numbers
from carecluster.service.security import hash_password
from carecluster.store.db import Database, now
from carecluster.store.models import Team, User, UserTeam
from tests.store.postgres import free_port, postgres

PASSWORD = "correct-horse-battery"
STAFF: dict[str, tuple[str, tuple[str, ...]]] = {
    "clin_a": ("clinician", ("A",)),
    "clin_a2": ("clinician", ("A",)),
    "clin_b": ("clinician", ("B",)),
    "lead_a": ("team_lead", ("A",)),
    "auditor": ("auditor", ()),
    "admin": ("admin", ()),
    "guesser": ("clinician", ("A",)),
    "locked": ("clinician", ("B",)),
}
_numbers = iter(synthetic_nhs_numbers(random.Random(7), 5000))


def nhs_number() -> str:
    return next(_numbers)


@dataclass
class Api:
    base_url: str
    backend: str
    db: Database
    team: dict[str, int] = field(default_factory=dict)
    user: dict[str, int] = field(default_factory=dict)
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def anonymous(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        with self.anonymous() as client:
            return client.post("/api/v1/token", data={"username": username, "password": password})

    def as_(self, who: str) -> httpx.Client:
        if who not in self.clients:
            response = self.login(who)
            assert response.status_code == 200, response.text
            token = response.json()["access_token"]
            # `If-Match: *` - these shared clients amend whatever version is current; the tests of
            # optimistic concurrency (tests/http/test_concurrency.py) use clients without it.
            self.clients[who] = httpx.Client(
                base_url=self.base_url,
                headers={"Authorization": f"Bearer {token}", "If-Match": "*"},
                timeout=30,
            )
        return self.clients[who]

    def service_user(self, who: str = "clin_a", team: str = "A", **extra: Any) -> dict[str, Any]:
        body = {
            "nhs_number": nhs_number(),
            "name": "Test Person",
            "date_of_birth": "1980-05-17",
            "team_id": self.team[team],
            **extra,
        }
        response = self.as_(who).post("/api/v1/service-users", json=body)
        assert response.status_code == 201, response.text
        return response.json()


def _seed(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    pw_hash = hash_password(PASSWORD)
    with db.transaction() as session:
        teams = {code: Team(code=code, name=f"Team {code}", created_at=now()) for code in ("A", "B")}
        session.add_all(teams.values())
        session.flush()
        users = {}
        for username, (role, codes) in STAFF.items():
            user = User(
                username=username,
                full_name=username.replace("_", " ").title(),
                role=role,
                password_hash=pw_hash,
                active=True,
                failed_logins=0,
                created_at=now(),
            )
            session.add(user)
            session.flush()
            session.add_all(UserTeam(user_id=user.id, team_id=teams[c].id) for c in codes)
            users[username] = user.id
        return {c: t.id for c, t in teams.items()}, users


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    directory = Path(tempfile.mkdtemp(prefix="carecluster-http-"))
    if request.param == "sqlite":
        url = f"sqlite:///{directory / 'carecluster.db'}"
    else:
        url = postgres().create_database("http_tests")
    app = create_app(Settings(database_url=url))
    teams, users = _seed(app.state.db)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    instance = Api(base_url=f"http://127.0.0.1:{port}", backend=request.param, db=app.state.db, team=teams, user=users)
    yield instance
    for client in instance.clients.values():
        client.close()
    server.should_exit = True
    thread.join(timeout=20)
    shutil.rmtree(directory, ignore_errors=True)
