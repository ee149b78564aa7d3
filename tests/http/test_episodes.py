"""Episodes of care over HTTP (issue 17): referral details and ICD-10 diagnosis, transfer between
teams, discharge; and a review whose stored suggestion is the one its preview showed, whose
discharge outcome ends the cluster period and, when confirmed, the episode."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from carecluster.service.security import hash_password
from carecluster.store.db import now
from carecluster.store.models import User, UserTeam
from tests.http.conftest import PASSWORD, Api

RATINGS = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # suggests cluster 4 (non-psychotic)
TODAY = date.today()


def episode(api: Api, su: dict[str, Any], **extra: Any) -> Any:
    body = {"referral_date": str(TODAY - timedelta(days=300)), **extra}
    return api.as_("clin_a").post(f"/api/v1/service-users/{su['id']}/episodes", json=body)


def test_an_episode_keeps_its_referral_and_a_well_formed_diagnosis(api: Api) -> None:
    su = api.service_user()
    bad = episode(api, su, primary_diagnosis="depression")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "primary_diagnosis"]
    assert "ICD-10" in bad.json()["detail"][0]["msg"]
    created = episode(api, su, referral_source="GP", referral_reason="Low mood", primary_diagnosis="f321")
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["referral_source"], body["referral_reason"], body["primary_diagnosis"]) == ("GP", "Low mood", "F32.1")


def _two_team_clinician(api: Api, username: str) -> None:
    with api.db.transaction() as session:
        user = User(
            username=username,
            full_name="Both Teams",
            role="clinician",
            password_hash=hash_password(PASSWORD),
            active=True,
            failed_logins=0,
            created_at=now(),
        )
        session.add(user)
        session.flush()
        session.add_all(UserTeam(user_id=user.id, team_id=api.team[code]) for code in ("A", "B"))


def test_a_transfer_moves_the_episode_and_the_record_to_the_receiving_team(api: Api) -> None:
    su = api.service_user(clinician_id=api.user["clin_a"])
    opened = episode(api, su).json()
    refused = api.as_("clin_a").post(
        f"/api/v1/episodes/{opened['id']}/transfer",
        json={"team_id": api.team["B"], "transferred_on": str(TODAY), "reason": "moved house"},
    )
    assert refused.status_code == 403  # clin_a is not in team B
    username = f"both_{api.backend}"
    _two_team_clinician(api, username)
    moved = api.as_(username).post(
        f"/api/v1/episodes/{opened['id']}/transfer",
        json={"team_id": api.team["B"], "transferred_on": str(TODAY), "reason": "moved house"},
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["team_id"] == api.team["B"]
    assert moved.json()["version"] == 2
    person = api.as_("clin_b").get(f"/api/v1/service-users/{su['id']}").json()
    assert person["team_id"] == api.team["B"]
    assert person["clinician_id"] is None  # clin_a is not in team B: the receiving team allocates one
    assert api.as_("clin_a").get(f"/api/v1/service-users/{su['id']}").status_code in (403, 404)


def test_discharge_ends_the_episode_and_the_period_once(api: Api) -> None:
    su = api.service_user()
    opened = episode(api, su).json()
    client = api.as_("clin_a")
    body = {"ratings": RATINGS, "super_class": "non-psychotic", "assessed_on": str(TODAY - timedelta(days=200))}
    assert client.post(f"/api/v1/service-users/{su['id']}/assessments", json=body | {"chosen_cluster": 4}).is_success
    too_long = client.post(
        f"/api/v1/episodes/{opened['id']}/discharge",
        json={"discharge_date": str(TODAY), "discharge_reason": "x" * 2001},
    )
    assert too_long.status_code == 422
    done = client.post(
        f"/api/v1/episodes/{opened['id']}/discharge", json={"discharge_date": str(TODAY), "discharge_reason": "well"}
    )
    assert done.status_code == 201, done.text
    assert done.json()["discharge_date"] == str(TODAY)
    periods = client.get(f"/api/v1/service-users/{su['id']}/assignment-periods").json()["items"]
    assert [p["end_date"] for p in periods] == [str(TODAY)]
    again = client.post(
        f"/api/v1/episodes/{opened['id']}/discharge", json={"discharge_date": str(TODAY), "discharge_reason": "well"}
    )
    assert again.status_code == 409


def test_a_review_stores_the_suggestion_of_its_own_engine_run(api: Api) -> None:
    """Within the current cluster's super class, as the review's outcome step shows it."""
    su = api.service_user()
    client = api.as_("clin_a")
    body = {"ratings": RATINGS, "super_class": "non-psychotic", "assessed_on": str(TODAY - timedelta(days=200))}
    assert client.post(f"/api/v1/service-users/{su['id']}/assessments", json=body | {"chosen_cluster": 4}).is_success
    # no super class given at review: the engine runs within the current cluster's (non-psychotic)
    response = client.post(
        f"/api/v1/service-users/{su['id']}/reviews",
        json={"ratings": RATINGS, "reviewed_on": str(TODAY - timedelta(days=10)), "chosen_cluster": 4},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["allocation"]["suggested_cluster"] == created["review"]["result"]["engine_suggestion"]
    assert created["allocation"]["suggestion"]["super_class"] == "non-psychotic"


def test_end_episode_is_refused_unless_the_review_outcome_is_discharge(api: Api) -> None:
    su = api.service_user()
    episode(api, su)
    client = api.as_("clin_a")
    body = {"ratings": RATINGS, "super_class": "non-psychotic", "assessed_on": str(TODAY - timedelta(days=200))}
    assert client.post(f"/api/v1/service-users/{su['id']}/assessments", json=body | {"chosen_cluster": 4}).is_success
    response = client.post(
        f"/api/v1/service-users/{su['id']}/reviews",
        json={"ratings": RATINGS, "reviewed_on": str(TODAY), "chosen_cluster": 4, "end_episode": True},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "end_episode"]
    assert client.get(f"/api/v1/service-users/{su['id']}/reviews").json()["total"] == 0  # nothing stored


def test_a_discharge_at_review_ends_the_period_and_on_confirmation_the_episode(api: Api) -> None:
    from carecluster.api import resolve_reference

    su = api.service_user()
    opened = episode(api, su).json()
    client = api.as_("clin_a")
    quiet = [0] * 18
    rated = {"ratings": quiet, "assessed_on": str(TODAY - timedelta(days=200)), "chosen_cluster": 1}
    first = client.post(f"/api/v1/service-users/{su['id']}/assessments", json=rated | {"reason": "mild needs only"})
    assert first.is_success, first.text
    facts = dict.fromkeys(resolve_reference(None).protocols.facts, True) | {"substance_prevents_care": False}
    reviewed_on = str(TODAY - timedelta(days=5))
    response = client.post(
        f"/api/v1/service-users/{su['id']}/reviews",
        json={
            "ratings": quiet,
            "reviewed_on": reviewed_on,
            "facts": facts,
            "chosen_cluster": 1,
            "reason": "well; discharged to GP",
            "end_episode": True,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["review"]["outcome"] == "discharge"
    periods = client.get(f"/api/v1/service-users/{su['id']}/assignment-periods").json()["items"]
    assert [p["end_date"] for p in periods] == [reviewed_on]
    ended = client.get(f"/api/v1/episodes/{opened['id']}").json()
    assert ended["discharge_date"] == reviewed_on
    assert ended["discharge_reason"] == "discharged at review"
