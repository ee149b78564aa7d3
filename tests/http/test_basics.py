"""Health, OpenAPI, sign-in, rate limiting and the stateless engines, over real HTTP."""

from __future__ import annotations

import httpx

from carecluster.http.runtime import SESSION_COOKIE
from tests.http.conftest import PASSWORD, Api

RATINGS = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]


def test_healthz_names_the_database(api: Api) -> None:
    with api.anonymous() as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == api.backend


def test_openapi_documents_the_versioned_api(api: Api) -> None:
    with api.anonymous() as client:
        assert client.get("/docs").status_code == 200
        paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/allocate", "/api/v1/review", "/api/v1/token", "/api/v1/caseload"} <= set(paths)


def test_login_issues_a_bearer_token_and_rejects_a_wrong_password(api: Api) -> None:
    ok = api.login("clin_a")
    assert ok.status_code == 200
    assert ok.json()["token_type"] == "bearer"
    me = httpx.get(f"{api.base_url}/api/v1/me", headers={"Authorization": f"Bearer {ok.json()['access_token']}"})
    assert me.json()["username"] == "clin_a"
    assert me.json()["team_ids"] == [api.team["A"]]
    assert api.login("clin_a", "wrong password").status_code == 401
    assert api.login("nobody-by-this-name").status_code == 401


def test_requests_without_a_valid_token_are_401(api: Api) -> None:
    with api.anonymous() as client:
        assert client.get("/api/v1/service-users").status_code == 401
        bad = client.get("/api/v1/service-users", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


def test_failed_logins_are_throttled_for_the_guessing_client_only(api: Api) -> None:
    from carecluster.service.throttle import FREE_FAILURES

    codes = [api.login("guesser", f"guess {n}").status_code for n in range(FREE_FAILURES + 1)]
    assert codes == [401] * FREE_FAILURES + [429]
    refused = api.login("guesser")
    assert refused.status_code == 429  # even the right password waits out this client's delay
    assert 1 <= int(refused.headers["Retry-After"]) <= 2


def test_session_cookie_signs_in_and_out(api: Api) -> None:
    with api.anonymous() as client:
        response = client.post("/api/v1/session", data={"username": "clin_b", "password": PASSWORD})
        assert response.status_code == 204
        assert "httponly" in response.headers["set-cookie"].lower()
        cookie = client.cookies[SESSION_COOKIE]
        assert client.get("/api/v1/me").json()["username"] == "clin_b"
        body = {"nhs_number": "9990000018", "name": "X", "date_of_birth": "1990-01-01", "team_id": api.team["B"]}
        forged = client.post("/api/v1/service-users", json=body, headers={"Origin": "https://evil.example"})
        assert forged.status_code == 403
        assert client.delete("/api/v1/session").status_code == 204
    with api.anonymous() as later:  # the old cookie no longer works: the server forgot it
        later.cookies.set(SESSION_COOKIE, cookie)
        assert later.get("/api/v1/me").status_code == 401


def test_allocate_endpoint_returns_the_allocation_contract(api: Api) -> None:
    response = api.as_("clin_a").post("/api/v1/allocate", json={"ratings": RATINGS, "super_class": "non-psychotic"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["suggested_cluster"] == 4
    assert body["candidates"][0]["cluster"] == 4
    assert body["explanation"]
    assert body["reference_id"]
    assert body["reference_version"]


def test_allocate_rejects_a_bad_rating_naming_the_field_and_scale(api: Api) -> None:
    bad = [*RATINGS[:-1], 7]
    response = api.as_("clin_a").post("/api/v1/allocate", json={"ratings": bad})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "ratings"]
    assert "scale E" in detail[0]["msg"]
    assert "7" in detail[0]["msg"]


def test_review_endpoint_applies_the_protocol(api: Api) -> None:
    response = api.as_("clin_a").post(
        "/api/v1/review", json={"current_cluster": 4, "ratings": RATINGS, "on": "2026-01-10", "chosen_cluster": 4}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["outcome"] in {"step_up", "discharge", "step_down", "no_change", "needs_answers"}
    assert body["criteria"]
    assert body["reference_id"]


def test_review_endpoint_leads_with_the_engines_disagreement_and_lists_scales_to_re_rate(api: Api) -> None:
    cognitive = [0, 0, 0, 3, 0, 0, 0, 2, 0, 2, 1, 2, 0, 0, 0, 0, 0, 0]  # cluster 3's protocol says stay
    body = api.as_("clin_a").post("/api/v1/review", json={"current_cluster": 3, "ratings": cognitive}).json()
    assert body["outcome"] == "no_change"
    assert (body["engine_check"]["cluster"], body["engine_check"]["transition"]) == (7, "rare")
    assert body["warnings"][0] == body["engine_check"]["message"]
    not_known = [0] * 18
    not_known[6] = 9
    body = api.as_("clin_a").post("/api/v1/review", json={"current_cluster": 2, "ratings": not_known}).json()
    assert body["outcome"] == "needs_answers"
    scale = next(q for q in body["questions"] if q["id"] == "scale_7")
    assert (scale["kind"], scale["answers"]) == ("not_known", ["0", "1", "2", "3", "4"])
