"""The auditor's journey in Chromium at 1280 and 390 px: open the audit trail, filter it (a
mistyped date is named on the form, nothing else lost), and export what is shown as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import RecordSite
from tests.web.journey import JourneyWatch
from tests.web.role_walk import WIDTHS, RoleWalk, answered_422


@pytest.mark.parametrize("width", list(WIDTHS))
def test_auditor_journey(page: Page, record_site: RecordSite, width: str) -> None:
    base = record_site.url
    page.set_viewport_size(WIDTHS[width])
    walk = RoleWalk(page, JourneyWatch(page))
    today = dt.date.today()

    walk.sign_in(base, "demo.auditor")
    walk.seen()
    walk.click("#caseload-links >> text=Audit trail")
    expect(page.locator("h1")).to_contain_text("Audit trail")
    walk.seen()
    expect(page.locator("#audit-events tbody tr").first).to_be_visible()

    # filter: sign-ins today, with the day of the start date mistyped first
    walk.select("#action", "login")
    for part, value in (("day", "32"), ("month", str(today.month)), ("year", str(today.year))):
        walk.fill(f"#from-{part}", value)
    walk.click("button:has-text('Filter')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Start date must be a real date")
    expect(page.locator("#action")).to_have_value("login")
    answered_422(walk.watch)
    walk.seen()
    walk.fill("#from-day", str(today.day))
    walk.click("button:has-text('Filter')")
    expect(page.locator("#audit-summary")).to_contain_text("event")
    walk.seen()
    rows = page.locator("#audit-events tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        assert "login" in rows.nth(i).inner_text()

    with page.expect_download() as download:
        walk.click("#audit-export")
    text = download.value.path().read_text(encoding="utf-8")
    exported = list(csv.DictReader(io.StringIO(text)))
    assert exported
    assert {row["action"] for row in exported} == {"login"}
    assert all(row["at"][:10] >= today.isoformat() for row in exported)
    walk.report("auditor", width)
