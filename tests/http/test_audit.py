"""The audit trail records every read and change of a service user's record and cannot be edited."""

from __future__ import annotations

import pytest

from tests.http.conftest import Api


def events(api: Api, **params: str) -> list[dict]:
    response = api.as_("auditor").get("/api/v1/audit", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_reads_and_changes_are_logged_with_who_and_before_after(api: Api) -> None:
    su = api.service_user(name="Audited Person")
    api.as_("clin_a2").get(f"/api/v1/service-users/{su['id']}")
    api.as_("clin_a").post(
        f"/api/v1/service-users/{su['id']}/amendments", json={"name": "Audited Persona", "amend_reason": "spelling"}
    )
    logged = events(api, service_user_id=su["id"])
    by_action = {e["action"]: e for e in logged}
    assert by_action["create"]["username"] == "clin_a"
    assert by_action["create"]["after"]["name"] == "Audited Person"
    assert by_action["read"]["username"] == "clin_a2"
    assert by_action["read"]["role"] == "clinician"
    amend = by_action["amend"]
    assert amend["before"]["name"] == "Audited Person"
    assert amend["after"]["name"] == "Audited Persona"
    assert amend["detail"] == "spelling"
    assert amend["at"]


def test_the_audit_log_is_filtered_and_paged(api: Api) -> None:
    su = api.service_user()
    for _ in range(3):
        api.as_("clin_a").get(f"/api/v1/service-users/{su['id']}")
    page = (
        api.as_("admin").get("/api/v1/audit", params={"service_user_id": su["id"], "action": "read", "limit": 2}).json()
    )
    assert page["total"] == 3
    assert len(page["items"]) == 2
    assert events(api, user_id=str(api.user["clin_a"]), action="read", service_user_id=su["id"])


def test_time_filters_take_iso_text_only(api: Api) -> None:
    su = api.service_user()
    api.as_("clin_a").get(f"/api/v1/service-users/{su['id']}")
    assert events(api, service_user_id=su["id"], action="read", since="2000-01-01")
    assert not events(api, service_user_id=su["id"], action="read", until="2000-01-01T00:00:00Z")
    refused = api.as_("auditor").get("/api/v1/audit", params={"until": "-2628333"})
    assert refused.status_code == 422
    assert "ISO 8601" in refused.text


def test_failed_logins_are_logged(api: Api) -> None:
    api.login("clin_b", "not the password")
    assert any(e["username"] == "clin_b" for e in events(api, action="login_failed"))


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_no_interface_edits_the_audit_log(api: Api, method: str) -> None:
    entry = events(api)[0]
    client = api.as_("admin")
    assert client.request(method, "/api/v1/audit", json={}).status_code == 405
    assert client.request(method, f"/api/v1/audit/{entry['id']}", json={}).status_code in (404, 405)
