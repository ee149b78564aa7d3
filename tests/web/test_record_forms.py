"""Validation on the record forms: every fault named in words, nothing typed lost (plain HTTP)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.web.conftest import RecordSite

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@pytest.fixture
def clinician(record_site: RecordSite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=record_site.url, follow_redirects=False, timeout=30) as client:
        response = client.post("/sign-in", data={"username": "demo.clinician", "password": "carecluster-demo"})
        assert response.status_code == 303
        yield client


def _token(client: httpx.Client) -> str:
    match = CSRF.search(client.get("/service-users/new").text)
    assert match
    return match.group(1)


def _first_record(client: httpx.Client) -> str:
    match = re.search(r'href="(/service-users/[0-9a-f]{32})"', client.get("/service-users").text)
    assert match
    return match.group(1)


def test_an_incomplete_rating_keeps_what_was_typed(clinician: httpx.Client) -> None:
    record = _first_record(clinician)
    response = clinician.post(
        f"{record}/assess",
        data={
            "csrf_token": _token(clinician),
            "s1": "2",
            "s7": "9",
            "super_class": "psychotic",
            "assessed_on-day": "31",
            "assessed_on-month": "11",
            "assessed_on-year": "2026",
            "clustering_event": "unplanned_review",
            "problem_description": "kept as typed",
        },
    )
    assert response.status_code == 422
    page = response.text
    assert "There is a problem" in page
    assert '<a href="#s2">Rate scale 2 (0-4, or 9 if not known)</a>' in page
    assert '<a href="#assessed_on-day">The assessment date must be a real date</a>' in page
    assert 'id="s1-2" name="s1" type="radio" value="2" checked' in page
    assert 'id="s7-9" name="s7" type="radio" value="9" checked' in page
    assert 'id="super_class-psychotic" name="super_class" type="radio" value="psychotic" checked' in page
    assert 'id="assessed_on-day" name="assessed_on-day" type="text" inputmode="numeric" value="31"' in page
    assert '<option value="unplanned_review" selected>' in page
    assert 'value="kept as typed"' in page


def test_a_date_of_birth_that_is_not_a_date_is_named(clinician: httpx.Client) -> None:
    response = clinician.post(
        "/service-users/new",
        data={
            "csrf_token": _token(clinician),
            "nhs_number": "123",
            "name": "Kept Name",
            "dob_day": "31",
            "dob_month": "2",
            "dob_year": "1990",
        },
    )
    assert response.status_code == 422
    page = response.text
    assert '<a href="#nhs_number">The NHS number must be 10 digits, for example 999 000 0018</a>' in page
    assert '<a href="#date_of_birth-day">Date of birth must be a real date</a>' in page
    assert 'value="Kept Name"' in page
    assert 'name="dob_day" type="text" inputmode="numeric" value="31"' in page


def test_a_reason_too_short_is_named_and_kept(clinician: httpx.Client) -> None:
    records = re.findall(r'href="(/service-users/[0-9a-f]{32})"', clinician.get("/service-users").text)
    pages = (clinician.get(r).text for r in records)
    allocation = next(m for p in pages if (m := re.search(r'href="(/allocations/[0-9a-f]{32})"', p)))
    response = clinician.post(
        f"{allocation.group(1)}/choice",
        data={"csrf_token": _token(clinician), "chosen_cluster": "1", "reason": "no", "amend_reason": "x"},
    )
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert "Enter a reason for your choice: at least 3 characters" in response.text
    assert ">no</textarea>" in response.text
    assert '<option value="1" selected>' in response.text


def test_a_reason_too_long_is_told_the_real_limit(clinician: httpx.Client) -> None:
    """A 4,001-character reason was once told it was under 3 characters."""
    records = re.findall(r'href="(/service-users/[0-9a-f]{32})"', clinician.get("/service-users").text)
    pages = (clinician.get(r).text for r in records)
    allocation = next(m for p in pages if (m := re.search(r'href="(/allocations/[0-9a-f]{32})"', p)))
    long_reason = "x" * 4001
    response = clinician.post(
        f"{allocation.group(1)}/choice",
        data={"csrf_token": _token(clinician), "chosen_cluster": "1", "reason": long_reason},
    )
    assert response.status_code == 422
    assert "A reason for your choice must be 4,000 characters or fewer" in response.text
    assert "at least 3 characters" not in response.text.split("nhsuk-error-summary")[1].split("</ul>")[0]
    assert f">{long_reason}</textarea>" in response.text
    assert "At least 3 and at most 4,000 characters." in response.text  # the hint states the limits


def test_a_choice_changed_since_the_form_was_opened_is_not_overwritten(clinician: httpx.Client) -> None:
    """Two tabs open one allocation; the first saves; the second is shown what changed, saves nothing."""
    records = re.findall(r'href="(/service-users/[0-9a-f]{32})"', clinician.get("/service-users").text)
    pages = (clinician.get(r).text for r in records)
    allocation = next(m.group(1) for p in pages if (m := re.search(r'href="(/allocations/[0-9a-f]{32})"', p)))
    opened = clinician.get(allocation).text
    version = re.search(r'name="version" value="(\d+)"', opened)
    assert version, "the choice form carries the version it was opened on"
    token = _token(clinician)
    why = {"reason": "Needs are more severe", "amend_reason": "second opinion"}
    first = clinician.post(
        f"{allocation}/choice",
        data={"csrf_token": token, "version": version.group(1), "chosen_cluster": "5", **why},
    )
    assert first.status_code == 303, first.text
    second = clinician.post(
        f"{allocation}/choice",
        data={"csrf_token": token, "version": version.group(1), "chosen_cluster": "6", **why},
    )
    assert second.status_code == 409
    assert "changed while you were editing it" in second.text
    assert "Nothing was saved" in second.text
    assert re.search(r"chosen cluster</td><td[^>]*>[^<]*</td><td[^>]*>5</td>", second.text)
    assert "second opinion" in second.text  # who changed it and why, and what this user typed
    reopened = clinician.get(allocation).text
    assert '<option value="5" selected>' in reopened
