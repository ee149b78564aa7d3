"""The currency at the point of care in Chromium (issue 22): a person whose episode falls to the
fallback group is on the data-quality worklist with what is missing; its link opens the form that
records the diagnosis and coded referral reason; the record then shows the group the cascade
decides and its history; the caseload filters by group; an admin sets a team's type."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from carecluster.service import records
from carecluster.service.context import Context
from carecluster.service.nhs import synthetic_nhs_numbers
from carecluster.service.schemas import EpisodeIn, ServiceUserIn
from carecluster.service.security import Actor
from carecluster.store.models import ServiceUser, Team, User, UserTeam
from tests.web.conftest import RecordSite, sign_in
from tests.web.journey import JourneyWatch
from tests.web.role_walk import WIDTHS, answered_422

_numbers = iter(synthetic_nhs_numbers(random.Random(2622), 500))


def ungrouped_person(site: RecordSite, name: str) -> tuple[str, str, str]:
    """A person in demo.clinician's team (type A06, which decides no group) with an open episode
    that has neither diagnosis nor coded reason: (record id, episode id, team code)."""
    db = site.app.state.db
    with db.transaction() as session:
        user = session.scalars(select(User).where(User.username == "demo.clinician")).one()
        teams = frozenset(session.scalars(select(UserTeam.team_id).where(UserTeam.user_id == user.id)))
        team = session.get(Team, min(teams))
        assert team is not None
        assert team.team_type == "A06", "the demo gives CMHT-N the type A06"
        actor = Actor(user_id=user.id, username=user.username, role=user.role, team_ids=teams)
        ctx = Context(session=session, actor=actor, reference=site.app.state.reference)
        taken = set(session.scalars(select(ServiceUser.nhs_number)))
        number = next(n for n in _numbers if n not in taken)
        su = records.create_service_user(
            ctx,
            ServiceUserIn(
                nhs_number=number,
                name=name,
                date_of_birth=dt.date(1979, 6, 1),
                team_id=team.id,
                clinician_id=user.id,
            ),
        )
        episode = records.create_episode(
            ctx, su.id, EpisodeIn(referral_date=dt.date.today() - dt.timedelta(days=5), referral_reason="Low mood")
        )
        return su.id, episode.id, team.code


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_fallback_episode_is_listed_fixed_and_then_grouped(page: Page, record_site: RecordSite, width: str) -> None:
    base = record_site.url
    name = f"Currency Gap {width.title()}"
    su, episode, team_code = ungrouped_person(record_site, name)
    page.set_viewport_size(WIDTHS[width])
    watch = JourneyWatch(page)
    sign_in(page, base, "demo.clinician")

    page.click("#caseload-links >> text=Currency data quality")
    expect(page.locator("h1")).to_contain_text("Currency data quality")
    watch.check(about_person=False)
    watch.no_sideways_scroll()
    row = page.locator(f'#currency-worklist tr[data-person="{su}"]')
    expect(row).to_contain_text("MBU96A (fallback)")
    expect(row.locator('[data-missing="PrimDiag"]')).to_contain_text("No primary diagnosis")
    expect(row.locator('[data-missing="PrimReasonReferralMH"]')).to_be_visible()
    month = (dt.date.today() - dt.timedelta(days=5)).strftime("%Y-%m")
    expect(page.locator(f'#currency-counts tr[data-team-month="{team_code} {month}"]')).to_be_visible()
    expect(page.locator(f'#currency-counts tr[data-team-total="{team_code}"]')).to_be_visible()

    row.locator('[data-missing="PrimDiag"] a').click()
    assert page.url.endswith(f"/currency/episodes/{episode}")
    watch.check(about_person=True)
    watch.no_sideways_scroll()
    page.fill("#primary_diagnosis", "depression")
    page.fill("#amend_reason", "diagnosis at assessment")
    page.click("button:has-text('Save')")
    expect(page.locator("#primary_diagnosis-error")).to_contain_text("ICD-10")
    expect(page.locator("#amend_reason")).to_have_value("diagnosis at assessment")
    answered_422(watch)
    watch.check(about_person=True)

    page.fill("#primary_diagnosis", "F32.1")
    page.select_option("#referral_reason_code", "04")
    page.click("button:has-text('Save')")
    assert page.url.endswith(f"/service-users/{su}?saved=currency")
    watch.check(about_person=True)
    watch.no_sideways_scroll()
    expect(page.locator("#currency-group [data-currency-code]")).to_have_text("MAB96A")
    expect(page.locator("#currency-group")).to_contain_text("diagnosis F32 -> MAB")
    expect(page.locator("#currency-group")).to_contain_text("2026-27")
    expect(page.locator("#currency-history tbody tr")).to_have_count(2)
    expect(page.locator("#currency-history tbody tr").first).to_contain_text("MAB96A")
    expect(page.locator("#currency-history tbody tr").last).to_contain_text("MBU96A")

    page.goto(f"{base}/currency/worklist")
    expect(page.locator(f'#currency-worklist tr[data-person="{su}"]')).to_have_count(0)

    page.goto(f"{base}/caseload?whose=me&group=MAB")
    watch.check(about_person=False)
    watch.no_sideways_scroll()
    expect(page.locator("#caseload tbody tr", has_text=name)).to_have_count(1)
    cells = page.locator("#caseload tbody td[data-currency]")
    assert set(cells.evaluate_all("cells => cells.map(c => c.dataset.currency)")) == {"MAB"}
    page.goto(f"{base}/caseload?whose=me&group=MBU")
    expect(page.locator("#caseload tbody tr", has_text=name)).to_have_count(0)


def test_an_admin_sets_a_team_s_type_from_the_tables_list(page: Page, record_site: RecordSite) -> None:
    base = record_site.url
    watch = JourneyWatch(page)
    sign_in(page, base, "demo.admin")
    page.goto(f"{base}/admin/teams")
    watch.check(about_person=False)
    with record_site.app.state.db.transaction(write=False) as session:
        team = session.scalars(select(Team).where(Team.code == "PCMH")).one()
        before = team.team_type
    row = page.locator('#teams tr[data-team="PCMH"]')
    expect(row.locator("select")).to_have_value(before or "")
    row.locator("select").select_option("A13")
    row.locator("button").click()
    expect(page.locator("body")).to_contain_text("Team type saved.")
    with record_site.app.state.db.transaction(write=False) as session:
        assert session.scalars(select(Team.team_type).where(Team.code == "PCMH")).one() == "A13"
    expect(page.locator('#teams tr[data-team="PCMH"] select')).to_have_value("A13")
    watch.check(about_person=False)
    page.locator('#teams tr[data-team="PCMH"] select').select_option(before or "")
    page.locator('#teams tr[data-team="PCMH"] button').click()
    expect(page.locator('#teams tr[data-team="PCMH"] select')).to_have_value(before or "")


def test_an_inpatient_admission_without_a_bed_type_is_listed_and_fixed_on_the_spell_page(
    page: Page, record_site: RecordSite
) -> None:
    base = record_site.url
    su, _episode, _team = ungrouped_person(record_site, "Currency Ward Person")
    watch = JourneyWatch(page)
    sign_in(page, base, "demo.clinician")
    page.goto(f"{base}/service-users/{su}")
    page.click("#actions >> text=Record an inpatient admission")
    watch.check(about_person=True)
    page.click("button:has-text('Save')")
    assert page.url.endswith(f"/service-users/{su}?saved=spell")
    expect(page.locator("#currency-group [data-currency-code]")).to_have_text("MBU98Z")
    expect(page.locator("#currency-spell")).to_be_visible()

    page.goto(f"{base}/currency/worklist")
    fix = page.locator(f'#currency-worklist tr[data-person="{su}"] [data-missing="MHAdmittedPatientClass"] a')
    expect(fix).to_contain_text("Record the ward bed type")
    fix.click()
    assert "/currency/spells/" in page.url
    watch.check(about_person=True)
    page.select_option("#bed_type", "203")
    page.click("button:has-text('Save')")
    expect(page.locator("#amend_reason-error")).to_be_visible()
    answered_422(watch)
    page.fill("#amend_reason", "bed type recorded")
    page.click("button:has-text('Save')")
    assert page.url.endswith(f"/service-users/{su}?saved=spell")
    watch.check(about_person=True)
    expect(page.locator("#currency-group [data-currency-code]")).to_have_text("MBC98C")
