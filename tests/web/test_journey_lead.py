"""The team lead's journey in Chromium at 1280 and 390 px: the worklists for their team, a
report's drill-down to the people behind a number, and a report export."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import RecordSite
from tests.web.journey import JourneyWatch
from tests.web.role_walk import WIDTHS, RoleWalk


@pytest.mark.parametrize("width", list(WIDTHS))
def test_team_lead_journey(page: Page, record_site: RecordSite, width: str) -> None:
    base = record_site.url
    page.set_viewport_size(WIDTHS[width])
    walk = RoleWalk(page, JourneyWatch(page))

    walk.sign_in(base, "demo.teamlead")
    expect(page.locator("h1")).to_contain_text("Caseload")
    walk.seen()

    walk.click("#caseload-links >> text=Worklists")
    expect(page.locator("h1")).to_contain_text("Worklists")
    walk.seen()
    counts = {
        key: int(page.locator(f'[data-count="{key}"]').inner_text())
        for key in ("overdue", "due_soon", "never_clustered", "red_rule", "open_questions", "deteriorating")
    }
    for key, count in counts.items():
        expect(page.locator(f'[data-worklist="{key}"] tbody tr')).to_have_count(count)
    assert sum(counts.values()) > 0

    # the action that clears the first item opens that person's page for it
    first = next(key for key, count in counts.items() if count)
    action = page.locator(f'[data-worklist="{first}"] tbody tr').first.locator("td").last.locator("a")
    href = action.get_attribute("href")
    assert href
    assert href.startswith(("/review?", "/service-users/", "/allocations/"))

    # reports: timeliness, then the people behind the overdue number, then a download
    walk.visit(f"{base}/reports")
    walk.seen()
    walk.click("#report-list >> text=Timeliness of reviews")
    expect(page.locator("h1").first).to_have_text("Timeliness of reviews")
    walk.seen()
    headline = page.locator("#m-overdue_reviews .cc-headline").first
    expect(headline).to_contain_text("overdue of")
    walk.click("#m-overdue_reviews .cc-headline a >> nth=0")
    expect(page.locator("h1")).to_contain_text("Reviews overdue at the end of the period")
    walk.seen()

    page.go_back()
    with page.expect_download() as download:
        walk.click("#downloads >> text=CSV")
    assert download.value.suggested_filename.startswith("carecluster-timeliness-")
    walk.report("team lead", width)
