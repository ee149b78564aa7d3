"""Optimistic concurrency on every amendment: ETag out, If-Match in; 412 when stale, 428 when absent.

On the old code two clients amending one record both succeeded, and the one built on version 1
silently reverted the other's change (a lost update; hazard H8 in docs/hazard-log.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from tests.http.conftest import Api
from tests.http.test_records import RATINGS

TODAY = date.today()


@pytest.fixture
def strict(api: Api) -> Iterator[httpx.Client]:
    """A clinician's client that sends no If-Match unless told to (the shared ones send `*`)."""
    token = api.login("clin_a").json()["access_token"]
    with httpx.Client(base_url=api.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        yield client


def test_a_stale_amendment_is_refused_and_the_later_change_kept(api: Api, strict: httpx.Client) -> None:
    su = api.service_user(name="Original Name")
    read = strict.get(f"/api/v1/service-users/{su['id']}")
    assert read.headers["etag"] == '"1"'
    url = f"/api/v1/service-users/{su['id']}/amendments"
    first = strict.post(url, json={"name": "First Change", "amend_reason": "typo"}, headers={"If-Match": '"1"'})
    assert first.status_code == 201, first.text
    assert first.headers["etag"] == '"2"'
    stale = strict.post(url, json={"name": "Stale Change", "amend_reason": "typo"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert "version 2 is current" in stale.json()["detail"]
    history = strict.get(f"/api/v1/service-users/{su['id']}/history").json()
    assert [v["name"] for v in history] == ["Original Name", "First Change"]
    assert strict.get(f"/api/v1/service-users/{su['id']}").json()["name"] == "First Change"


@pytest.mark.parametrize("header", [None, "", '"not-a-version"', 'W/"x"'])
def test_an_amendment_must_name_the_version_it_amends(api: Api, strict: httpx.Client, header: str | None) -> None:
    su = api.service_user()
    headers = {} if header is None else {"If-Match": header}
    response = strict.post(
        f"/api/v1/service-users/{su['id']}/amendments", json={"name": "X", "amend_reason": "test"}, headers=headers
    )
    assert response.status_code == (428 if not header else 412), response.text
    assert strict.get(f"/api/v1/service-users/{su['id']}").json()["version"] == 1


def test_every_kind_of_amendment_checks_the_version(api: Api, strict: httpx.Client) -> None:
    su = api.service_user()
    episode = strict.post(
        f"/api/v1/service-users/{su['id']}/episodes", json={"referral_date": str(TODAY - timedelta(days=400))}
    ).json()
    body = {"ratings": RATINGS, "super_class": "non-psychotic", "assessed_on": str(TODAY - timedelta(days=200))}
    created = strict.post(f"/api/v1/service-users/{su['id']}/assessments", json=body | {"chosen_cluster": 4}).json()
    period = strict.get(f"/api/v1/service-users/{su['id']}/assignment-periods").json()["items"][0]
    cases = [
        (f"/api/v1/episodes/{episode['id']}/amendments", {"discharge_reason": "x", "amend_reason": "test"}),
        (f"/api/v1/assessments/{created['assessment']['id']}/amendments", {"amend_reason": "test more"}),
        (f"/api/v1/assignment-periods/{period['id']}/amendments", {"amend_reason": "test more"}),
        (
            f"/api/v1/allocations/{created['allocation']['id']}/choice",
            {"chosen_cluster": 5, "reason": "second opinion", "amend_reason": "second opinion"},
        ),
    ]
    for url, payload in cases:
        assert strict.post(url, json=payload).status_code == 428, url
        assert strict.post(url, json=payload, headers={"If-Match": '"99"'}).status_code == 412, url
    current = strict.get(f"/api/v1/episodes/{episode['id']}/history").json()[-1]
    ok = strict.post(
        f"/api/v1/episodes/{episode['id']}/amendments",
        json={"discharge_reason": "x", "amend_reason": "test"},
        headers={"If-Match": f'"{current["version"]}"'},
    )
    assert ok.status_code == 201, ok.text


def test_the_first_choice_of_a_cluster_needs_no_version(api: Api, strict: httpx.Client) -> None:
    su = api.service_user()
    body = {"ratings": RATINGS, "super_class": "non-psychotic", "assessed_on": str(TODAY - timedelta(days=200))}
    created = strict.post(f"/api/v1/service-users/{su['id']}/assessments", json=body).json()
    chosen = strict.post(f"/api/v1/allocations/{created['allocation']['id']}/choice", json={"chosen_cluster": 4})
    assert chosen.status_code == 201, chosen.text
