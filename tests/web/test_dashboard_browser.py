"""A team lead opens the timeliness dashboard in a real browser (Chromium via Playwright), sets
the period, drills into the overdue reviews and downloads them as CSV; and opens the moves
behind one pair of the transition matrix."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy import update

from carecluster.http import Settings, create_app
from carecluster.service.security import hash_password
from carecluster.store import migrate
from carecluster.store.db import Database
from carecluster.store.models import User
from tests.reports.known import build_known
from tests.reports.population import Population
from tests.web.conftest import ServerThread, axe_violations, screenshot, sign_in

PASSWORD = "dashboard-test-password"


@pytest.fixture(scope="module")
def dashboard_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Population]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('dashboards') / 'd.db'}"
    migrate.upgrade(url)
    db = Database(url)
    population = build_known(db)
    with db.transaction() as session:
        session.execute(update(User).values(password_hash=hash_password(PASSWORD)))
    db.dispose()
    app = create_app(Settings(database_url=url))
    with ServerThread(app) as server:
        yield server.url, population
    app.state.db.dispose()


def test_team_lead_drills_into_overdue_reviews_and_exports_csv(
    page: Page, dashboard_site: tuple[str, Population], tmp_path: Path
) -> None:
    base, population = dashboard_site
    sign_in(page, base, "lead", PASSWORD)
    page.goto(f"{base}/reports")
    page.click("text=Timeliness of reviews")
    for box, value in (("from-day", "1"), ("from-month", "1"), ("from-year", "2026")):
        page.fill(f"#{box}", value)
    for box, value in (("to-day", "30"), ("to-month", "6"), ("to-year", "2026")):
        page.fill(f"#{box}", value)
    page.click("button:has-text('Show')")
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text() == "Timeliness of reviews"
    overdue = page.locator("#m-overdue_reviews")
    assert "1 overdue of 3 clustered service users on the caseload" in " ".join(
        overdue.locator(".cc-headline").inner_text().split()
    )
    assert overdue.locator("svg.cc-chart").count() >= 1  # bars by team and cluster, drawn on the server
    assert page.locator("#t-reviews_by_month svg polyline").count() == 1  # the line chart
    assert axe_violations(page) == []
    screenshot(page, "report-timeliness-dashboard")

    overdue.get_by_role("link", name="1 overdue: list them").first.click()
    page.wait_for_load_state()
    assert "Reviews overdue at the end of the period" in page.locator("h1").inner_text()
    rows = page.locator("#drill tbody tr")
    assert rows.count() == 1
    assert "Person S7" in rows.first.inner_text()
    assert "508" in rows.first.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "report-overdue-drill")

    with page.expect_download() as download_info:
        page.click("#drill-csv")
    saved = tmp_path / "overdue.csv"
    download_info.value.save_as(saved)
    exported = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert [(r["service_user_id"], r["value"]) for r in exported] == [(population.people["S7"], "508.0")]

    page.click("text=Person S7")  # the drill-down leads to the record itself
    page.wait_for_load_state()
    assert "Person S7" in page.content()


def test_a_pair_of_the_transition_matrix_lists_the_moves_behind_it(
    page: Page, dashboard_site: tuple[str, Population]
) -> None:
    base, _ = dashboard_site
    sign_in(page, base, "lead", PASSWORD)
    page.goto(f"{base}/reports/transitions?from=2026-01-01&to=2026-06-30")
    assert page.locator("#t-matrix svg").count() == 1  # the heat map
    page.get_by_role("link", name="from 11, to 10: 1 moves, list them").click()
    page.wait_for_load_state()
    summary = " ".join(page.locator("#drill-summary").inner_text().split())
    assert "moved from cluster 11 to cluster 10" in summary
    rows = page.locator("#drill tbody tr")
    assert rows.count() == 1
    assert "Person S2" in rows.first.inner_text()
    assert axe_violations(page) == []


def test_clinician_cannot_open_the_dashboards(page: Page, dashboard_site: tuple[str, Population]) -> None:
    base, _ = dashboard_site
    sign_in(page, base, "c1", PASSWORD)
    response = page.goto(f"{base}/reports/timeliness")
    assert response is not None
    assert response.status == 403
