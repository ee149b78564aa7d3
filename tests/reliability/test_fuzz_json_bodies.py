"""Every JSON endpoint, fed hostile JSON (deep nesting, NaN and Infinity, numbers too large for any
column, wrong types at every level), answers 4xx and never a 5xx; the FHIR import answers with an
OperationOutcome. Read from the app's own OpenAPI document, so a new endpoint is fuzzed too."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecluster.http import Settings, create_app
from tests.http.conftest import PASSWORD, _seed

HOSTILE = [
    "[" * 50_000 + "]" * 50_000,
    '{"a":' * 5_000 + "1" + "}" * 5_000,
    "NaN",
    '{"name": NaN, "date_of_birth": Infinity, "team_id": -Infinity}',
    '{"team_id": 1e400, "chosen_cluster": 1e400}',
    '{"team_id": ' + "9" * 4_000 + "}",
    "[]",
    '"a string"',
    "null",
    "{}",
    '{"ratings": {"1": [[[[]]]]}, "answers": {"1": NaN}}',
    '{"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": NaN}]}',
    '{"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": 5}]}',
]
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
FIELDS = st.sampled_from(
    ["name", "nhs_number", "team_id", "ratings", "answers", "chosen_cluster", "amend_reason", "role", "resourceType"]
)
BODIES = st.dictionaries(FIELDS, VALUES, max_size=5) | VALUES


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, list[tuple[str, str]]]]:
    path = tmp_path_factory.mktemp("fuzz-json") / "fuzz.db"
    app = create_app(Settings(database_url=f"sqlite:///{path}"))
    _seed(app.state.db)
    operations = [
        (method.upper(), route)
        for route, item in app.openapi()["paths"].items()
        for method, spec in item.items()
        if "json" in " ".join((spec.get("requestBody") or {}).get("content", {}))
    ]
    _tokens.clear()
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, operations
    app.state.db.dispose()


_tokens: dict[str, str] = {}


def _headers(client: TestClient, path: str) -> dict[str, str]:
    who = "admin" if path.startswith(("/api/v1/users", "/api/v1/teams")) else "clin_a"
    if who not in _tokens:
        _tokens[who] = client.post("/api/v1/token", data={"username": who, "password": PASSWORD}).json()["access_token"]
    token = _tokens[who]
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "If-Match": '"1"'}


def _url(path: str) -> str:
    return path.replace("{record_id}", "0" * 32).replace("{user_id}", "1").replace("{measure_id}", "honos")


def test_there_are_json_endpoints_to_fuzz(site: tuple[TestClient, list[tuple[str, str]]]) -> None:
    _client, operations = site
    assert len(operations) >= 15, operations
    assert ("POST", "/api/v1/fhir") in operations


def test_hostile_json_never_gets_a_server_error(site: tuple[TestClient, list[tuple[str, str]]]) -> None:
    client, operations = site
    failures = []
    for method, path in operations:
        headers = _headers(client, path)
        for body in HOSTILE:
            response = client.request(method, _url(path), content=body, headers=headers)
            if response.status_code >= 500:
                failures.append(f"{method} {path} {body[:60]!r}: {response.status_code} {response.text[:200]}")
            if path == "/api/v1/fhir" and response.status_code >= 400:
                assert response.json()["resourceType"] == "OperationOutcome", response.text[:200]
    assert not failures, "\n".join(failures)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_generated_json_never_gets_a_server_error(site: tuple[TestClient, list[tuple[str, str]]], data) -> None:
    client, operations = site
    method, path = data.draw(st.sampled_from(operations))
    body = json.dumps(data.draw(BODIES))  # Python writes NaN and Infinity: hostile on purpose
    response = client.request(method, _url(path), content=body, headers=_headers(client, path))
    assert response.status_code < 500, (method, path, body[:200], response.text[:300])
