"""Outcome questionnaires in Chromium: every kind of measure filled in as on a tablet, a partial
questionnaire kept only when meant, nothing typed lost on an error, the paired outcome charted,
roles and CSRF respected, and no serious or critical axe-core violations."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select

from carecluster.domain.outcomes import MEASURES
from carecluster.service import records
from carecluster.service.context import Context
from carecluster.service.nhs import synthetic_nhs_numbers
from carecluster.service.schemas import EpisodeIn, ServiceUserIn
from carecluster.service.security import Actor
from carecluster.store.models import ServiceUser, User, UserTeam
from tests.web.conftest import RecordSite, axe_violations, screenshot, sign_in

_numbers = iter(synthetic_nhs_numbers(random.Random(4242), 500))
TABLET = {"width": 820, "height": 1180}


def person(site: RecordSite, name: str, referral: dt.date) -> str:
    """A service user of demo.clinician's team with an open episode; returns the record id."""
    db = site.app.state.db
    with db.transaction() as session:
        user = session.scalars(select(User).where(User.username == "demo.clinician")).one()
        teams = frozenset(session.scalars(select(UserTeam.team_id).where(UserTeam.user_id == user.id)))
        actor = Actor(user_id=user.id, username=user.username, role=user.role, team_ids=teams)
        ctx = Context(session=session, actor=actor, reference=site.app.state.reference)
        taken = set(session.scalars(select(ServiceUser.nhs_number)))
        number = next(n for n in _numbers if n not in taken)  # the site is shared with other page tests
        su = records.create_service_user(
            ctx, ServiceUserIn(nhs_number=number, name=name, date_of_birth=dt.date(1985, 3, 2), team_id=min(teams))
        )
        records.create_episode(ctx, su.id, EpisodeIn(referral_date=referral))
        return su.id


def fill_date(page: Page, on: dt.date) -> None:
    page.fill("#on-day", str(on.day))
    page.fill("#on-month", str(on.month))
    page.fill("#on-year", str(on.year))


def answer_all(page: Page, measure: str, value: Any) -> None:
    for item in MEASURES[measure].items:
        page.check(f"#item-{item.id}-{value}")


def test_every_kind_of_measure_is_filled_in_and_the_paired_outcome_is_charted(
    page: Page, record_site: RecordSite
) -> None:
    base = record_site.url
    start = dt.date.today() - dt.timedelta(days=60)
    su = person(record_site, "Tablet Person", start)
    page.set_viewport_size(TABLET)
    sign_in(page, base, "demo.clinician")
    page.goto(f"{base}/service-users/{su}/outcomes")
    expect(page.locator("#outcomes-none")).to_be_visible()
    assert axe_violations(page) == []

    fills = {"swemwbs": 3, "reqol10": 2, "dialog": 5, "fft": 1}
    for measure, value in fills.items():
        page.goto(f"{base}/service-users/{su}/outcomes/new?measure={measure}")
        expect(page.locator("h1")).to_contain_text(MEASURES[measure].name)
        answer_all(page, measure, value)
        page.click("button:has-text('Save the questionnaire')")
        expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Questionnaire saved")

    for on, value in ((start + dt.timedelta(days=1), 3), (dt.date.today(), 1)):
        page.goto(f"{base}/service-users/{su}/outcomes/new?measure=core10")
        fill_date(page, on)
        answer_all(page, "core10", value)
        page.click("button:has-text('Save the questionnaire')")
        expect(page.locator(".nhsuk-notification-banner")).to_be_visible()

    page.goto(f"{base}/service-users/{su}/outcomes/new?measure=gas")
    page.fill("#goal-1-description", "Walk to the shop")
    page.fill("#goal-1-weight", "2")
    page.check("#goal-1-rating-0")
    page.fill("#goal-2-description", "Sleep through the night")
    page.check("#goal-2-rating-1")
    assert axe_violations(page) == []
    page.click("button:has-text('Save the questionnaire')")
    expect(page.locator(".nhsuk-notification-banner")).to_be_visible()

    page.goto(f"{base}/service-users/{su}/outcomes/new?measure=gbo")
    page.fill("#goal-1-description", "Back to college")
    page.check("#goal-1-rating-4")
    page.click("button:has-text('Save the questionnaire')")
    expect(page.locator(".nhsuk-notification-banner")).to_be_visible()
    page.goto(f"{base}/service-users/{su}/outcomes/new?measure=gbo")
    expect(page.locator("#goal-1-description")).to_have_value("Back to college")  # the episode's goal, offered again

    page.goto(f"{base}/service-users/{su}/outcomes")
    rows = page.locator("#outcomes-given tbody tr")
    expect(rows).to_have_count(8)
    core = page.locator("section.cc-paired", has_text="CORE-10")
    expect(core.locator("svg.cc-chart circle")).to_have_count(2)
    expect(core.locator(".cc-change")).to_contain_text("Reliable improvement")
    expect(core.locator(".cc-change")).to_contain_text("26 to 14")
    expect(page.locator("section.cc-paired", has_text="SWEMWBS").locator(".cc-change")).to_contain_text(
        "Not yet paired"
    )
    screenshot(page, "outcomes-record")
    assert axe_violations(page) == []


def test_a_missing_answer_is_asked_about_and_nothing_typed_is_lost(page: Page, record_site: RecordSite) -> None:
    base = record_site.url
    su = person(record_site, "Partial Person", dt.date.today() - dt.timedelta(days=10))
    page.set_viewport_size(TABLET)
    sign_in(page, base, "demo.clinician")
    page.goto(f"{base}/service-users/{su}/outcomes/new?measure=swemwbs")
    for item in ("1", "2", "3", "4", "5"):
        page.check(f"#item-{item}-4")
    page.check("#respondent-carer")
    page.fill("#on-day", "31")
    page.fill("#on-month", "2")
    page.click("button:has-text('Save the questionnaire')")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("must be a real date")
    expect(summary).to_contain_text("Question 6 (Feeling close to other people): choose an answer, or tick")
    expect(page.locator("#item-6-error")).to_be_visible()
    for item in ("1", "2", "3", "4", "5"):
        expect(page.locator(f"#item-{item}-4")).to_be_checked()
    expect(page.locator("#respondent-carer")).to_be_checked()
    expect(page.locator("#on-day")).to_have_value("31")
    screenshot(page, "outcome-form-errors")
    assert axe_violations(page) == []
    fill_date(page, dt.date.today())
    page.check("#partial")
    page.click("button:has-text('Save the questionnaire')")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Questionnaire saved")
    expect(page.locator("#outcomes-given")).to_contain_text("Partial")
    expect(page.locator("#outcomes-given")).to_contain_text("partial: 5 of 7 items answered")


def test_only_clinical_staff_record_and_every_post_needs_the_csrf_token(page: Page, record_site: RecordSite) -> None:
    base = record_site.url
    su = person(record_site, "Guarded Person", dt.date.today() - dt.timedelta(days=5))
    sign_in(page, base, "demo.auditor")
    response = page.goto(f"{base}/service-users/{su}/outcomes/new?measure=core10")
    assert response is not None
    assert response.status == 403
    page.goto(f"{base}/service-users/{su}/outcomes")
    expect(page.locator("#paired-heading")).to_be_visible()
    expect(page.locator("#outcome-actions")).to_have_count(0)
    page.context.clear_cookies()
    sign_in(page, base, "demo.clinician")
    forged = page.request.post(
        f"{base}/service-users/{su}/outcomes/new?measure=core10", form={"item-1": "2", "on-day": "1"}
    )
    assert forged.status == 403
    page.goto(f"{base}/service-users/{su}/outcomes")
    expect(page.locator("#outcomes-none")).to_be_visible()
