"""Team lead, auditor and admin pages over plain HTTP: worklists, the audit trail (filters, errors,
CSV export safe in a spreadsheet), report dates with their errors, and confirm-before-deactivate."""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from carecluster.service.nhs import synthetic_nhs_numbers
from tests.web.conftest import RecordSite

PASSWORD = "carecluster-demo"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@contextmanager
def signed_in(site: RecordSite, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=30) as client:
        response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
        assert response.status_code == 303, response.text
        yield client


def test_worklist_counts_match_their_rows(record_site: RecordSite) -> None:
    with signed_in(record_site, "demo.teamlead") as lead:
        # the small demo's CMHT-N may need nothing doing: add someone never clustered, so the test
        # does not lean on what other tests happened to write first
        form = lead.get("/service-users/new").text
        team = re.search(r'<option value="(\d+)"[^>]*>CMHT-N:', form)
        token = CSRF.search(form)
        assert team
        assert token
        (nhs,) = synthetic_nhs_numbers(random.Random(880_417), 1)  # a seed no other web test uses
        added = lead.post(
            "/service-users/new",
            data={
                "csrf_token": token.group(1),
                "nhs_number": nhs,
                "name": "Never Clustered",
                "dob_day": "4",
                "dob_month": "5",
                "dob_year": "1971",
                "team_id": team.group(1),
            },
        )
        assert added.status_code == 303, added.text[:300]
        page = lead.get("/worklists")
    assert page.status_code == 200
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', page.text))
    assert set(counts) == {"overdue", "due_soon", "never_clustered", "red_rule", "open_questions", "deteriorating"}
    for key, count in counts.items():
        table = re.search(rf'data-worklist="{key}">(.*?)</table>', page.text, re.S)
        rows = table.group(1).count('<tr class="nhsuk-table__row">') - 1 if table else 0
        assert rows == int(count), key
    assert int(counts["never_clustered"]) >= 1
    assert "Never Clustered" in page.text
    form = re.search(r'<form method="get" action="/worklists".*?</form>', page.text, re.S)
    assert form is not None
    assert '<option value="me">My caseload</option>' in form.group(0)
    assert re.search(r'<option value="team:\d+" selected>Team ', form.group(0))  # a lead starts on a team


def test_audit_trail_date_errors_are_shown_on_the_form(record_site: RecordSite) -> None:
    with signed_in(record_site, "demo.auditor") as auditor:
        bad = auditor.get("/audit", params={"from-day": "31", "from-month": "2", "from-year": "2026"})
        half = auditor.get("/audit", params={"to-day": "3", "to-year": "2026"})
        backwards = auditor.get(
            "/audit",
            params={"from-day": "3", "from-month": "3", "from-year": "2026", "to-day": "1", "to-month": "3",
                    "to-year": "2026"},
        )  # fmt: skip
        nobody = auditor.get("/audit", params={"person": "999 999 9999"})
    assert bad.status_code == 422
    assert "Start date must be a real date" in bad.text
    assert 'value="31"' in bad.text  # what was typed is shown back
    assert "End date must include a month" in half.text
    assert "End date must be the same as or after the start date" in backwards.text
    assert "No service user has that NHS number or record id" in nobody.text


def test_audit_csv_filters_by_person_and_escapes_formulas(record_site: RecordSite) -> None:
    (nhs,) = synthetic_nhs_numbers(random.Random(517_293), 1)  # a seed no other web test uses
    with httpx.Client(base_url=record_site.url, timeout=30) as api:
        token = api.post("/api/v1/token", data={"username": "demo.clinician", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}", "If-Match": "*"}
        teams = [t for t in api.get("/api/v1/teams", headers=headers).json()["items"] if t["code"] == "CMHT-N"]
        su = api.post(
            "/api/v1/service-users",
            headers=headers,
            json={"nhs_number": nhs, "name": "Formula Person", "date_of_birth": "1980-01-02",
                  "team_id": teams[0]["id"]},
        )  # fmt: skip
        assert su.status_code == 201, su.text
        record = su.json()["id"]
        amended = api.post(
            f"/api/v1/service-users/{record}/amendments",
            headers=headers,
            json={"name": "Formula Persona", "amend_reason": "=HYPERLINK(1+1)"},
        )
        assert amended.status_code in (200, 201), amended.text
    with signed_in(record_site, "demo.auditor") as auditor:
        page = auditor.get("/audit", params={"person": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}", "action": "amend"})
        export = auditor.get("/audit.csv", params={"person": nhs, "action": "amend"})
    assert page.status_code == 200
    assert "1 event" in page.text
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == 1
    assert rows[0]["service_user_id"] == record
    assert rows[0]["detail"] == "'=HYPERLINK(1+1)"


def test_a_bad_report_date_is_an_error_on_the_form(record_site: RecordSite) -> None:
    with signed_in(record_site, "demo.teamlead") as lead:
        bad = lead.get("/reports/timeliness", params={"from-day": "30", "from-month": "2", "from-year": "2026"})
        link = lead.get("/reports/timeliness", params={"from": "2026-13-01"})
        good = lead.get(
            "/reports/timeliness",
            params={"from-day": "1", "from-month": "1", "from-year": "2026", "to-day": "30", "to-month": "6",
                    "to-year": "2026"},
        )  # fmt: skip
    assert bad.status_code == 422
    assert "There is a problem" in bad.text
    assert "Start date must be a real date" in bad.text
    assert "Download this report" not in bad.text
    assert link.status_code == 422
    assert good.status_code == 200
    assert "Download this report" in good.text


def test_deactivating_a_user_asks_first(record_site: RecordSite) -> None:
    with signed_in(record_site, "demo.admin") as admin:
        users = admin.get("/admin/users").text
        token = CSRF.search(users)
        assert token
        row = next(r for r in users.split("<tr") if "demo.clinician" in r)
        user_id = re.search(r'action="/admin/users/(\d+)/active"', row)
        assert user_id
        url = f"/admin/users/{user_id.group(1)}/active"
        asked = admin.post(url, data={"csrf_token": token.group(1), "active": "0"})
        assert asked.status_code == 303
        assert asked.headers["location"] == f"/admin/users/{user_id.group(1)}/deactivate"
        still = next(r for r in admin.get("/admin/users").text.split("<tr") if "demo.clinician" in r)
        assert "Active" in still
        confirm = admin.get(asked.headers["location"])
        assert confirm.status_code == 200
        assert "Yes, deactivate demo.clinician" in confirm.text
        done = admin.post(url, data={"csrf_token": token.group(1), "active": "0", "confirm": "yes"})
        assert done.status_code == 303
        now = next(r for r in admin.get("/admin/users").text.split("<tr") if "demo.clinician" in r)
        assert "Deactivated" in now
        assert admin.post(url, data={"csrf_token": token.group(1), "active": "1"}).status_code == 303
