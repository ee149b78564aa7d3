"""The caseload's flags, filters and sort, driven over plain HTTP through the pages' own forms."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator

import httpx
import pytest

from carecluster.reference import SCALE_CODES
from carecluster.service.nhs import synthetic_nhs_numbers
from tests.web.conftest import RecordSite

EXAMPLE = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # breaks cluster 2's red rule on scales 7/8
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@pytest.fixture
def lead(record_site: RecordSite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=record_site.url, follow_redirects=False, timeout=30) as client:
        response = client.post("/sign-in", data={"username": "demo.teamlead", "password": "carecluster-demo"})
        assert response.status_code == 303
        yield client


def _token(client: httpx.Client) -> str:
    match = CSRF.search(client.get("/service-users/new").text)
    assert match
    return match.group(1)


def _add(client: httpx.Client, name: str, nhs_number: str) -> str:
    page = client.get("/service-users/new").text
    team = re.search(r'<option value="(\d+)">CMHT-N', page)
    assert team
    response = client.post(
        "/service-users/new",
        data={
            "csrf_token": _token(client),
            "nhs_number": nhs_number,
            "name": name,
            "dob_day": "3",
            "dob_month": "4",
            "dob_year": "1970",
            "team_id": team.group(1),
            "clinician_id": "",
        },
    )
    assert response.status_code == 303, response.text
    return response.headers["location"].split("?")[0]


def _row(html: str, name: str) -> str:
    rows = [r for r in html.split("<tr") if name in r]
    assert len(rows) == 1, f"{name} appears in {len(rows)} rows"
    return rows[0]


def test_flags_filters_and_sort(lead: httpx.Client) -> None:
    red, never = synthetic_nhs_numbers(random.Random(730_412), 2)  # a seed no other web test uses
    record = _add(lead, "Aaron Redrule", red)
    _add(lead, "Aaron Neverclustered", never)
    ratings = {f"s{code}": str(value) for code, value in zip(SCALE_CODES, EXAMPLE, strict=True)}
    response = lead.post(
        f"{record}/assess",
        data={
            "csrf_token": _token(lead),
            **ratings,
            "problem_type": "B",
            "super_class": "non-psychotic",
            "assessed_on": (dt.date.today() - dt.timedelta(days=120)).isoformat(),  # cluster 2: every 15 weeks
            "clustering_event": "initial_assessment",
        },
    )
    assert response.status_code == 303, response.text
    allocation = response.headers["location"]
    response = lead.post(
        f"{allocation}/choice",
        data={"csrf_token": _token(lead), "chosen_cluster": "2", "reason": "Low severity overall; reviewed with MDT"},
    )
    assert response.status_code == 303, response.text

    team = "team:" + re.search(r'<option value="team:(\d+)"[^>]*>Team CMHT-N', lead.get("/caseload").text).group(1)  # type: ignore[union-attr]
    page = lead.get("/caseload", params={"whose": team}).text
    assert "Red rule broken by chosen cluster" in _row(page, "Aaron Redrule")
    assert "Never clustered" not in _row(page, "Aaron Redrule")
    assert "Never clustered" in _row(page, "Aaron Neverclustered")
    assert "Red rule broken" not in _row(page, "Aaron Neverclustered")

    only_2 = lead.get("/caseload", params={"whose": team, "cluster": "2"}).text
    assert "Aaron Redrule" in only_2
    assert "Aaron Neverclustered" not in only_2

    overdue = lead.get("/caseload", params={"whose": team, "overdue": "1"}).text
    assert "Overdue 15 days" in _row(overdue, "Aaron Redrule")
    assert "Aaron Neverclustered" not in overdue
    rows = re.findall(r'<tr class="nhsuk-table__row">.*?</tr>', overdue.split("<tbody")[1], re.S)
    assert rows
    assert all("Overdue" in r for r in rows)

    by_cluster = lead.get("/caseload", params={"whose": team, "sort": "cluster"}).text
    clusters = [int(n) for n in re.findall(r'<a href="/clusters/(\d+)">', by_cluster)]
    assert clusters
    assert clusters == sorted(clusters)
    by_name = lead.get("/caseload", params={"whose": team, "sort": "name"}).text
    names = re.findall(r'<a href="/service-users/[0-9a-f]{32}">([^<]+)</a>', by_name)
    assert names == sorted(names, key=str.lower)


def test_whose_caseload_follows_the_role(record_site: RecordSite, lead: httpx.Client) -> None:
    page = lead.get("/caseload").text
    clinicians = re.findall(r'<option value="(clinician:\d+)">Clinician ([^<]+)</option>', page)
    assert clinicians, "a team lead can open their clinicians' caseloads"
    whose, name = clinicians[0]
    response = lead.get("/caseload", params={"whose": whose})
    assert response.status_code == 200
    assert f"Clinician {name}</span>" in response.text
    assert lead.get("/caseload", params={"whose": "clinician:999999"}).status_code == 403

    with httpx.Client(base_url=record_site.url, follow_redirects=False, timeout=30) as auditor:
        auditor.post("/sign-in", data={"username": "demo.auditor", "password": "carecluster-demo"})
        page = auditor.get("/caseload").text
        assert "My caseload" not in page
        teams = re.findall(r'<option value="team:\d+"', page)
        assert len(teams) == 6  # every team of the demo data
    with httpx.Client(base_url=record_site.url, follow_redirects=False, timeout=30) as clinician:
        clinician.post("/sign-in", data={"username": "demo.clinician", "password": "carecluster-demo"})
        page = clinician.get("/caseload").text
        assert '<option value="me" selected>My caseload</option>' in page
        assert "clinician:" not in page
