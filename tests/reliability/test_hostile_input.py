"""Hostile input over real HTTP on both databases: generated bad payloads on the allocation and
review endpoints, HTML injection in every free-text field shown on a page, SQL injection in every
filter and path, and oversize bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from carecluster.http.limits import DEFAULT_MAX_BODY_BYTES
from carecluster.store.models import Record, User
from tests.http.conftest import Api, nhs_number
from tests.reliability.conftest import web_client

RATINGS = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]
PAYLOAD = "<script>alert('cc-xss')</script><img src=x onerror=alert(1)>\"'&"
RAW_MARKERS = ("<script>alert('cc-xss')", "<img src=x onerror")
BOUNDED = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=20) | st.dictionaries(st.text(max_size=8), inner, max_size=6),
    max_leaves=40,
)
rating_like = st.one_of(
    st.integers(min_value=-5, max_value=12),
    st.sampled_from(["0", "4", "9", "2B", "2J", "x", "", " 3 ", "4.0", "-1", "1e3", "\u0663"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
)
ratings = st.one_of(
    st.lists(rating_like, min_size=0, max_size=22),
    st.dictionaries(st.sampled_from([*"123456789", "10", "11", "12", "13", *"ABCDEFZ"]), rating_like, max_size=20),
    st.text(max_size=60),
    json_values,
)
engine_body = st.fixed_dictionaries(
    {"ratings": ratings},
    optional={
        "super_class": st.sampled_from(["non-psychotic", "psychotic", "organic", "x", "", None]) | json_values,
        "heading": st.text(max_size=20) | json_values,
        "problem_type": st.text(max_size=3) | json_values,
        "problem_description": st.text(max_size=50) | json_values,
        "current_cluster": st.integers(min_value=-3, max_value=30) | json_values,
        "chosen_cluster": st.integers(min_value=-3, max_value=30) | json_values,
        "facts": st.dictionaries(st.text(max_size=30), st.none() | st.booleans() | json_values, max_size=5),
        "history": st.lists(
            st.fixed_dictionaries({"date": st.text(max_size=12) | st.dates().map(str), "ratings": ratings}), max_size=3
        )
        | json_values,
        "on": st.dates().map(str) | st.text(max_size=12),
        "assessed_on": st.dates().map(str) | st.text(max_size=12),
        "reviewed_on": st.dates().map(str) | st.text(max_size=12),
        "reason": st.text(max_size=50) | json_values,
        "clustering_event": st.text(max_size=20) | json_values,
        "unexpected": json_values,
    },
)


JSON = {"Content-Type": "application/json"}


def _json(body: Any) -> bytes:
    """Python's JSON, NaN and Infinity included: non-standard tokens a hostile client may send."""
    return json.dumps(body).encode()


def _acceptable(response: httpx.Response) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    assert response.status_code in (200, 201, 409, 422), f"{response.status_code}: {response.text[:500]}"
    body = response.json()
    if response.status_code == 422:
        assert all("loc" in fault and "msg" in fault for fault in body["detail"]), body


def test_generated_bad_payloads_on_the_engines(live: Api) -> None:
    client = live.as_("clin_a")

    @BOUNDED
    @given(body=engine_body, endpoint=st.sampled_from(["/api/v1/allocate", "/api/v1/review"]))
    def check(body: dict[str, Any], endpoint: str) -> None:
        response = client.post(endpoint, content=_json(body), headers=JSON)
        _acceptable(response)
        if response.status_code == 200 and endpoint.endswith("allocate"):
            assert 0 <= response.json()["suggested_cluster"] <= 21

    check()


def test_generated_bad_payloads_on_stored_assessments_and_reviews(live: Api) -> None:
    """The same on the endpoints that store: a refusal stores nothing, an acceptance stores it whole."""
    client = live.as_("clin_a")
    su = live.service_user(clinician_id=live.user["clin_a"])["id"]
    seeded = client.post(
        f"/api/v1/service-users/{su}/assessments",
        json={"ratings": RATINGS, "assessed_on": str(date.today()), "chosen_cluster": 4, "reason": "fuzz base"},
    )
    assert seeded.status_code == 201, seeded.text

    @BOUNDED
    @given(body=engine_body, kind=st.sampled_from(["assessments", "reviews"]))
    def check(body: dict[str, Any], kind: str) -> None:
        before = _records(live)
        response = client.post(f"/api/v1/service-users/{su}/{kind}", content=_json(body), headers=JSON)
        _acceptable(response)
        if response.status_code >= 400:
            assert _records(live) == before, "a refused request stored something"

    check()


def _records(api: Api) -> int:
    with api.db.transaction(write=False) as session:
        return session.scalar(select(func.count()).select_from(Record)) or 0


def _pages_show_escaped(client: httpx.Client, paths: list[str]) -> int:
    """Assert no page carries the payload raw; return how many show it escaped."""
    shown = 0
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200, f"{path}: {page.status_code}"
        for marker in RAW_MARKERS:
            assert marker not in page.text, f"{path} shows unescaped input: {marker}"
        shown += "&lt;script&gt;alert(" in page.text
    return shown


def test_html_injection_in_every_free_text_field_is_shown_escaped(live: Api) -> None:
    """Names, reasons, descriptions and amendment reasons are stored as typed and shown as text."""
    clin = live.as_("clin_a")
    su = live.service_user(name=PAYLOAD, clinician_id=live.user["clin_a"])["id"]
    today = str(date.today())
    assessed = clin.post(
        f"/api/v1/service-users/{su}/assessments",
        json={
            "ratings": RATINGS,
            "problem_type": "J",
            "problem_description": PAYLOAD,
            "assessed_on": today,
            "chosen_cluster": 4,
            "reason": PAYLOAD,
        },
    )
    assert assessed.status_code == 201, assessed.text
    allocation = assessed.json()["allocation"]["id"]
    assert (
        clin.post(
            f"/api/v1/service-users/{su}/amendments", json={"name": PAYLOAD + "2", "amend_reason": PAYLOAD}
        ).status_code
        == 201
    )
    review = clin.post(
        f"/api/v1/service-users/{su}/reviews", json={"ratings": RATINGS, "reviewed_on": today, "reason": PAYLOAD}
    )
    assert review.status_code == 201, review.text
    episode = clin.post(f"/api/v1/service-users/{su}/episodes", json={"referral_date": today})
    assert episode.status_code == 201, episode.text
    admin = live.as_("admin")
    team = admin.post("/api/v1/teams", json={"code": f"X{nhs_number()}", "name": PAYLOAD})
    assert team.status_code == 201, team.text
    user = admin.post(
        "/api/v1/users",
        json={
            "username": f"xss.{nhs_number()}",
            "full_name": PAYLOAD,
            "role": "clinician",
            "password": "a long password",
        },
    )
    assert user.status_code == 201, user.text

    browser, _token = web_client(live, "clin_a")
    clinical = [
        f"/service-users/{su}",
        "/service-users",
        f"/service-users?name={PAYLOAD[:8]}",
        "/caseload",
        f"/allocations/{allocation}",
        f"/service-users/{su}/assess",
        f"/service-users/{su}/outcomes",
    ]
    assert _pages_show_escaped(browser, clinical) >= 3
    admin_browser, _token = web_client(live, "admin")
    assert _pages_show_escaped(admin_browser, ["/admin/users", "/admin/teams"]) == 2
    # Error pages echo nothing raw either (a payload in the path and in the query).
    for path in (f"/service-users/{PAYLOAD}", f"/clusters/{PAYLOAD}", f"/sign-in?next={PAYLOAD}"):
        page = browser.get(path)
        assert page.status_code < 500
        for marker in RAW_MARKERS:
            assert marker not in page.text, path


INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "%' OR '%'='",
    "1; DROP TABLE users; --",
    "\\'; DELETE FROM audit_log; --",
    "' UNION SELECT password_hash FROM users --",
    '"; SELECT pg_sleep(5); --',
]


def _injected(values: list[str]) -> Iterator[tuple[str, dict[str, str]]]:
    for value in values:
        yield "/api/v1/service-users", {"name": value}
        yield "/api/v1/service-users", {"nhs_number": value}
        yield f"/api/v1/service-users/{value}", {}
        yield f"/api/v1/service-users/{value}/history", {}
        yield f"/api/v1/assessments/{value}", {}
        yield "/api/v1/audit", {"action": value, "entity": value}
        yield "/api/v1/audit", {"record_id": value, "service_user_id": value}


def test_sql_injection_attempts_are_harmless(live: Api) -> None:
    """Every filter and path id is a bound parameter: injections find nothing, break nothing, leak nothing."""
    other_team = live.service_user(who="clin_b", team="B")
    with live.db.transaction(write=False) as session:
        users_before = session.scalar(select(func.count()).select_from(User))
    for path, params in _injected(INJECTIONS):
        for who in ("clin_a", "auditor"):
            response = live.as_(who).get(path, params=params, timeout=10)
            assert response.status_code in (200, 403, 404, 422), f"{who} {path} {params}: {response.status_code}"
            if response.status_code == 200 and "items" in response.json() and path.endswith("service-users"):
                assert response.json()["total"] == 0, f"{path} {params} matched records"
    seen = live.as_("clin_a").get("/api/v1/service-users", params={"name": "%", "limit": 500}).json()["items"]
    assert other_team["id"] not in {s["id"] for s in seen}, "a wildcard search crossed into another team"
    with live.db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == users_before
    assert live.as_("auditor").get("/api/v1/audit").json()["total"] > 0  # the audit log is still there


def test_oversize_bodies_are_rejected(live: Api) -> None:
    client = live.as_("clin_a")
    big = {"ratings": RATINGS, "problem_description": "x" * (DEFAULT_MAX_BODY_BYTES + 10)}
    response = client.post("/api/v1/allocate", json=big)
    assert response.status_code == 413, response.text[:200]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted as the body streams
        yield b'{"ratings": [0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,0,1,1], "problem_description": "'
        for _ in range(40):
            yield b"y" * 65536
        yield b'"}'

    streamed = client.post("/api/v1/allocate", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    form = live.anonymous().post("/sign-in", data={"username": "a", "password": "p" * (DEFAULT_MAX_BODY_BYTES + 1)})
    assert form.status_code == 413
    fhir = client.post("/api/v1/fhir", content=b"{" + b" " * (DEFAULT_MAX_BODY_BYTES + 1) + b"}")
    assert fhir.status_code == 413
    # A large but legitimate body still goes through, and the server is still answering.
    fine = client.post(
        "/api/v1/allocate", json={"ratings": RATINGS, "problem_type": "J", "problem_description": "z" * 50_000}
    )
    assert fine.status_code == 200, fine.text[:200]
    assert live.anonymous().get("/healthz").status_code == 200
