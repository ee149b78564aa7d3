"""Outcome measures over real HTTP: every kind of measure recorded and scored, partial forms kept
as partial, bad answers refused naming the item, roles, idempotent retries, amendment history,
and the paired outcome per episode (with HoNOS from the MHCT, never entered twice)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from tests.http.conftest import Api

TODAY = date.today()
START = TODAY - timedelta(days=120)
MHCT_WORSE = [2, 1, 0, 0, 0, 0, 3, 3, 2, 2, 1, 2, 0, 0, 0, 0, 1, 1]
MHCT_BETTER = [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1]

# One complete administration of each kind of measure, with the score the domain computes.
COMPLETE: dict[str, tuple[dict[str, Any], list[dict[str, Any]] | None, float | None]] = {
    "swemwbs": ({str(i): 3 for i in range(1, 8)}, None, 19.25),  # raw 21 -> metric 19.25
    "core10": ({str(i): 2 for i in range(1, 11)}, None, 20.0),
    "reqol10": ({**{str(i): 2 for i in range(1, 11)}, "ph": 1}, None, 20.0),
    "dialog": ({str(i): 4 for i in range(1, 12)}, None, 4.0),
    "gas": (
        {"g1": 0, "g2": 0},
        [{"id": "g1", "description": "Walk to the shop"}, {"id": "g2", "description": "Sleep"}],
        50.0,
    ),
    "gbo": ({"g1": 3}, [{"id": "g1", "description": "Go back to college"}], 3.0),
    "fft": ({"experience": 1}, None, None),
}


def with_episode(api: Api, who: str = "clin_a") -> tuple[dict[str, Any], dict[str, Any]]:
    su = api.service_user()
    episode = api.as_(who).post(f"/api/v1/service-users/{su['id']}/episodes", json={"referral_date": str(START)})
    assert episode.status_code == 201, episode.text
    return su, episode.json()


def record(api: Api, su: dict[str, Any], measure: str, answers: dict[str, Any], who: str = "clin_a", **extra: Any):
    body = {"measure_id": measure, "administered_on": str(START + timedelta(days=7)), "answers": answers, **extra}
    return api.as_(who).post(f"/api/v1/service-users/{su['id']}/outcomes", json=body)


@pytest.mark.parametrize("measure", list(COMPLETE))
def test_each_kind_of_measure_is_recorded_and_scored(api: Api, measure: str) -> None:
    su, episode = with_episode(api)
    answers, goals, total = COMPLETE[measure]
    response = record(api, su, measure, answers, goals=goals)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["episode_id"] == episode["id"]
    assert body["status"] == "complete"
    assert body["measure_version"] == "1"
    assert body["score"]["valid"] is True
    if total is None:
        assert body["score"]["total"] is None
    else:
        assert body["score"]["total"] == pytest.approx(total)
    assert body["answers"] == {k: int(v) for k, v in answers.items()}
    again = api.as_("auditor").get(f"/api/v1/outcomes/{body['id']}")
    assert again.status_code == 200
    assert {k: v for k, v in again.json().items() if k != "recorded_at"} == {
        k: v for k, v in body.items() if k != "recorded_at"
    }


def test_fft_answer_is_stored_with_its_label_and_group(api: Api) -> None:
    su, _ = with_episode(api)
    body = record(api, su, "fft", {"experience": "very good"}).json()
    assert body["answers"] == {"experience": 1}
    assert body["score"]["response"] == "Very good"
    assert body["score"]["category"] == "positive"


def test_a_partial_questionnaire_is_kept_as_partial(api: Api) -> None:
    su, _ = with_episode(api)
    answers = {str(i): 3 for i in range(1, 6)} | {"6": None}  # items 6 and 7 of 7 unanswered
    response = record(api, su, "swemwbs", answers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "partial"
    assert body["answers"] == {str(i): 3 for i in range(1, 6)}
    assert body["score"]["valid"] is False
    assert body["score"]["items_missing"] == ["6", "7"]
    assert "partial: 5 of 7" in body["score"]["reason"]


def test_a_prorated_questionnaire_is_partial_but_scored(api: Api) -> None:
    su, _ = with_episode(api)
    body = record(api, su, "core10", {str(i): 2 for i in range(1, 10)}).json()
    assert body["status"] == "partial"
    assert body["score"]["valid"] is True
    assert body["score"]["prorated"] is True
    assert body["score"]["total"] == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("measure", "answers", "loc", "words"),
    [
        ("swemwbs", {"1": 3, "2": 6}, ["body", "answers", "2"], "item 2"),
        ("core10", {"1": "often-ish"}, ["body", "answers", "1"], "often-ish is not an answer"),
        ("core10", {"11": 1}, ["body", "answers", "11"], "unknown item"),
        ("dialog", {}, ["body", "answers"], "no answers given"),
        ("honos", {"1": 2}, ["body", "measure_id"], "MHCT"),
        ("phq9", {"1": 2}, ["body", "measure_id"], "unknown outcome measure"),
    ],
)
def test_bad_answers_get_a_field_level_message(
    api: Api, measure: str, answers: dict[str, Any], loc: list[str], words: str
) -> None:
    su, _ = with_episode(api)
    response = record(api, su, measure, answers)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == loc
    assert words in detail[0]["msg"]
    assert api.as_("clin_a").get(f"/api/v1/service-users/{su['id']}/outcomes").json()["total"] == 0


def test_goal_measures_need_goals_and_reuse_the_episodes_goals(api: Api) -> None:
    su, _ = with_episode(api)
    missing = record(api, su, "gbo", {"g1": 2})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "goals"]
    goals = [{"id": "g1", "description": "Go back to college"}, {"id": "g2", "description": "See friends"}]
    first = record(api, su, "gbo", {"g1": 2, "g2": 1}, goals=goals)
    assert first.status_code == 201, first.text
    later = record(api, su, "gbo", {"g1": 7}, administered_on=str(TODAY))
    assert later.status_code == 201, later.text
    assert [g["id"] for g in later.json()["goals"]] == ["g1", "g2"]
    assert later.json()["status"] == "partial"
    unknown = record(api, su, "gbo", {"g9": 1})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "answers", "g9"]


def test_an_outcome_needs_an_episode_of_care(api: Api) -> None:
    su = api.service_user()
    response = record(api, su, "core10", {"1": 1})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "episode_id"]


def test_roles_decide_who_records_and_who_reads(api: Api) -> None:
    su, _ = with_episode(api)
    answers = COMPLETE["core10"][0]
    for who, status in (("auditor", 403), ("admin", 403), ("clin_b", 404)):
        assert record(api, su, "core10", answers, who=who).status_code == status, who
    created = record(api, su, "core10", answers, who="lead_a")
    assert created.status_code == 201
    url = f"/api/v1/outcomes/{created.json()['id']}"
    assert api.as_("auditor").get(url).status_code == 200
    assert api.as_("admin").get(url).status_code == 403
    assert api.as_("clin_b").get(url).status_code == 404
    amend = {"answers": answers | {"1": 4}, "amend_reason": "misread item 1"}
    assert api.as_("auditor").post(f"{url}/amendments", json=amend).status_code == 403


def test_an_idempotent_retry_records_one_administration(api: Api) -> None:
    su, _ = with_episode(api)
    body = {"measure_id": "dialog", "administered_on": str(TODAY), "answers": COMPLETE["dialog"][0]}
    key = uuid.uuid4().hex
    url = f"/api/v1/service-users/{su['id']}/outcomes"
    first = api.as_("clin_a").post(url, json=body, headers={"Idempotency-Key": key})
    second = api.as_("clin_a").post(url, json=body, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["id"] == second.json()["id"]
    assert api.as_("clin_a").get(url).json()["total"] == 1


def test_amendment_rescores_and_keeps_history(api: Api) -> None:
    su, _ = with_episode(api)
    created = record(api, su, "swemwbs", {str(i): 3 for i in range(1, 7)}).json()
    assert created["status"] == "partial"
    url = f"/api/v1/outcomes/{created['id']}"
    amended = api.as_("clin_a2").post(
        f"{url}/amendments", json={"answers": {str(i): 3 for i in range(1, 8)}, "amend_reason": "item 7 on the back"}
    )
    assert amended.status_code == 201, amended.text
    assert amended.json()["version"] == 2
    assert amended.json()["status"] == "complete"
    assert amended.json()["score"]["total"] == pytest.approx(19.25)
    bad = api.as_("clin_a").post(f"{url}/amendments", json={"answers": {"1": 9}, "amend_reason": "typo"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "answers", "1"]
    history = api.as_("clin_a").get(f"{url}/history").json()
    assert [(v["version"], v["status"], v["amend_reason"]) for v in history] == [
        (1, "partial", None),
        (2, "complete", "item 7 on the back"),
    ]
    assert history[0]["superseded_at"] is not None
    assert history[1]["recorded_by"] == api.user["clin_a2"]


def test_paired_outcomes_per_episode_with_honos_from_the_mhct(api: Api) -> None:
    su, episode = with_episode(api)
    client = api.as_("clin_a")
    for on, ratings in ((START + timedelta(days=1), MHCT_WORSE), (TODAY, MHCT_BETTER)):
        body = {"ratings": ratings, "super_class": "non-psychotic", "assessed_on": str(on)}
        assert client.post(f"/api/v1/service-users/{su['id']}/assessments", json=body).status_code == 201
    for on, value in ((START + timedelta(days=2), 3), (START + timedelta(days=30), 2), (TODAY, 1)):
        answers = {str(i): value for i in range(1, 11)}
        assert record(api, su, "core10", answers, administered_on=str(on)).status_code == 201
    record(api, su, "swemwbs", {"1": 3}, administered_on=str(TODAY))  # partial: kept, never paired
    record(api, su, "fft", {"experience": 2})
    paired = {p["measure_id"]: p for p in client.get(f"/api/v1/service-users/{su['id']}/outcomes/paired").json()}
    assert list(paired) == ["honos", "swemwbs", "core10", "fft"]
    assert {p["episode_id"] for p in paired.values()} == {episode["id"]}
    honos = paired["honos"]
    assert [s["source"] for s in honos["scores"]] == ["assessment", "assessment"]
    assert honos["change"]["first"] == 16
    assert honos["change"]["later"] == 4
    assert honos["change"]["category"] == "reliable_improvement"
    core = paired["core10"]
    assert [s["total"] for s in core["scores"]] == [26.0, 20.0, 14.0]  # items 2 and 3 are reverse scored
    assert core["paired"] is True
    assert core["change"]["change"] == -12.0
    assert core["change"]["category"] == "reliable_improvement"
    assert paired["swemwbs"]["paired"] is False
    assert paired["swemwbs"]["change"]["category"] == "not_assessable"
    assert paired["fft"]["change"]["category"] == "not_applicable"


def test_deterioration_is_reported(api: Api) -> None:
    su, _ = with_episode(api)
    record(api, su, "swemwbs", {str(i): 4 for i in range(1, 8)}, administered_on=str(START))
    record(api, su, "swemwbs", {str(i): 2 for i in range(1, 8)}, administered_on=str(TODAY))
    paired = api.as_("auditor").get(f"/api/v1/service-users/{su['id']}/outcomes/paired").json()
    assert [p["change"]["category"] for p in paired] == ["reliable_deterioration"]


def test_measure_definitions_are_published(api: Api) -> None:
    listed = {m["id"]: m for m in api.anonymous().get("/api/v1/outcome-measures").json()}
    assert listed["honos"]["recordable"] is False
    assert listed["swemwbs"]["recordable"] is True
    one = api.anonymous().get("/api/v1/outcome-measures/core10").json()
    assert [i["id"] for i in one["items"]] == [str(i) for i in range(1, 11)]
    assert one["reliable_change"]["value"] > 0
    assert api.anonymous().get("/api/v1/outcome-measures/phq9").status_code == 404


def test_outcomes_are_listed_newest_first_by_page_and_measure(api: Api) -> None:
    su, _ = with_episode(api)
    for days in (3, 2, 1):
        record(api, su, "dialog", {"1": 4}, administered_on=str(TODAY - timedelta(days=days)))
    record(api, su, "fft", {"experience": 1}, administered_on=str(TODAY))
    url = f"/api/v1/service-users/{su['id']}/outcomes"
    page = api.as_("clin_a").get(url, params={"measure_id": "dialog", "limit": 2, "offset": 1}).json()
    assert page["total"] == 3
    assert [o["administered_on"] for o in page["items"]] == [
        str(TODAY - timedelta(days=2)),
        str(TODAY - timedelta(days=3)),
    ]
    assert api.as_("clin_a").get(url).json()["total"] == 4
