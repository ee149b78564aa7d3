"""Signing in and out, roles and CSRF on the record pages, over plain HTTP (no browser needed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from carecluster.http.runtime import SESSION_COOKIE
from tests.web.conftest import RecordSite

PASSWORD = "carecluster-demo"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@contextmanager
def signed_in(site: RecordSite, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=30) as client:
        response = client.post("/sign-in", data={"username": username, "password": PASSWORD, "next": "/service-users"})
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/service-users"
        yield client


def csrf_of(client: httpx.Client, path: str = "/rate") -> str:
    match = CSRF.search(client.get("/clusters").text if path == "/rate" else client.get(path).text)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def clinician(record_site: RecordSite) -> Iterator[httpx.Client]:
    with signed_in(record_site, "demo.clinician") as client:
        yield client


def test_the_session_cookie_is_httponly_and_lax(record_site: RecordSite) -> None:
    with httpx.Client(base_url=record_site.url) as client:
        response = client.post("/sign-in", data={"username": "demo.clinician", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # secure_cookies is off in the tests' settings


def test_pages_that_need_a_user_redirect_to_sign_in_and_come_back(record_site: RecordSite) -> None:
    with httpx.Client(base_url=record_site.url, follow_redirects=False) as client:
        response = client.get("/service-users?q=Sam")
        assert response.status_code == 303
        assert response.headers["location"] == "/sign-in?next=%2Fservice-users%3Fq%3DSam"
        response = client.post(
            "/sign-in", data={"username": "demo.clinician", "password": PASSWORD, "next": "/service-users?q=Sam"}
        )
        assert response.headers["location"] == "/service-users?q=Sam"
        response = client.post(
            "/sign-in", data={"username": "demo.clinician", "password": PASSWORD, "next": "//evil.example/x"}
        )
        assert response.headers["location"] == "/caseload"  # never another site
        assert client.get("/rate").status_code == 200


def test_stateless_pages_still_work_signed_out(record_site: RecordSite) -> None:
    with httpx.Client(base_url=record_site.url) as client:
        for path in ("/", "/rate", "/review", "/clusters", "/clusters/14", "/rate/suggestion?s1=0"):
            response = client.get(path)
            assert response.status_code == 200, path
        assert "Sign out" not in client.get("/rate").text


def test_a_post_without_the_right_csrf_token_is_refused(clinician: httpx.Client) -> None:
    form = {"nhs_number": "9990000018", "name": "Nobody", "dob_day": "1", "dob_month": "1", "dob_year": "1990"}
    for token in (None, "0" * 64):
        data = form if token is None else {**form, "csrf_token": token}
        response = clinician.post("/service-users/new", data=data)
        assert response.status_code == 403
        assert "not sent from a page of this service" in response.text
        assert "Nothing was saved" in response.text
    assert '0 found for "Nobody"' in clinician.get("/service-users?q=Nobody").text


def test_sign_out_needs_the_token_and_ends_the_session(record_site: RecordSite) -> None:
    with signed_in(record_site, "demo.clinician") as client:
        token = csrf_of(client)
        assert client.post("/sign-out", data={}).status_code == 403
        assert client.get("/caseload").status_code == 200
        response = client.post("/sign-out", data={"csrf_token": token})
        assert response.status_code == 303
        client.cookies.clear()
        assert client.get("/caseload").status_code == 303


def test_a_clinician_cannot_open_admin_pages(clinician: httpx.Client) -> None:
    for path in ("/admin/users", "/admin/teams"):
        response = clinician.get(path)
        assert response.status_code == 403
        assert "Only an admin manages users and teams" in response.text
    token = csrf_of(clinician)
    response = clinician.post("/admin/teams", data={"csrf_token": token, "code": "X", "name": "X"})
    assert response.status_code == 403


def test_an_auditor_reads_but_cannot_post(record_site: RecordSite) -> None:
    with signed_in(record_site, "demo.auditor") as auditor:
        listing = auditor.get("/service-users")
        assert listing.status_code == 200
        record = re.search(r'href="(/service-users/[0-9a-f]{32})"', listing.text)
        assert record
        page = auditor.get(record.group(1))
        assert page.status_code == 200
        assert "Rate the MHCT and allocate" not in page.text
        token = csrf_of(auditor)
        response = auditor.post(f"{record.group(1)}/assess", data={"csrf_token": token, "s1": "0"})
        assert response.status_code == 403
        assert "The auditor role cannot change clinical records" in response.text
        response = auditor.post(
            "/service-users/new",
            data={"csrf_token": token, "nhs_number": "9990000018", "name": "X", "team_id": "1"},
        )
        assert response.status_code == 403
        assert auditor.get("/service-users/new").status_code == 403


def test_an_admin_sees_no_clinical_records(record_site: RecordSite) -> None:
    with signed_in(record_site, "demo.admin") as admin:
        assert admin.get("/caseload").headers["location"] == "/admin/users"
        response = admin.get("/service-users")
        assert response.status_code == 403


def test_records_of_other_teams_are_not_found(record_site: RecordSite) -> None:
    with signed_in(record_site, "demo.auditor") as auditor:
        ids = re.findall(r'href="/service-users/([0-9a-f]{32})"', auditor.get("/service-users").text)
    with signed_in(record_site, "demo.clinician") as clinician:
        own = set(re.findall(r'href="/service-users/([0-9a-f]{32})"', clinician.get("/service-users").text))
        others = [i for i in ids if i not in own]
        assert others, "the demo data has service users outside CMHT-N"
        response = clinician.get(f"/service-users/{others[0]}")
        assert response.status_code == 404
        assert "Service user not found" in response.text


def test_failed_sign_ins_are_rate_limited_with_a_message(record_site: RecordSite) -> None:
    with httpx.Client(base_url=record_site.url) as client:
        for _ in range(5):
            response = client.post("/sign-in", data={"username": "no.such.user", "password": "guess-guess"})
            assert response.status_code == 422
            assert "The username or password is not right" in response.text
            assert 'value="no.such.user"' in response.text
        response = client.post("/sign-in", data={"username": "no.such.user", "password": "guess-guess"})
        assert response.status_code == 422
        assert "Too many failed sign-ins from this address: try again in" in response.text


def test_a_sign_in_posted_from_another_site_is_refused(record_site: RecordSite) -> None:
    with httpx.Client(base_url=record_site.url) as client:
        response = client.post(
            "/sign-in",
            data={"username": "demo.clinician", "password": PASSWORD},
            headers={"Origin": "https://evil.example"},
        )
        assert response.status_code == 403
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_the_admin_page_lists_account_changes_with_what_changed(record_site: RecordSite) -> None:
    with signed_in(record_site, "demo.admin") as admin:
        token = csrf_of(admin, "/admin/users")
        users = admin.get("/admin/users").text
        ids = re.findall(r'action="/admin/users/(\d+)/active"', users)
        assert ids
        assert admin.post(f"/admin/users/{ids[0]}/active", data={"csrf_token": token, "active": "1"}).status_code == 303
        page = admin.get("/admin/changes")
        assert page.status_code == 200
        assert "Account changes" in page.text
        assert f"user {ids[0]}" in page.text
        assert "demo.admin" in page.text
    with signed_in(record_site, "demo.clinician") as clinician:
        assert clinician.get("/admin/changes").status_code == 403
