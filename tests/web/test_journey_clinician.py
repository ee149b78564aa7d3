"""The clinician's whole journey in Chromium, at desktop (1280 px) and phone (390 px) widths.

Add a person, open their episode of care, rate the MHCT and answer the engine's question inline,
allocate with a reason, record a patient-rated measure, review the cluster with its care
transition protocol, and end the episode at discharge. Every page visited passes
`JourneyWatch.check` (axe-core, console errors, no outside requests, the person banner exactly
where a page is about one person). The pages and actions counted are printed for the closing note.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from carecluster.domain.outcomes import MEASURES
from carecluster.reference import SCALE_CODES
from carecluster.service.nhs import synthetic_nhs_numbers
from tests.web.conftest import RecordSite, screenshot
from tests.web.journey import JourneyWatch

# moderate psychosis: the engine ranks 13 first but asks whether this is a first presentation
PSYCHOSIS = [1, 0, 0, 1, 1, 3, 2, 0, 3, 3, 2, 3, 0, 1, 0, 0, 2, 3]
REFERRED = dt.date.today() - dt.timedelta(days=40)
RATED = dt.date.today() - dt.timedelta(days=30)
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@dataclass
class Walk:
    """Counts what a person does: each click, typed field or choice is one action."""

    page: Page
    watch: JourneyWatch
    actions: int = 0

    def click(self, selector: str) -> None:
        self.actions += 1
        self.page.click(selector)

    def fill(self, selector: str, value: str) -> None:
        self.actions += 1
        self.page.fill(selector, value)

    def check(self, selector: str) -> None:
        self.actions += 1
        self.page.check(selector)

    def select(self, selector: str, value: str) -> None:
        self.actions += 1
        self.page.select_option(selector, value)

    def date(self, prefix: str, on: dt.date) -> None:
        for part, value in (("day", on.day), ("month", on.month), ("year", on.year)):
            self.fill(f"#{prefix}-{part}", str(value))

    def rate(self, values: list[int]) -> None:
        for code, value in zip(SCALE_CODES, values, strict=True):
            self.check(f"#s{code}-{value}")


def answered_422(watch: JourneyWatch) -> None:
    """A form sent back with errors answers 422, which Chromium logs as a console error: take
    exactly that entry off the list (any other console error still fails the next check)."""
    expected = f"{watch.page.url}: Failed to load resource: the server responded with a status of 422"
    assert any(e.startswith(expected) for e in watch.console_errors), watch.console_errors
    watch.console_errors[:] = [e for e in watch.console_errors if not e.startswith(expected)]


def banner(page: Page) -> str:
    return page.locator("[data-person-banner]").inner_text()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_clinician_journey_start_to_finish(page: Page, record_site: RecordSite, width: str) -> None:
    base = record_site.url
    seed = {"desktop": 170_001, "phone": 170_002}[width]
    nhs_number = synthetic_nhs_numbers(random.Random(seed), 1)[0]  # seeds no other web test uses
    name = f"Alex Journey {width.title()}"
    page.set_viewport_size(WIDTHS[width])
    watch = JourneyWatch(page)
    walk = Walk(page, watch)

    page.goto(f"{base}/sign-in")
    watch.check(about_person=False)
    walk.fill("#username", "demo.clinician")
    walk.fill("#password", "carecluster-demo")
    walk.click("button:has-text('Sign in')")
    expect(page.locator("h1")).to_contain_text("Caseload")
    watch.check(about_person=False)

    # add a person
    walk.click("text=Add a service user")
    watch.check(about_person=False)
    walk.fill("#nhs_number", nhs_number)
    walk.fill("#name", name)
    walk.date("date_of_birth", dt.date(1990, 6, 14))
    walk.click("button:has-text('Add service user')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Service user added")
    watch.check(about_person=True)
    spaced = f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"
    assert name in banner(page)
    assert spaced in banner(page)
    assert "14 June 1990" in banner(page)
    expect(page.locator("#episode")).to_contain_text("No open episode")

    # open an episode of care: a malformed diagnosis is named, nothing typed is lost
    walk.click("text=Open an episode of care")
    watch.check(about_person=True)
    walk.date("referral", REFERRED)
    walk.select("#referral_source", "GP")
    walk.fill("#referral_reason", "Hearing voices for three months; low mood")
    walk.fill("#primary_diagnosis", "F2O")
    walk.click("button:has-text('Open the episode')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("ICD-10 code, for example F32.1")
    expect(page.locator("#referral_reason")).to_have_value("Hearing voices for three months; low mood")
    answered_422(watch)
    watch.check(about_person=True)
    walk.fill("#primary_diagnosis", "f20.0")
    walk.click("button:has-text('Open the episode')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Episode of care opened")
    expect(page.locator("#episode")).to_contain_text("referred by GP; primary diagnosis F20.0")
    expect(page.locator("#timeline")).to_contain_text("Episode of care opened")
    watch.check(about_person=True)

    # rate, answering the engine's question inline in the suggestion panel
    walk.click("text=Rate the MHCT and allocate")
    watch.check(about_person=True)
    walk.date("assessed_on", RATED)
    walk.check("#super_class-psychotic")
    walk.rate(PSYCHOSIS[:9] + [9] * 9)
    suggestion = page.locator("#suggestion")
    page.locator("#s9").scroll_into_view_if_needed()
    expect(suggestion).to_be_in_viewport()  # the live suggestion stays in view while rating
    if width == "phone":
        screenshot(page, "journey-clinician-rating-390", full_page=False)
    walk.rate(PSYCHOSIS)
    expect(page.locator("#suggestion-status")).to_have_text("needs answers")
    walk.click("#fact_first_presentation_psychosis_no")  # click: the panel re-renders at once
    expect(page.locator("#suggestion-status")).to_have_text("suggested")
    expect(suggestion).to_contain_text("Suggested cluster 13")
    watch.check(about_person=True)
    walk.click("button:has-text('Save the rating and allocate')")
    expect(page.locator("h1")).to_contain_text("Allocate a cluster")
    watch.check(about_person=True)

    # allocate with a reason
    walk.select("#chosen_cluster", "13")
    walk.fill("#reason", "Fits the ratings and the history given by the GP")
    walk.click("button:has-text('Save the choice')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Cluster choice saved")
    expect(page.locator("#current-cluster")).to_contain_text("13")
    assert "Cluster 13" in banner(page)
    watch.check(about_person=True)

    # a patient-rated measure attaches to the open episode without being asked
    walk.click("main >> text=Record an outcome measure")
    watch.check(about_person=True)
    walk.click(f"text={MEASURES['core10'].name}")
    expect(page.locator("h1")).to_contain_text(MEASURES["core10"].name)
    watch.check(about_person=True)
    for item in MEASURES["core10"].items:
        walk.check(f"#item-{item.id}-2")
    walk.click("button:has-text('Save the questionnaire')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Questionnaire saved")
    watch.check(about_person=True)

    # review: opens clean from the record, every step names the person
    walk.click(f"[data-person-banner] >> text={name}")  # the banner's name leads back to the record
    watch.check(about_person=True)
    walk.click("text=Review cluster 13 with its care transition protocol")
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
    expect(page.locator("#current-from-record")).to_contain_text("Cluster 13")
    watch.check(about_person=True)
    walk.check("#super_class-psychotic")
    walk.rate(PSYCHOSIS)
    walk.click("button:has-text('Start the review')")
    for _ in range(6):
        watch.check(about_person=True)
        heading = page.locator("h1").inner_text()
        number = heading.split(":")[0].removeprefix("Step ")
        expect(page.locator("[aria-current=step]")).to_contain_text(f"Step {number}:")  # list and heading agree
        if heading.startswith("Step 6"):
            break
        for group in page.locator("form input[type=radio][value=no]").all():
            walk.check(f"#{group.get_attribute('id')}")
        walk.click("button:has-text('Continue')")
    expect(page.locator("h1")).to_contain_text("Step 6: outcome")
    if width == "phone":
        screenshot(page, "journey-clinician-review-outcome-390")
    shown = page.locator("#engine-suggestion").inner_text()
    walk.fill("#record_reason", "Reviewed with the person and their carer")
    walk.click("button:has-text('Record this review')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Review recorded")
    watch.check(about_person=True)
    # the suggestion stored with the review's rating is the one the outcome step showed
    suggested = shown.rsplit(" ", 1)[1]
    expect(page.locator("#timeline")).to_contain_text(f"Suggested cluster {suggested}")

    # discharge: the episode ends, and so does the cluster period
    walk.click("text=End the episode at discharge")
    watch.check(about_person=True)
    walk.fill("#discharge_reason", "x" * 2001)
    walk.click("button:has-text('End the episode')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("at most 2,000 characters")
    answered_422(watch)
    watch.check(about_person=True)
    walk.fill("#discharge_reason", "Recovered; discharged to GP care")
    walk.click("button:has-text('End the episode')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Episode of care ended")
    expect(page.locator("#episode")).to_contain_text("No open episode")
    expect(page.locator("#current-cluster")).to_contain_text("Not clustered")
    expect(page.locator("#timeline")).to_contain_text("Episode of care ended (discharge)")
    watch.check(about_person=True)
    if width == "phone":
        watch.no_sideways_scroll()

    pages = len(watch.pages_checked)
    print(f"\nclinician journey at {WIDTHS[width]['width']} px: {pages} page checks, {walk.actions} actions")
    assert pages >= 20
