"""Shared steps for the team lead, auditor and admin journeys: a walker that counts the actions a
person takes and the pages they see, each page checked by `JourneyWatch` at the current width."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Page

from tests.web.journey import JourneyWatch

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@dataclass
class RoleWalk:
    """Each click, typed field or choice is one action; each page seen is checked and counted."""

    page: Page
    watch: JourneyWatch
    actions: int = 0
    pages: list[str] = field(default_factory=list)

    def seen(self) -> None:
        """The page now shown: every journey rule, and no sideways scrolling at this width."""
        self.watch.check(about_person=False)
        self.watch.no_sideways_scroll()
        self.pages.append(self.page.url)

    def click(self, selector: str) -> None:
        self.actions += 1
        self.page.click(selector)

    def fill(self, selector: str, value: str) -> None:
        self.actions += 1
        self.page.fill(selector, value)

    def select(self, selector: str, value: str) -> None:
        self.actions += 1
        self.page.select_option(selector, value)

    def visit(self, url: str) -> None:
        """Going to a page from the menu: one action."""
        self.actions += 1
        self.page.goto(url)

    def sign_in(self, base: str, username: str) -> None:
        self.page.goto(f"{base}/sign-in")
        self.seen()
        self.fill("#username", username)
        self.fill("#password", "carecluster-demo")
        self.click("button:has-text('Sign in')")
        self.page.wait_for_load_state()

    def report(self, role: str, width: str) -> str:
        line = f"{role} journey at {width}: {len(self.pages)} pages, {self.actions} actions"
        print(line)
        return line


def answered_422(watch: JourneyWatch) -> None:
    """A form answered 422 (errors shown on the form) is logged by Chromium as a console error:
    take exactly that entry off the list; any other console error still fails the next check."""
    expected = f"{watch.page.url}: Failed to load resource: the server responded with a status of 422"
    assert any(e.startswith(expected) for e in watch.console_errors), watch.console_errors
    watch.console_errors[:] = [e for e in watch.console_errors if not e.startswith(expected)]
