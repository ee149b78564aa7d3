"""Worklists over the API: each list holds exactly the people it should, with the link that clears it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from carecluster.domain.outcomes.honos import HONOS
from tests.http.conftest import Api

BASE = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # HoNOS total 10, non-psychotic: cluster 4
THRESHOLD = int(HONOS.reliable_change.value)  # type: ignore[union-attr]


def _raised(by: int) -> list[int]:
    """BASE with `by` added across HoNOS items 1-6 (each kept within 0-4)."""
    values = list(BASE)
    for item in range(6):
        step = min(by, 4 - values[item])
        values[item] += step
        by -= step
    assert by == 0
    return values


def _assess(api: Api, su: str, ratings: list[int], days_ago: int, super_class: str, chosen: int | None) -> dict:
    body: dict[str, Any] = {
        "ratings": ratings,
        "assessed_on": str(date.today() - timedelta(days=days_ago)),
        "super_class": super_class,
        "problem_type": "B",
    }
    if chosen is not None:
        body |= {"chosen_cluster": chosen, "reason": "worklist test"}
    response = api.as_("clin_a").post(f"/api/v1/service-users/{su}/assessments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _lists(api: Api, who: str = "lead_a") -> dict:
    response = api.as_(who).get("/api/v1/worklists", params={"team_id": api.team["A"]})
    assert response.status_code == 200, response.text
    return response.json()


def _ids(found: dict, key: str) -> dict[str, dict]:
    return {item["row"]["service_user_id"]: item for item in found["lists"][key]}


def test_each_list_holds_the_people_it_should(api: Api) -> None:
    worse = api.service_user(name="Worse Exactly")["id"]
    _assess(api, worse, BASE, 40, "non-psychotic", 4)
    _assess(api, worse, _raised(THRESHOLD), 10, "non-psychotic", None)
    steady = api.service_user(name="Worse Not Quite")["id"]
    _assess(api, steady, BASE, 40, "non-psychotic", 4)
    _assess(api, steady, _raised(THRESHOLD - 1), 10, "non-psychotic", 4)
    asked = api.service_user(name="Open Question")["id"]
    question = _assess(api, asked, BASE, 5, "psychotic", None)
    assert question["allocation"]["suggestion"]["status"] != "suggested"
    never = api.service_user(name="Never Clustered")["id"]

    found = _lists(api)
    assert found["counts"] == {key: len(items) for key, items in found["lists"].items()}

    deteriorating = _ids(found, "deteriorating")
    assert worse in deteriorating
    assert steady not in deteriorating
    assert deteriorating[worse]["why"] == f"HoNOS total {sum(BASE[:12])} to {sum(BASE[:12]) + THRESHOLD}"

    questions = _ids(found, "open_questions")
    assert questions[asked]["action"] == f"/allocations/{question['allocation']['id']}"
    assert steady not in questions

    never_clustered = _ids(found, "never_clustered")
    assert never_clustered[never]["action"] == f"/service-users/{never}/assess"
    assert worse not in never_clustered
    assert steady not in never_clustered
    assert asked in never_clustered  # a suggestion with no choice yet is not a cluster


def test_review_lists_agree_with_the_caseload(api: Api) -> None:
    su = api.service_user(name="Long Unreviewed")["id"]
    _assess(api, su, BASE, 400, "non-psychotic", 4)
    found = _lists(api)
    caseload = api.as_("lead_a").get("/api/v1/caseload", params={"team_id": api.team["A"], "limit": 500}).json()
    rows = {r["service_user_id"]: r for r in caseload["items"]}
    soon = date.today() + timedelta(days=14)
    overdue = {sid for sid, r in rows.items() if r["overdue"]}
    due_soon = {
        sid
        for sid, r in rows.items()
        if not r["overdue"] and r["next_review_due"] and date.fromisoformat(r["next_review_due"]) <= soon
    }
    assert su in overdue
    assert set(_ids(found, "overdue")) == overdue
    assert set(_ids(found, "due_soon")) == due_soon
    assert _ids(found, "overdue")[su]["action"].startswith(f"/review?su={su}")


def test_other_teams_and_admins_are_refused(api: Api) -> None:
    assert api.as_("clin_b").get("/api/v1/worklists", params={"team_id": api.team["A"]}).status_code in (403, 404)
    assert api.as_("admin").get("/api/v1/worklists", params={"team_id": api.team["A"]}).status_code == 403
