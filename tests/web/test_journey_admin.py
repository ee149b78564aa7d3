"""The admin's journey in Chromium at 1280 and 390 px: add a user, then deactivate them, which
asks on a page of its own first; going back there changes nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import RecordSite
from tests.web.journey import JourneyWatch
from tests.web.role_walk import WIDTHS, RoleWalk


@pytest.mark.parametrize("width", list(WIDTHS))
def test_admin_journey(page: Page, record_site: RecordSite, width: str) -> None:
    base = record_site.url
    page.set_viewport_size(WIDTHS[width])
    walk = RoleWalk(page, JourneyWatch(page))
    username = f"journey.{width}"

    walk.sign_in(base, "demo.admin")
    expect(page.locator("h1")).to_contain_text("Users")
    walk.seen()

    walk.fill("#username", username)
    walk.fill("#full_name", f"Journey {width.title()}")
    walk.fill("#password", "a-long-enough-password")
    walk.click("#role-clinician")
    walk.click("#team_ids label >> nth=0")
    walk.click("button:has-text('Add user')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("User added")
    row = page.locator("#users tr", has_text=username)
    expect(row).to_contain_text("Active")
    walk.seen()

    # deactivate asks first; "No" leaves the account as it was
    walk.click(f"#users tr:has-text('{username}') button:has-text('Deactivate')")
    expect(page.locator("h1")).to_contain_text(f"Deactivate Journey {width.title()}?")
    walk.seen()
    walk.click("text=No, go back to users")
    expect(page.locator("#users tr", has_text=username)).to_contain_text("Active")
    walk.seen()
    walk.click(f"#users tr:has-text('{username}') button:has-text('Deactivate')")
    walk.click(f"button:has-text('Yes, deactivate {username}')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("User deactivated")
    expect(page.locator("#users tr", has_text=username)).to_contain_text("Deactivated")
    walk.seen()
    walk.report("admin", width)
