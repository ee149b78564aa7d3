"""The record-backed pages in Chromium: the clinician's whole journey, admin pages, accessibility."""

from __future__ import annotations

import datetime as dt
import random
import re

from playwright.sync_api import Page, expect

from carecluster.reference import SCALE_CODES
from carecluster.service.nhs import synthetic_nhs_numbers
from tests.web.conftest import RecordSite, axe_violations, screenshot, sign_in

EXAMPLE = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # suggests cluster 4 (non-psychotic)
AT_REVIEW = [0, 1, 0, 0, 1, 0, 3, 2, 3, 3, 2, 3, 0, 0, 0, 0, 2, 2]  # fits 7 well: cluster 5's step-down met
NAME = "Robin Journeyperson"
EARLIER = dt.date.today() - dt.timedelta(days=200)  # cluster 5 is reviewed at least every 6 months


def rate(page: Page, values: list[int]) -> None:
    for code, value in zip(SCALE_CODES, values, strict=True):
        page.check(f"#s{code}-{value}")


def wrong_check_digit(number: str) -> str:
    return number[:9] + str((int(number[9]) + 1) % 10)


def test_clinician_journey(page: Page, record_site: RecordSite) -> None:
    """Sign in, add a service user, rate, allocate against the suggestion, review, see the caseload change."""
    base = record_site.url
    nhs_number = synthetic_nhs_numbers(random.Random(730_399), 1)[0]  # a seed no other web test uses

    page.goto(f"{base}/caseload")
    assert "/sign-in?next=%2Fcaseload" in page.url
    page.fill("#username", "demo.clinician")
    page.fill("#password", "not-the-password")
    page.click("button:has-text('Sign in')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The username or password is not right")
    expect(page.locator("#username")).to_have_value("demo.clinician")
    page.fill("#password", "carecluster-demo")
    page.click("button:has-text('Sign in')")
    expect(page.locator("h1")).to_contain_text("Caseload")
    assert page.url.endswith("/caseload")
    expect(page.locator("header")).to_contain_text("Demo Clinician (clinician)")
    expect(page.locator("main")).not_to_contain_text(NAME)

    # a new service user: a wrong check digit is named in words, and nothing typed is lost
    page.click("text=Add a service user")
    page.fill("#nhs_number", wrong_check_digit(nhs_number))
    page.fill("#name", NAME)
    page.fill("#date_of_birth-day", "17")
    page.fill("#date_of_birth-month", "5")
    page.fill("#date_of_birth-year", "1980")
    page.click("button:has-text('Add service user')")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text(f"the check digit should be {nhs_number[9]}")
    expect(page.locator("#name")).to_have_value(NAME)
    expect(page.locator("#date_of_birth-year")).to_have_value("1980")
    summary.locator("a").first.click()
    expect(page.locator("#nhs_number")).to_be_focused()  # the summary links to the field
    page.fill("#nhs_number", nhs_number)
    page.click("button:has-text('Add service user')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Service user added")
    expect(page.locator("h1")).to_contain_text(NAME)
    expect(page.locator("#current-cluster")).to_contain_text("Not clustered")

    page.goto(f"{base}/caseload")
    row = page.locator("#caseload tr", has_text=NAME)
    expect(row).to_contain_text("Never clustered")
    row.locator("a", has_text=NAME).click()

    # rate: the suggestion updates as the ratings go in; saving leads to the allocation page
    page.click("text=Rate the MHCT and allocate")
    expect(page.locator("#assessed_on-year")).to_have_value(str(dt.date.today().year))
    # long enough ago for the review to be overdue
    page.fill("#assessed_on-day", str(EARLIER.day))
    page.fill("#assessed_on-month", str(EARLIER.month))
    page.fill("#assessed_on-year", str(EARLIER.year))
    page.check("#super_class-non-psychotic")
    rate(page, EXAMPLE)
    page.select_option("#problem_type", "B")
    expect(page.locator("#suggestion")).to_contain_text("Suggested cluster 4")
    page.click("button:has-text('Save the rating and allocate')")
    expect(page.locator("h1")).to_contain_text("Allocate a cluster")
    expect(page.locator("#suggestion")).to_contain_text("Suggested cluster 4: Non-Psychotic (Severe)")
    expect(page.locator("main")).to_contain_text("Suggestion stored with reference set")
    expect(page.locator("#candidates")).to_be_visible()
    expect(page.locator("#grid-4")).to_be_visible()
    page.click("text=Show grid of cluster 5")
    expect(page.locator("#grid-5")).to_contain_text("orange mismatch")
    screenshot(page, "allocation-page-grid-cluster-5")

    # choose against the suggestion: first without a reason
    page.select_option("#chosen_cluster", "5")
    page.click("button:has-text('Save the choice')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("A reason is required")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("differs from the suggested cluster 4")
    expect(page.locator("#chosen_cluster")).to_have_value("5")
    page.fill("#reason", "Longer history of moderate needs than this snapshot shows")
    page.click("button:has-text('Save the choice')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Cluster choice saved")
    expect(page.locator("#current-cluster")).to_contain_text("5")
    expect(page.locator("#timeline")).to_contain_text("Longer history of moderate needs")
    expect(page.locator("#next-review")).not_to_contain_text("No review scheduled")

    page.goto(f"{base}/caseload?sort=due")
    row = page.locator("#caseload tr", has_text=NAME)
    expect(row).to_contain_text("5: Non-Psychotic Disorders (Very Severe)")
    expect(row).to_contain_text(EARLIER.isoformat())
    expect(row).to_contain_text(re.compile(r"Overdue \d+ days"))
    expect(row).not_to_contain_text("Never clustered")
    row.locator("a", has_text=NAME).click()

    # the review wizard from the record, to its outcome, then recorded
    page.click("text=Review cluster 5 with its care transition protocol")
    expect(page.locator("#current")).to_have_value("5")
    page.check("#super_class-non-psychotic")
    rate(page, AT_REVIEW)
    page.select_option("#problem_type", "B")
    page.click("button:has-text('Start the review')")
    for _ in range(3):
        if "Step 6" in page.locator("h1").inner_text():
            break
        page.click("button:has-text('Continue')")
    expect(page.locator("h1")).to_contain_text("Step 6: outcome")
    expect(page.locator("main")).to_contain_text("Outcome: step down")
    expect(page.locator("#record_chosen")).to_have_value("7")
    page.fill("#record_reason", "Stepped down: mood improved, plan agreed with the service user")
    page.click("button:has-text('Record this review')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Review recorded")
    expect(page.locator("#timeline")).to_contain_text("Review of cluster 5")
    expect(page.locator("#current-cluster")).to_contain_text("7")
    expect(page.locator("#honos-chart circle")).to_have_count(2)
    expect(page.locator("#honos-table tbody tr")).to_have_count(2)
    screenshot(page, "record-page-honos-chart")

    page.goto(f"{base}/caseload")
    row = page.locator("#caseload tr", has_text=NAME)
    expect(row).to_contain_text("7: Enduring Non-Psychotic Disorders")
    expect(row).not_to_contain_text("Overdue")
    page.select_option("#whose", label="Team CMHT-N: Community Mental Health Team North")
    page.click("button:has-text('Apply')")
    expect(page.locator("h1")).to_contain_text("Team CMHT-N")
    expect(page.locator("#caseload tr", has_text=NAME)).to_have_count(1)
    screenshot(page, "caseload-team")

    page.click("button:has-text('Sign out')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("You have signed out")
    page.goto(f"{base}/caseload")
    assert "/sign-in" in page.url


def test_admin_manages_teams_and_users(page: Page, record_site: RecordSite) -> None:
    sign_in(page, record_site.url, "demo.admin")
    expect(page.locator("h1")).to_contain_text("Users")
    expect(page.locator("header nav[aria-label=Menu]")).not_to_contain_text("Caseload")
    page.click("text=Teams")
    page.click("button:has-text('Add team')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter a team code")
    page.fill("#code", "ASSERT")
    page.fill("#team_name", "Assertive Outreach")
    page.click("button:has-text('Add team')")
    expect(page.locator("#teams")).to_contain_text("Assertive Outreach")

    page.click("nav[aria-label='Admin sections'] >> text=Users")
    page.fill("#username", "new.clinician")
    page.fill("#full_name", "New Clinician")
    page.fill("#password", "short")
    page.check("#role-clinician")
    page.locator("#team_ids label", has_text="ASSERT").click()
    page.click("button:has-text('Add user')")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("at least 10 characters")
    expect(page.locator("#username")).to_have_value("new.clinician")
    expect(page.locator("#team_ids input[type=checkbox]:checked")).to_have_count(1)
    page.fill("#password", "a-long-enough-password")
    page.click("button:has-text('Add user')")
    row = page.locator("#users tr", has_text="new.clinician")
    expect(row).to_contain_text("ASSERT")
    expect(row).to_contain_text("Active")
    row.locator("button", has_text="Deactivate").click()
    page.click("button:has-text('Yes, deactivate new.clinician')")  # asked on a page of its own first
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("User deactivated")
    expect(page.locator("#users tr", has_text="new.clinician")).to_contain_text("Deactivated")


def test_no_serious_accessibility_violations_on_record_pages(page: Page, record_site: RecordSite) -> None:
    base = record_site.url
    pages = ["/sign-in"]
    page.goto(f"{base}/sign-in")
    page.click("button:has-text('Sign in')")  # the error summary, too
    assert axe_violations(page) == [], "/sign-in with errors"
    sign_in(page, base, "demo.teamlead")
    page.goto(f"{base}/caseload")  # a team lead's first view: a team's caseload
    clustered = page.locator("#caseload tbody tr").filter(has_not_text="Never clustered")
    record = clustered.locator("a[href^='/service-users/']").first.get_attribute("href")
    assert record
    page.goto(f"{base}{record}")
    allocation = page.locator("a[href^='/allocations/']").first.get_attribute("href")
    assert allocation
    pages += [
        "/caseload",
        "/caseload?sort=due&overdue=1",
        "/service-users",
        "/service-users?q=zzzz",
        "/service-users/new",
        record,
        f"{record}/assess",
        allocation,
        "/rate",
        "/clusters/5",
    ]
    for path in pages:
        page.goto(f"{base}{path}")
        assert axe_violations(page) == [], path
    page.goto(f"{base}/service-users/new")
    page.click("button:has-text('Add service user')")
    assert axe_violations(page) == [], "/service-users/new with errors"
    page.goto(f"{base}{allocation}")
    page.select_option("#chosen_cluster", "1")
    page.click("button:has-text('Save the choice')")
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert axe_violations(page) == [], "allocation with errors"
    su = re.sub(r"^/service-users/", "", record)
    query = "&".join(f"s{c}={v}" for c, v in zip(SCALE_CODES, AT_REVIEW, strict=True))
    page.goto(f"{base}/review/step/outcome?current=5&problem_type=B&su={su}&{query}")
    expect(page.locator("#record-form")).to_be_visible()
    assert axe_violations(page) == [], "review outcome with the record form"

    page.context.clear_cookies()
    sign_in(page, base, "demo.admin")
    for path in ("/admin/users", "/admin/teams"):
        page.goto(f"{base}{path}")
        assert axe_violations(page) == [], path


def test_the_allocation_page_asks_the_open_questions_and_takes_the_answers(page: Page, record_site: RecordSite) -> None:
    """A stored suggestion that needs an answer: the question is a warning callout with its answer
    inline; saving it works the suggestion out again and keeps the answer with it."""
    base = record_site.url
    sign_in(page, base, "demo.clinician")
    page.goto(f"{base}/service-users")
    record = re.search(r'href="(/service-users/[0-9a-f]{32})"', page.content())
    assert record
    page.goto(f"{base}{record.group(1)}")
    page.click("text=Rate the MHCT and allocate")
    page.check("#super_class-psychotic")
    rate(page, [1, 0, 0, 1, 1, 3, 2, 0, 3, 3, 2, 3, 0, 1, 0, 0, 2, 3])
    page.click("button:has-text('Save the rating and allocate')")
    expect(page.locator("h1")).to_contain_text("Allocate a cluster")
    expect(page.locator("#suggestion-status")).to_have_text("needs answers")
    callout = page.locator("#question-first_presentation_psychosis")
    expect(callout).to_have_class(re.compile("nhsuk-warning-callout"))
    page.check("#fact_first_presentation_psychosis_no")
    page.click("#save-answers")
    expect(page.locator("#suggestion-status")).to_have_text("suggested")
    expect(page.locator("#answered-facts")).to_contain_text("first presentation psychosis: no")
    expect(page.locator("#question-first_presentation_psychosis")).to_have_count(0)
    assert not axe_violations(page)
