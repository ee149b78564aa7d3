"""Clinical records over real HTTP: create, read, validate, amend with history, allocate, choose,
review, caseload, and idempotent retries."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from tests.http.conftest import Api, nhs_number

RATINGS = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # suggests cluster 4 (non-psychotic)
TODAY = date.today()


def assess(api: Api, su: dict[str, Any], who: str = "clin_a", **extra: Any) -> Any:
    body = {"ratings": RATINGS, "super_class": "non-psychotic", "assessed_on": str(TODAY - timedelta(days=200))}
    return api.as_(who).post(f"/api/v1/service-users/{su['id']}/assessments", json=body | extra)


def test_service_user_is_created_read_and_listed(api: Api) -> None:
    su = api.service_user(name="Ada Example", clinician_id=api.user["clin_a"])
    assert su["version"] == 1
    assert su["amend_reason"] is None
    client = api.as_("clin_a")
    assert client.get(f"/api/v1/service-users/{su['id']}").json()["name"] == "Ada Example"
    listed = client.get("/api/v1/service-users", params={"nhs_number": su["nhs_number"]}).json()
    assert [i["id"] for i in listed["items"]] == [su["id"]]
    assert listed["total"] == 1


def test_listing_pages_and_filters(api: Api) -> None:
    marker = uuid.uuid4().hex[:8]
    for _ in range(3):
        api.service_user(name=f"Paged {marker}")
    client = api.as_("clin_a")
    first = client.get("/api/v1/service-users", params={"name": marker, "limit": 2}).json()
    second = client.get("/api/v1/service-users", params={"name": marker, "limit": 2, "offset": 2}).json()
    assert first["total"] == 3
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    assert client.get("/api/v1/service-users", params={"limit": 0}).status_code == 422


def test_invalid_nhs_number_is_a_field_level_422(api: Api) -> None:
    valid = nhs_number()
    wrong_check = valid[:9] + str((int(valid[9]) + 1) % 10)
    body = {"nhs_number": wrong_check, "name": "X", "date_of_birth": "1980-01-01", "team_id": api.team["A"]}
    response = api.as_("clin_a").post("/api/v1/service-users", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "nhs_number"]
    assert "check digit" in detail[0]["msg"]
    missing = api.as_("clin_a").post("/api/v1/service-users", json={"name": "X"})
    assert {tuple(d["loc"]) for d in missing.json()["detail"]} >= {("body", "nhs_number"), ("body", "team_id")}


def test_the_same_nhs_number_cannot_be_recorded_twice(api: Api) -> None:
    su = api.service_user()
    body = {"nhs_number": su["nhs_number"], "name": "Twin", "date_of_birth": "1980-01-01", "team_id": api.team["A"]}
    assert api.as_("clin_a").post("/api/v1/service-users", json=body).status_code == 409


def test_amendment_creates_a_new_version_with_who_when_and_why(api: Api) -> None:
    su = api.service_user(name="Misspelt Nmae")
    client = api.as_("clin_a2")
    amended = client.post(
        f"/api/v1/service-users/{su['id']}/amendments", json={"name": "Misspelt Name", "amend_reason": "typo in name"}
    )
    assert amended.status_code == 201, amended.text
    assert amended.json()["version"] == 2
    assert amended.json()["recorded_by"] == api.user["clin_a2"]
    history = client.get(f"/api/v1/service-users/{su['id']}/history").json()
    assert [(v["version"], v["name"], v["amend_reason"]) for v in history] == [
        (1, "Misspelt Nmae", None),
        (2, "Misspelt Name", "typo in name"),
    ]
    assert history[0]["superseded_at"] is not None
    assert history[1]["superseded_at"] is None
    assert client.get(f"/api/v1/service-users/{su['id']}").json()["name"] == "Misspelt Name"
    no_reason = client.post(f"/api/v1/service-users/{su['id']}/amendments", json={"name": "Other"})
    assert no_reason.status_code == 422
    assert no_reason.json()["detail"][0]["loc"] == ["body", "amend_reason"]


def test_assessment_stores_the_allocation_with_its_reference_set(api: Api) -> None:
    su = api.service_user()
    response = assess(api, su, chosen_cluster=4)
    assert response.status_code == 201, response.text
    body = response.json()
    allocation = body["allocation"]
    assert body["assessment"]["ratings"] == RATINGS
    assert body["assessment"]["rater_id"] == api.user["clin_a"]
    assert allocation["suggested_cluster"] == 4
    assert allocation["chosen_cluster"] == 4
    assert allocation["reason"] is None
    assert allocation["reason_required"] == []
    assert allocation["suggestion"]["explanation"]
    assert allocation["suggestion"]["candidates"]
    assert allocation["reference_id"] == allocation["suggestion"]["reference_id"]
    assert allocation["reference_version"] == allocation["suggestion"]["reference_version"]
    periods = api.as_("clin_a").get(f"/api/v1/service-users/{su['id']}/assignment-periods").json()["items"]
    assert [(p["cluster"], p["end_date"]) for p in periods] == [(4, None)]


def test_a_choice_that_differs_needs_a_reason(api: Api) -> None:
    su = api.service_user()
    refused = assess(api, su, chosen_cluster=3)
    assert refused.status_code == 422
    detail = refused.json()["detail"][0]
    assert detail["loc"] == ["body", "reason"]
    assert "differs from the suggested cluster 4" in detail["msg"]
    accepted = assess(api, su, chosen_cluster=3, reason="Clinical judgement: anxiety is secondary.")
    assert accepted.status_code == 201
    why = {w["code"] for w in accepted.json()["allocation"]["reason_required"]}
    assert "differs_from_suggestion" in why


def test_a_red_breach_is_recorded_as_a_reason_requirement(api: Api) -> None:
    su = api.service_user()
    response = assess(api, su, chosen_cluster=16, reason="Known history of dual diagnosis.")
    assert response.status_code == 201, response.text
    codes = {w["code"] for w in response.json()["allocation"]["reason_required"]}
    assert {"differs_from_suggestion", "red_breach"} <= codes


def test_cluster_nine_can_never_be_chosen(api: Api) -> None:
    su = api.service_user()
    response = assess(api, su, chosen_cluster=9, reason="trying anyway")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "chosen_cluster"]


def test_choice_made_later_and_changed_keeps_history_and_periods(api: Api) -> None:
    su = api.service_user()
    created = assess(api, su).json()
    allocation_id = created["allocation"]["id"]
    assert created["allocation"]["chosen_cluster"] is None
    client = api.as_("clin_a")
    first = client.post(f"/api/v1/allocations/{allocation_id}/choice", json={"chosen_cluster": 4})
    assert first.status_code == 201
    assert first.json()["version"] == 2
    no_why = client.post(f"/api/v1/allocations/{allocation_id}/choice", json={"chosen_cluster": 4})
    assert no_why.status_code == 422
    assert no_why.json()["detail"][0]["loc"] == ["body", "amend_reason"]
    changed = client.post(
        f"/api/v1/allocations/{allocation_id}/choice",
        json={"chosen_cluster": 5, "reason": "Depression is more severe.", "amend_reason": "second opinion"},
    )
    assert changed.status_code == 201, changed.text
    versions = client.get(f"/api/v1/allocations/{allocation_id}/history").json()
    assert [v["chosen_cluster"] for v in versions] == [None, 4, 5]
    periods = client.get(f"/api/v1/service-users/{su['id']}/assignment-periods").json()["items"]
    assert [(p["cluster"], p["version"]) for p in periods] == [(5, 2)]
    period_history = client.get(f"/api/v1/assignment-periods/{periods[0]['id']}/history").json()
    assert [p["cluster"] for p in period_history] == [4, 5]


def test_a_new_cluster_ends_the_previous_assignment_period(api: Api) -> None:
    su = api.service_user()
    assess(api, su, chosen_cluster=4, assessed_on=str(TODAY - timedelta(days=300)))
    later = str(TODAY - timedelta(days=100))
    assert assess(api, su, chosen_cluster=3, reason="improved", assessed_on=later).status_code == 201
    periods = api.as_("clin_a").get(f"/api/v1/service-users/{su['id']}/assignment-periods").json()["items"]
    spans = sorted((p["cluster"], p["end_date"]) for p in periods)
    assert spans == [(3, None), (4, later)]


def test_episode_discharge_is_an_amendment_that_ends_the_period(api: Api) -> None:
    su = api.service_user()
    client = api.as_("clin_a")
    episode = client.post(
        f"/api/v1/service-users/{su['id']}/episodes", json={"referral_date": str(TODAY - timedelta(days=400))}
    )
    assert episode.status_code == 201, episode.text
    assert assess(api, su, chosen_cluster=4).json()["assessment"]["episode_id"] == episode.json()["id"]
    discharge = str(TODAY - timedelta(days=10))
    amended = client.post(
        f"/api/v1/episodes/{episode.json()['id']}/amendments",
        json={"discharge_date": discharge, "discharge_reason": "recovered", "amend_reason": "discharged"},
    )
    assert amended.status_code == 201
    assert amended.json()["discharge_date"] == discharge
    periods = client.get(f"/api/v1/service-users/{su['id']}/assignment-periods").json()["items"]
    assert [p["end_date"] for p in periods] == [discharge]


def test_review_is_stored_with_its_protocol_outcome(api: Api) -> None:
    su = api.service_user()
    assess(api, su, chosen_cluster=4)
    response = api.as_("clin_a").post(
        f"/api/v1/service-users/{su['id']}/reviews",
        json={
            "ratings": RATINGS,
            "super_class": "non-psychotic",
            "reviewed_on": str(TODAY - timedelta(days=30)),
            "chosen_cluster": 4,
        },
    )
    assert response.status_code == 201, response.text
    review = response.json()["review"]
    assert review["current_cluster"] == 4
    assert review["outcome"] == review["result"]["outcome"]
    assert review["result"]["criteria"]
    assert review["result"]["reference_version"]
    listed = api.as_("clin_a").get(f"/api/v1/service-users/{su['id']}/reviews").json()
    assert [r["id"] for r in listed["items"]] == [review["id"]]


def test_review_without_a_current_cluster_is_422(api: Api) -> None:
    su = api.service_user()
    response = api.as_("clin_a").post(
        f"/api/v1/service-users/{su['id']}/reviews", json={"ratings": RATINGS, "reviewed_on": str(TODAY)}
    )
    assert response.status_code == 422


def test_caseload_shows_next_review_due_and_overdue(api: Api) -> None:
    lead = api.as_("lead_a")
    su = api.service_user(clinician_id=api.user["clin_a2"])
    assess(api, su, chosen_cluster=4, assessed_on=str(TODAY - timedelta(days=400)))
    rows = lead.get("/api/v1/caseload", params={"clinician_id": api.user["clin_a2"], "limit": 500}).json()["items"]
    row = next(r for r in rows if r["service_user_id"] == su["id"])
    assert row["cluster"] == 4
    assert row["overdue"] is True
    assert row["days_overdue"] > 0
    assert date.fromisoformat(row["next_review_due"]) < TODAY
    overdue = lead.get("/api/v1/caseload", params={"team_id": api.team["A"], "overdue": True, "limit": 500}).json()
    assert su["id"] in {r["service_user_id"] for r in overdue["items"]}
    assert all(r["overdue"] for r in overdue["items"])
    fresh = api.service_user(clinician_id=api.user["clin_a2"])
    assess(api, fresh, chosen_cluster=4, assessed_on=str(TODAY - timedelta(days=5)))
    not_due = lead.get("/api/v1/caseload", params={"team_id": api.team["A"], "overdue": False, "limit": 500}).json()
    assert fresh["id"] in {r["service_user_id"] for r in not_due["items"]}


def test_post_retried_with_the_same_idempotency_key_creates_one_record(api: Api) -> None:
    client = api.as_("clin_a")
    key = uuid.uuid4().hex
    body = {"nhs_number": nhs_number(), "name": "Once Only", "date_of_birth": "1970-01-01", "team_id": api.team["A"]}
    first = client.post("/api/v1/service-users", json=body, headers={"Idempotency-Key": key})
    again = client.post("/api/v1/service-users", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    found = client.get("/api/v1/service-users", params={"nhs_number": body["nhs_number"]}).json()
    assert found["total"] == 1
    other = client.post("/api/v1/service-users", json=body | {"name": "Changed"}, headers={"Idempotency-Key": key})
    assert other.status_code == 409


def test_idempotent_assessment_retry_creates_one_assessment(api: Api) -> None:
    su = api.service_user()
    key = uuid.uuid4().hex
    client = api.as_("clin_a")
    body = {"ratings": RATINGS, "super_class": "non-psychotic", "assessed_on": str(TODAY), "chosen_cluster": 4}
    url = f"/api/v1/service-users/{su['id']}/assessments"
    first = client.post(url, json=body, headers={"Idempotency-Key": key})
    second = client.post(url, json=body, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.json()["assessment"]["id"] == second.json()["assessment"]["id"]
    assert client.get(f"/api/v1/service-users/{su['id']}/assessments").json()["total"] == 1
    assert client.get(f"/api/v1/service-users/{su['id']}/allocations").json()["total"] == 1


def test_concurrent_retries_with_one_idempotency_key_create_one_record(api: Api) -> None:
    client = api.as_("clin_a")
    key = uuid.uuid4().hex
    body = {"nhs_number": nhs_number(), "name": "Raced", "date_of_birth": "1970-01-01", "team_id": api.team["A"]}
    with ThreadPoolExecutor(8) as pool:
        responses = list(
            pool.map(
                lambda _: client.post("/api/v1/service-users", json=body, headers={"Idempotency-Key": key}), range(8)
            )
        )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    found = client.get("/api/v1/service-users", params={"nhs_number": body["nhs_number"]}).json()
    assert found["total"] == 1


def test_concurrent_amendments_never_branch_history(api: Api) -> None:
    su = api.service_user()
    client = api.as_("clin_a")

    def amend(n: int) -> int:
        response = client.post(
            f"/api/v1/service-users/{su['id']}/amendments", json={"name": f"Name {n}", "amend_reason": f"change {n}"}
        )
        return response.status_code

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(amend, range(6)))
    assert set(codes) <= {201, 409}
    assert 201 in codes
    history = client.get(f"/api/v1/service-users/{su['id']}/history").json()
    assert [v["version"] for v in history] == list(range(1, codes.count(201) + 2))
    assert [v["superseded_at"] is None for v in history].count(True) == 1


def test_every_child_record_reads_by_id_and_an_assessment_is_amended_not_rewritten(api: Api) -> None:
    su = api.service_user()
    client = api.as_("clin_a")
    episode = client.post(
        f"/api/v1/service-users/{su['id']}/episodes", json={"referral_date": str(TODAY - timedelta(days=90))}
    ).json()
    created = assess(api, su, chosen_cluster=4).json()
    assessment_id = created["assessment"]["id"]
    amended = client.post(
        f"/api/v1/assessments/{assessment_id}/amendments",
        json={"assessed_on": str(TODAY - timedelta(days=60)), "amend_reason": "date entered wrongly"},
    )
    assert amended.status_code == 201, amended.text
    assert amended.json()["version"] == 2
    assert amended.json()["ratings"] == RATINGS
    no_ratings = client.post(
        f"/api/v1/assessments/{assessment_id}/amendments", json={"ratings": RATINGS, "amend_reason": "x" * 5}
    )
    assert no_ratings.status_code == 422  # corrected ratings are a new assessment with its own allocation
    history = client.get(f"/api/v1/assessments/{assessment_id}/history").json()
    assert [(h["version"], h["assessed_on"]) for h in history] == [
        (1, str(TODAY - timedelta(days=200))),
        (2, str(TODAY - timedelta(days=60))),
    ]
    for path, record_id in (
        ("episodes", episode["id"]),
        ("assessments", assessment_id),
        ("allocations", created["allocation"]["id"]),
    ):
        got = client.get(f"/api/v1/{path}/{record_id}")
        assert got.status_code == 200, got.text
        assert got.json()["id"] == record_id
        assert api.as_("clin_b").get(f"/api/v1/{path}/{record_id}").status_code == 404


def test_reviews_and_assignment_periods_are_amended_with_history(api: Api) -> None:
    su = api.service_user()
    client = api.as_("clin_a")
    assess(api, su, chosen_cluster=4, assessed_on=str(TODAY - timedelta(days=100)))
    review = client.post(
        f"/api/v1/service-users/{su['id']}/reviews",
        json={"ratings": RATINGS, "super_class": "non-psychotic", "reviewed_on": str(TODAY), "chosen_cluster": 4},
    ).json()["review"]
    amended = client.post(
        f"/api/v1/reviews/{review['id']}/amendments", json={"reason": "Stable: no change.", "amend_reason": "added"}
    )
    assert amended.status_code == 201, amended.text
    assert [v["reason"] for v in client.get(f"/api/v1/reviews/{review['id']}/history").json()] == [
        None,
        "Stable: no change.",
    ]
    period = client.get(f"/api/v1/service-users/{su['id']}/assignment-periods").json()["items"][0]
    earlier = str(TODAY - timedelta(days=101))
    fixed = client.post(
        f"/api/v1/assignment-periods/{period['id']}/amendments",
        json={"start_date": earlier, "amend_reason": "allocated the day before"},
    )
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["start_date"] == earlier
    backwards = client.post(
        f"/api/v1/assignment-periods/{period['id']}/amendments",
        json={"end_date": str(TODAY - timedelta(days=200)), "amend_reason": "typo"},
    )
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["loc"] == ["body", "end_date"]


PSYCHOSIS = [1, 0, 0, 1, 1, 3, 2, 0, 3, 3, 2, 3, 0, 1, 0, 0, 2, 3]  # 13 first; first presentation decides 10 vs 13


def test_a_stored_suggestion_keeps_its_answers_and_open_questions_are_answered_later(api: Api) -> None:
    su = api.service_user()
    client = api.as_("clin_a")
    created = assess(api, su, ratings=PSYCHOSIS, super_class="psychotic")
    assert created.status_code == 201, created.text
    allocation = created.json()["allocation"]
    suggestion = allocation["suggestion"]
    assert suggestion["status"] == "needs_answers"
    assert suggestion["engine_version"]
    assert "first_presentation_psychosis" in {q["id"] for q in suggestion["questions"]}

    bad = client.post(f"/api/v1/allocations/{allocation['id']}/answers", json={"facts": {"first": "yes"}})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "facts"]
    assert "first_presentation_psychosis" in bad.json()["detail"][0]["msg"]

    answered = client.post(
        f"/api/v1/allocations/{allocation['id']}/answers", json={"facts": {"first_presentation_psychosis": "no"}}
    )
    assert answered.status_code == 201, answered.text
    new = answered.json()
    assert new["version"] == allocation["version"] + 1
    assert new["suggestion"]["facts"] == {"first_presentation_psychosis": False}
    assert new["suggestion"]["status"] == "suggested"
    assert new["amend_reason"] == "questions answered: first_presentation_psychosis=no"

    chosen = client.post(f"/api/v1/allocations/{allocation['id']}/choice", json={"chosen_cluster": 13})
    assert chosen.status_code == 201, chosen.text
    assert chosen.json()["suggestion"]["facts"] == {"first_presentation_psychosis": False}
    late = client.post(
        f"/api/v1/allocations/{allocation['id']}/answers", json={"facts": {"first_presentation_psychosis": "yes"}}
    )
    assert late.status_code == 409


def test_answers_given_with_the_rating_are_stored_with_it(api: Api) -> None:
    su = api.service_user()
    created = assess(api, su, ratings=PSYCHOSIS, super_class="psychotic", facts={"first_presentation_psychosis": "yes"})
    assert created.status_code == 201, created.text
    suggestion = created.json()["allocation"]["suggestion"]
    assert suggestion["facts"] == {"first_presentation_psychosis": True}
    assert "first_presentation_psychosis" not in {q["id"] for q in suggestion["questions"]}
    refused = assess(api, su, facts={"first_presentation_psychosis": "perhaps"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "facts"]


def test_name_search_treats_like_wildcards_as_letters(api: Api) -> None:
    """`?name=%` matched every service user on the old code (LIKE wildcards were not escaped)."""
    marker = nhs_number()
    api.service_user(name=f"Percent 100% {marker}")
    api.service_user(name=f"Under_score {marker}")
    api.service_user(name=f"Plain Person {marker}")
    client = api.as_("clin_a")

    def found(text: str) -> list[str]:
        items = client.get("/api/v1/service-users", params={"name": text, "limit": 500}).json()["items"]
        return sorted(i["name"] for i in items if marker in i["name"])

    assert found("%") == [f"Percent 100% {marker}"]
    assert found("_") == [f"Under_score {marker}"]
    assert found(f"% {marker}") == [f"Percent 100% {marker}"]
    assert len(found(marker)) == 3
