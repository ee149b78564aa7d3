"""The rating form, its live suggestion, the allocation grid and the cluster reference, in Chromium."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from carecluster.reference import SCALE_CODES
from tests.web.conftest import axe_violations, screenshot

EXAMPLE = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]


def rate(page: Page, values: list[int]) -> None:
    for code, value in zip(SCALE_CODES, values, strict=False):  # a prefix rates the first scales only
        page.check(f"#s{code}-{value}")


def test_suggestion_updates_as_ratings_are_entered(page: Page, web_url: str) -> None:
    page.goto(f"{web_url}/rate")
    expect(page.locator("#suggestion")).to_contain_text("0 of 18 scales rated")
    page.check("#super_class-non-psychotic")
    rate(page, EXAMPLE[:10])
    expect(page.locator("#suggestion")).to_contain_text("10 of 18 scales rated")
    rate(page, EXAMPLE)
    expect(page.locator("#suggestion")).to_contain_text("Suggested cluster 4: Non-Psychotic (Severe)")
    expect(page.locator("#suggestion")).to_contain_text("Inferred grid")
    screenshot(page, "rating-form-live-suggestion", full_page=False)
    page.check("#s7-1")  # 7/8 now 2: the suggestion changes without a reload
    expect(page.locator("#suggestion")).not_to_contain_text("Suggested cluster 4:")
    assert page.url.endswith("/rate")


def test_the_form_works_without_javascript(browser: Browser, web_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{web_url}/rate")
    page.check("#super_class-non-psychotic")
    rate(page, EXAMPLE)
    page.select_option("#problem_type", "B")
    page.click("text=Show the suggested cluster")
    expect(page.locator("#suggestion")).to_contain_text("Suggested cluster 4")
    expect(page.locator("#candidates")).to_contain_text("Non-Psychotic (Severe)")
    expect(page.locator("#grid-4")).to_be_visible()
    expect(page.locator("#s7-3")).to_be_checked()  # nothing typed is lost
    page.click("text=Show grid of cluster 5")
    expect(page.locator("#grid-5")).to_contain_text("orange mismatch")
    screenshot(page, "allocation-grid-cluster-5")
    context.close()


def test_missing_ratings_get_an_error_summary_and_keep_what_was_typed(browser: Browser, web_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{web_url}/rate")
    page.check("#s1-2")
    page.check("#s6-9")
    page.click("text=Show the suggested cluster")
    summary = page.locator(".nhsuk-error-summary")
    items = summary.locator("li")
    expect(items).to_have_count(16)  # 18 scales, 2 of them rated
    expect(items.first).to_have_text("Rate scale 2 (0-4, or 9 if not known)")
    expect(page.locator("#s1-2")).to_be_checked()
    expect(page.locator("#s6-9")).to_be_checked()
    page.click("text=Rate scale 3 (0-4, or 9 if not known)")
    assert page.url.endswith("#s3")
    context.close()


def test_keyboard_only_rating(page: Page, web_url: str) -> None:
    """Tab, Space and the arrow keys alone rate all 18 scales and submit."""
    page.goto(f"{web_url}/rate")

    def tab_to(name: str) -> None:
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == name:
                return
        raise AssertionError(f"Tab never reached {name}")

    tab_to("super_class")
    page.keyboard.press("Space")
    for code, value in zip(SCALE_CODES, EXAMPLE, strict=True):
        tab_to(f"s{code}")
        page.keyboard.press("Space")  # checks 0
        for _ in range(value):
            page.keyboard.press("ArrowRight")
    expect(page.locator("#suggestion")).to_contain_text("Suggested cluster 4")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    page.keyboard.press("Enter")
    expect(page.locator("#candidates")).to_be_visible()
    for code, value in zip(SCALE_CODES, EXAMPLE, strict=True):
        expect(page.locator(f"#s{code}-{value}")).to_be_checked()


def test_cluster_reference_pages(page: Page, web_url: str) -> None:
    page.goto(f"{web_url}/clusters")
    page.click("text=14: Psychotic Crisis")
    expect(page.locator("h1")).to_contain_text("Psychotic Crisis")
    expect(page.locator("main")).to_contain_text("Review at least every")
    expect(page.locator("main")).to_contain_text("4 weeks")
    expect(page.locator("#grid-14")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Discharge criteria (local, editable)")
    screenshot(page, "cluster-14-reference")


def test_review_wizard_asks_only_what_the_ratings_cannot_answer(page: Page, web_url: str) -> None:
    page.goto(f"{web_url}/review")
    page.select_option("#current", "17")
    page.fill("#on-day", "23")
    page.fill("#on-month", "11")
    page.fill("#on-year", "2026")
    rate(page, [0, 0, 4, 0, 0, 2, 1, 1, 2, 2, 1, 2, 0, 2, 0, 0, 3, 2])
    page.click("text=Start the review")
    expect(page.locator("h1")).to_contain_text("Step 3: step-up criteria")
    expect(page.locator("main")).to_contain_text("scale 3 is 4 (needs 3-4)")
    questions = page.locator("fieldset legend")
    expect(questions).to_have_count(1)
    expect(questions.first).to_contain_text("Drinking or drug-taking makes the usual cluster 17 care undeliverable")
    page.check("#f_substance_prevents_care-yes")
    page.click("text=Continue")
    expect(page.locator("h1")).to_contain_text("Step 6: outcome")
    expect(page.locator("main")).to_contain_text("Outcome: step up")
    # 16 is the nearest step-up cluster but 3 expected-range scales are off: a clinical decision
    expect(page.locator("#clinical-decision")).to_contain_text("No listed cluster fits well")
    expect(page.locator("#clinical-decision")).to_contain_text("Cluster 16")
    page.select_option("#chosen", "12")
    page.click("text=Check this choice")
    expect(page.locator(".nhsuk-inset-text")).to_contain_text("A reason must be recorded")
    screenshot(page, "review-wizard-outcome")


def test_review_pages_lead_with_the_engines_disagreement(page: Page, web_url: str) -> None:
    """Cluster 3 stays valid by its protocol, but today's rating fits 7: a rare move, shown first."""
    review = "current=3&on=2026-11-23&" + "&".join(
        f"s{c}={v}" for c, v in zip(SCALE_CODES, [0, 0, 0, 3, 0, 0, 0, 2, 0, 2, 1, 2, 0, 0, 0, 0, 0, 0], strict=True)
    )
    for step in ("step_up", "outcome"):
        page.goto(f"{web_url}/review/step/{step}?{review}&problem_type=B")
        callout = page.locator("#engine-check")
        expect(callout).to_contain_text("Today's rating points to cluster 7, not 3")
        expect(callout).to_contain_text("RARE transition")
    expect(page.locator("main")).to_contain_text("Outcome: no change")
    assert axe_violations(page) == []


def test_a_scale_rated_9_is_asked_to_be_re_rated(page: Page, web_url: str) -> None:
    ratings = [0] * 18
    ratings[6] = 9
    review = "current=2&on=2026-11-23&" + "&".join(f"s{c}={v}" for c, v in zip(SCALE_CODES, ratings, strict=True))
    page.goto(f"{web_url}/review/step/step_up?{review}")
    expect(page.locator("#rerate")).to_contain_text("Scale 7 (Depressed mood) is rated 9")
    page.click("#rerate a")
    expect(page.locator("#current")).to_have_value("2")


def test_no_serious_accessibility_violations(page: Page, web_url: str) -> None:
    query = "&".join(f"s{c}={v}" for c, v in zip(SCALE_CODES, EXAMPLE, strict=True))
    review = "current=17&on=2026-11-23&" + "&".join(
        f"s{c}={v}" for c, v in zip(SCALE_CODES, [0, 0, 4, 0, 0, 2, 1, 1, 2, 2, 1, 2, 0, 2, 0, 0, 3, 2], strict=True)
    )
    for path in (
        "/",
        "/rate",
        f"/rate?{query}&super_class=non-psychotic",
        "/rate?s1=3",
        "/clusters",
        "/clusters/14",
        "/review",
        f"/review/step/step_up?{review}",
        f"/review/step/outcome?{review}&chosen=12",
    ):
        page.goto(f"{web_url}{path}")
        assert axe_violations(page) == [], path


def test_an_open_question_is_answered_inline_and_the_status_follows(page: Page, web_url: str) -> None:
    """Moderate psychosis: the ratings rank 13 first, but first presentation decides 10 vs 13."""
    page.goto(f"{web_url}/rate")
    page.check("#super_class-psychotic")
    rate(page, [1, 0, 0, 1, 1, 3, 2, 0, 3, 3, 2, 3, 0, 1, 0, 0, 2, 3])
    suggestion = page.locator("#suggestion")
    expect(suggestion).to_contain_text("Best answer so far: cluster 13")
    expect(page.locator("#suggestion-status")).to_have_text("needs answers")
    callout = page.locator("#question-first_presentation_psychosis")
    expect(callout).to_contain_text("first presentation to services with psychosis")
    # click, not check: the answer re-renders the panel at once (the radio becomes a kept answer),
    # so the clicked element is gone before a check could confirm its state
    page.click("#fact_first_presentation_psychosis_no")
    expect(page.locator("#suggestion-status")).to_have_text("suggested")
    expect(suggestion).to_contain_text("Suggested cluster 13")
    expect(page.locator("#answered-facts")).to_contain_text("first presentation psychosis: no")
    assert not axe_violations(page)
