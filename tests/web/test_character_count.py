"""The NHS.UK character count, from the shared macro: the limit is in words before any script,
and nhsuk-frontend's own script (served by the app, under the strict CSP) counts as people type."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import Page

from carecluster.api import resolve_reference
from carecluster.http.headers import CSP
from carecluster.web import mount_web
from carecluster.web.templating import TEMPLATES
from tests.web.conftest import ServerThread
from tests.web.journey import JourneyWatch

PAGE = """{% extends "base.html" %}{% from "partials/shared.html" import character_count %}
{% block content %}<h1>Reason</h1><form>{{ character_count("reason", "Why this cluster?", maxlength=20,
hint="Say what the clinician saw", error=error) }}</form>{% endblock %}"""


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    app = FastAPI()
    mount_web(app)
    reference = resolve_reference(None)

    @app.get("/count")
    def count(error: str | None = None) -> HTMLResponse:
        html = TEMPLATES.env.from_string(PAGE).render(
            reference=reference, nav_links=(), user=None, csrf_token=None, active="/count", errors={}, error=error
        )
        return HTMLResponse(html, headers={"Content-Security-Policy": CSP})

    with ServerThread(app) as server:
        yield server.url


def test_the_limit_is_stated_and_counted_as_people_type(page: Page, site: str) -> None:
    watch = JourneyWatch(page)
    page.goto(f"{site}/count")
    field = page.locator("#reason")
    assert "reason-info" in (field.get_attribute("aria-describedby") or "")
    page.wait_for_function("() => document.querySelector('.nhsuk-character-count__status') !== null")
    field.fill("x" * 25)
    status = page.locator(".nhsuk-character-count__status")
    page.wait_for_function(
        "() => /5 characters too many/.test(document.querySelector('.nhsuk-character-count__status').textContent)"
    )
    assert "too many" in status.inner_text()
    watch.check(about_person=False)  # axe, no console error (a refused script would show), no outside host


def test_an_error_is_shown_against_the_field(page: Page, site: str) -> None:
    page.goto(f"{site}/count?error=Reason%20must%20be%2020%20characters%20or%20fewer")
    assert page.locator("#reason-error").inner_text().endswith("Reason must be 20 characters or fewer")
    assert "reason-error" in (page.locator("#reason").get_attribute("aria-describedby") or "")
