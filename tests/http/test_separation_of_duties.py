"""Separation of duties on accounts, and sessions that end when an account's terms change.

An admin cannot change its own role or deactivate itself; the last active admin cannot be
demoted; every account change is in the audit trail and on the admin page of account changes;
a new password, a new role or a deactivation signs the user out everywhere at once.
"""

from __future__ import annotations

import httpx
import pytest

from carecluster.service import people
from carecluster.service.context import Context
from carecluster.service.errors import Conflict
from carecluster.service.schemas import UserUpdate
from carecluster.service.security import Actor
from tests.http.conftest import Api, nhs_number

PASSWORD = "a long enough password"


def _new_user(api: Api, role: str = "clinician") -> tuple[int, str]:
    username = f"sod.{nhs_number()}"
    body = {"username": username, "full_name": "Separation Test", "role": role, "password": PASSWORD}
    if role in ("clinician", "team_lead"):
        body["team_ids"] = [api.team["A"]]
    response = api.as_("admin").post("/api/v1/users", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"], username


def _client(api: Api, username: str, password: str = PASSWORD) -> httpx.Client:
    response = api.login(username, password)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    return httpx.Client(base_url=api.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_an_admin_cannot_change_its_own_role_or_deactivate_itself(api: Api) -> None:
    user_id, username = _new_user(api, "admin")
    with _client(api, username) as own:
        for change in ({"role": "auditor"}, {"role": "clinician"}, {"active": False}):
            response = own.patch(f"/api/v1/users/{user_id}", json=change)
            assert response.status_code == 403, response.text
            assert "another admin" in response.json()["detail"]
        assert own.get("/api/v1/service-users").status_code == 403  # still no clinical access
        assert own.patch(f"/api/v1/users/{user_id}", json={"full_name": "Renamed Admin"}).status_code == 200
    me = api.as_("admin").get(f"/api/v1/users/{user_id}").json()
    assert (me["role"], me["active"], me["full_name"]) == ("admin", True, "Renamed Admin")


def test_the_last_active_admin_cannot_be_demoted(api: Api) -> None:
    """Two admins demoting each other at once: the second change finds itself the last admin."""
    first, _ = _new_user(api, "admin")
    second, _ = _new_user(api, "admin")
    with api.db.transaction() as session:
        from sqlalchemy import update

        from carecluster.store.models import User

        # Only these two admins are active for the length of this transaction.
        session.execute(update(User).where(User.role == "admin", User.id.not_in((first, second))).values(active=False))
        ctx = Context(session=session, actor=Actor(first, "a", "admin", frozenset()), reference=None, client="test")  # type: ignore[arg-type]
        people.update_user(ctx, second, UserUpdate(role="auditor"))
        stale = Context(session=session, actor=Actor(second, "b", "admin", frozenset()), reference=None, client="t")  # type: ignore[arg-type]
        with pytest.raises(Conflict, match="last active admin"):
            people.update_user(stale, first, UserUpdate(active=False))
        with pytest.raises(Conflict, match="last active admin"):
            people.update_user(stale, first, UserUpdate(role="clinician"))
        session.rollback()


@pytest.mark.parametrize("field", ["full_name", "role", "active", "password", "team_ids"])
def test_null_fields_are_a_validation_error_not_a_conflict(api: Api, field: str) -> None:
    user_id, _ = _new_user(api)
    response = api.as_("admin").patch(f"/api/v1/users/{user_id}", json={field: None})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", field]


@pytest.mark.parametrize(
    "change",
    [{"password": "another long password"}, {"role": "team_lead"}, {"active": False}],
    ids=["password", "role", "deactivation"],
)
def test_sessions_and_tokens_end_when_the_account_changes(api: Api, change: dict) -> None:
    user_id, username = _new_user(api)
    with _client(api, username) as first, _client(api, username) as second:
        assert first.get("/api/v1/me").status_code == 200
        assert api.as_("admin").patch(f"/api/v1/users/{user_id}", json=change).status_code == 200
        assert first.get("/api/v1/me").status_code == 401
        assert second.get("/api/v1/service-users").status_code == 401


def test_a_name_change_keeps_sessions(api: Api) -> None:
    user_id, username = _new_user(api)
    with _client(api, username) as client:
        assert api.as_("admin").patch(f"/api/v1/users/{user_id}", json={"full_name": "New Name"}).status_code == 200
        assert client.get("/api/v1/me").status_code == 200


def test_account_changes_are_audited_with_what_changed(api: Api) -> None:
    user_id, _ = _new_user(api)
    assert api.as_("admin").patch(f"/api/v1/users/{user_id}", json={"role": "auditor", "team_ids": []}).status_code
    events = api.as_("admin").get("/api/v1/audit", params={"entity": "user", "record_id": str(user_id)}).json()
    update = next(e for e in events["items"] if e["action"] == "update")
    assert update["before"]["role"] == "clinician"
    assert update["after"]["role"] == "auditor"
    assert "role 'clinician' -> 'auditor'" in update["detail"]
    assert "sessions ended" in update["detail"]
