"""Every page reachable from the navigation, for every demo role, and /docs: nothing is asked of
another host, every asset the page asks for is served, and at tablet (768 px) and phone (390 px)
widths no page scrolls sideways (issue 17 items 8 and 9)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Response

from tests.web.conftest import RecordSite, sign_in
from tests.web.journey import JourneyWatch

ROLES = ("demo.clinician", "demo.teamlead", "demo.auditor", "demo.admin")
WIDTHS = (390, 768)


def _nav_paths(page: Page) -> list[str]:
    """The header menu's and footer's links on this site, in order, once each."""
    hrefs = page.eval_on_selector_all(
        ".nhsuk-header__navigation-link[href], .nhsuk-footer__list-item-link[href], .nhsuk-header__service-logo",
        "links => links.map(a => a.getAttribute('href'))",
    )
    return list(dict.fromkeys(h for h in hrefs if h and h.startswith("/")))


def _failed_assets(page: Page) -> list[str]:
    failed: list[str] = []

    def on_response(response: Response) -> None:
        path = urlsplit(response.url).path
        if response.status >= 400 and path.startswith(("/assets/", "/static/", "/openapi.json")):
            failed.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    return failed


@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_the_menu_stays_on_this_machine_and_fits_a_phone(
    page: Page, record_site: RecordSite, role: str
) -> None:
    watch = JourneyWatch(page)
    failed = _failed_assets(page)
    sign_in(page, record_site.url, role)
    paths = _nav_paths(page)
    assert len(paths) >= 3, paths  # the menu really was found
    too_wide: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(record_site.url + path)
            page.wait_for_load_state("networkidle")
            try:
                watch.no_sideways_scroll()
            except AssertionError as error:
                too_wide.append(f"at {width}px {error}")
    assert not too_wide, "\n".join(too_wide)
    assert watch.outside_requests == []
    assert failed == []


def test_api_documentation_is_served_from_the_app(page: Page, record_site: RecordSite) -> None:
    watch = JourneyWatch(page)
    failed = _failed_assets(page)
    page.goto(record_site.url + "/docs")
    # Swagger UI drew the operations from /openapi.json: the viewer ran under the strict CSP.
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 10
    assert watch.outside_requests == []
    assert watch.console_errors == []
    assert failed == []


def test_the_stylesheets_images_are_served(page: Page, record_site: RecordSite) -> None:
    response = page.goto(record_site.url + "/assets/nhsuk/assets/images/nhsuk-icon-cross.svg")
    assert response is not None
    assert response.status == 200


def test_a_scrolling_table_is_a_labelled_focusable_region_that_keeps_the_page_still(
    page: Page, record_site: RecordSite
) -> None:
    page.set_viewport_size({"width": 390, "height": 900})
    watch = JourneyWatch(page)
    page.goto(record_site.url + "/clusters")
    watch.check(about_person=False)  # axe (scrollable-region-focusable, region names), console, outside hosts
    watch.no_sideways_scroll()
    region = page.locator("[data-scroll-table]").first
    assert region.get_attribute("role") == "region"
    assert region.get_attribute("aria-label")
    inner = region.evaluate("el => el.scrollWidth - el.clientWidth")
    assert inner > 0  # the table really is wider than a phone: it scrolls inside, not the page
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())
