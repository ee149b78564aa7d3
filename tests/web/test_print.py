"""Printed pages about one person (issue 17 item 2): the person banner, who printed the page and
when, no menus or buttons, and every column of a wide table on the paper."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import RecordSite, sign_in

A4_WIDTH = {"width": 794, "height": 1123}  # A4 at 96 dpi


def _a_person_with_an_allocation(page: Page, base: str) -> tuple[str, str]:
    """The first demo person on the list whose record links to an allocation, and that link."""
    page.goto(base + "/service-users")
    people = page.eval_on_selector_all(
        "main table a[href^='/service-users/']", "links => links.map(a => a.getAttribute('href'))"
    )
    for person in people:
        page.goto(base + person)
        allocations = page.eval_on_selector_all(
            "a[href^='/allocations/']", "links => links.map(a => a.getAttribute('href'))"
        )
        if allocations:
            return person, allocations[0]
    raise AssertionError(f"no demo person among {len(people)} has an allocation")


@pytest.mark.parametrize("which", ["record", "allocation"])
def test_a_printed_page_names_the_person_and_the_printer(page: Page, record_site: RecordSite, which: str) -> None:
    sign_in(page, record_site.url, "demo.teamlead")  # two teams: the small demo always has people there
    record, allocation = _a_person_with_an_allocation(page, record_site.url)
    page.set_viewport_size(A4_WIDTH)
    page.goto(record_site.url + (record if which == "record" else allocation))
    printed = page.locator("#printed-by")
    expect(printed).to_be_hidden()  # on screen the banner says it; the line is for paper
    page.emulate_media(media="print")
    banner = page.locator("[data-person-banner]")
    expect(banner).to_be_visible()
    name = banner.locator("strong").inner_text()
    expect(printed).to_be_visible()
    expect(printed).to_contain_text(f"Confidential: {name}")
    expect(printed).to_contain_text("Printed from carecluster by ")
    expect(page.locator(".nhsuk-header")).to_be_hidden()
    expect(page.locator(".nhsuk-footer")).to_be_hidden()
    assert page.locator(".nhsuk-button:visible").count() == 0
    # a wide table is printed whole: nothing is left hidden in a scroll box
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('[data-scroll-table]')]
             .filter(box => box.scrollWidth > box.clientWidth + 1).length"""
    )
    assert clipped == 0


def test_a_page_about_no_one_prints_no_person(page: Page, record_site: RecordSite) -> None:
    sign_in(page, record_site.url, "demo.clinician")
    page.goto(record_site.url + "/clusters")
    page.emulate_media(media="print")
    printed = page.locator("#printed-by")
    expect(printed).to_be_visible()
    expect(printed).not_to_contain_text("Confidential")
