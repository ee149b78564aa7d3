"""Each role's allowed and forbidden actions, over real HTTP.

clinician: own teams' service users only (others are not found); team lead: their teams'
caseloads; auditor: reads across teams, changes nothing; admin: users and teams, no clinical records.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.http.conftest import Api, nhs_number

RATINGS = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]


def new_su_body(api: Api, team: str = "A") -> dict:
    return {"nhs_number": nhs_number(), "name": "Role Test", "date_of_birth": "1990-02-03", "team_id": api.team[team]}


@pytest.mark.parametrize(
    ("who", "status"), [("clin_a", 200), ("lead_a", 200), ("auditor", 200), ("clin_b", 404), ("admin", 403)]
)
def test_who_may_read_a_team_a_service_user(api: Api, who: str, status: int) -> None:
    su = api.service_user(team="A")
    assert api.as_(who).get(f"/api/v1/service-users/{su['id']}").status_code == status
    assert api.as_(who).get(f"/api/v1/service-users/{su['id']}/history").status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [("clin_a", 201), ("lead_a", 201), ("clin_b", 404), ("auditor", 403), ("admin", 403)]
)
def test_who_may_amend_and_assess_a_team_a_service_user(api: Api, who: str, status: int) -> None:
    su = api.service_user(team="A")
    client = api.as_(who)
    amended = client.post(f"/api/v1/service-users/{su['id']}/amendments", json={"name": "New", "amend_reason": "test"})
    assert amended.status_code == status
    assessed = client.post(
        f"/api/v1/service-users/{su['id']}/assessments",
        json={"ratings": RATINGS, "assessed_on": str(date.today()), "super_class": "non-psychotic"},
    )
    assert assessed.status_code == status


@pytest.mark.parametrize(
    ("who", "team", "status"), [("clin_a", "A", 201), ("clin_a", "B", 403), ("auditor", "A", 403), ("admin", "A", 403)]
)
def test_who_may_create_a_service_user_in_a_team(api: Api, who: str, team: str, status: int) -> None:
    assert api.as_(who).post("/api/v1/service-users", json=new_su_body(api, team)).status_code == status


def test_lists_show_only_own_teams_but_everything_to_the_auditor(api: Api) -> None:
    a, b = api.service_user(team="A"), api.service_user(who="clin_b", team="B")
    seen_by_a = {
        i["team_id"] for i in api.as_("clin_a").get("/api/v1/service-users", params={"limit": 500}).json()["items"]
    }
    assert seen_by_a == {api.team["A"]}
    for su in (a, b):
        got = api.as_("auditor").get("/api/v1/service-users", params={"nhs_number": su["nhs_number"]}).json()
        assert got["total"] == 1
    assert api.as_("admin").get("/api/v1/service-users").status_code == 403


def test_child_records_follow_their_service_user(api: Api) -> None:
    su = api.service_user(team="A")
    created = (
        api.as_("clin_a")
        .post(
            f"/api/v1/service-users/{su['id']}/assessments",
            json={"ratings": RATINGS, "assessed_on": str(date.today()), "super_class": "non-psychotic"},
        )
        .json()
    )
    allocation = created["allocation"]["id"]
    assert api.as_("clin_b").get(f"/api/v1/allocations/{allocation}").status_code == 404
    assert (
        api.as_("clin_b").post(f"/api/v1/allocations/{allocation}/choice", json={"chosen_cluster": 4}).status_code
        == 404
    )
    assert api.as_("auditor").get(f"/api/v1/allocations/{allocation}").status_code == 200
    assert (
        api.as_("auditor").post(f"/api/v1/allocations/{allocation}/choice", json={"chosen_cluster": 4}).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("who", "params", "status"),
    [
        ("lead_a", {"team_id": "A"}, 200),
        ("lead_a", {"clinician_id": "clin_a"}, 200),
        ("lead_a", {"team_id": "B"}, 403),
        ("lead_a", {"clinician_id": "clin_b"}, 403),
        ("clin_a", {"team_id": "A"}, 200),
        ("clin_a", {"clinician_id": "clin_a"}, 200),
        ("clin_a", {"clinician_id": "clin_a2"}, 403),
        ("auditor", {"team_id": "B"}, 200),
        ("admin", {"team_id": "A"}, 403),
    ],
)
def test_caseload_access(api: Api, who: str, params: dict[str, str], status: int) -> None:
    query = {k: api.team[v] if k == "team_id" else api.user[v] for k, v in params.items()}
    assert api.as_(who).get("/api/v1/caseload", params=query).status_code == status


@pytest.mark.parametrize(("who", "status"), [("admin", 201), ("clin_a", 403), ("lead_a", 403), ("auditor", 403)])
def test_only_admins_manage_users_and_teams(api: Api, who: str, status: int) -> None:
    client = api.as_(who)
    suffix = nhs_number()
    team = client.post("/api/v1/teams", json={"code": f"T{suffix}", "name": "New team"})
    assert team.status_code == status
    user = client.post(
        "/api/v1/users",
        json={
            "username": f"new.{suffix}",
            "full_name": "New User",
            "role": "clinician",
            "password": "a long enough password",
            "team_ids": [api.team["A"]],
        },
    )
    assert user.status_code == status
    if status == 201:
        changed = client.patch(f"/api/v1/users/{user.json()['id']}", json={"role": "team_lead"})
        assert changed.status_code == 200
        assert changed.json()["role"] == "team_lead"
        assert api.login(f"new.{suffix}", "a long enough password").status_code == 200
        assert client.get("/api/v1/users", params={"role": "auditor"}).json()["total"] >= 1
    else:
        assert client.get("/api/v1/users").status_code == 403


def test_deactivated_users_cannot_sign_in(api: Api) -> None:
    admin = api.as_("admin")
    suffix = nhs_number()
    body = {
        "username": f"leaver.{suffix}",
        "full_name": "Leaver",
        "role": "clinician",
        "password": "a long enough password",
    }
    user = admin.post("/api/v1/users", json=body).json()
    assert admin.patch(f"/api/v1/users/{user['id']}", json={"active": False}).status_code == 200
    assert api.login(body["username"], body["password"]).status_code == 401


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("auditor", 200), ("clin_a", 403), ("lead_a", 403)])
def test_who_may_read_the_audit_log(api: Api, who: str, status: int) -> None:
    assert api.as_(who).get("/api/v1/audit").status_code == status
