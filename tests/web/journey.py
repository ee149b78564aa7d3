"""What every page of a journey test must satisfy, checked in one place.

A journey test walks a role's work start to finish in the real browser. On each page it visits,
`JourneyWatch.check` asserts the same five things, so a new page cannot slip through unchecked:

- no serious or critical axe-core violation;
- no console error (a broken script or a refused stylesheet shows there first);
- no request to a host other than the loopback server (trust networks are often closed, and the
  app must never wait on a host it does not serve);
- the person banner (`[data-person-banner]`) on every page about one person, and only there;
- no sideways scrolling at the current width (wide tables scroll inside their own region).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Page, Request

from tests.web.conftest import axe_violations

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
PERSON_BANNER = "[data-person-banner]"


def is_loopback(url: str) -> bool:
    """Whether a URL the page asked for stays on this machine (data: and blob: URLs do)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return (parts.hostname or "") in LOOPBACK_HOSTS


@dataclass
class JourneyWatch:
    """Listens to one page for console errors and outside requests while a journey runs."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    pages_checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("request", self._on_request)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{self.page.url}: {message.text}")

    def _on_request(self, request: Request) -> None:
        if not is_loopback(request.url):
            self.outside_requests.append(f"{self.page.url} asked for {request.url}")

    def check(self, *, about_person: bool) -> None:
        """Assert the page now shown meets every rule above; `about_person` says if it is about one person."""
        self.page.wait_for_load_state()
        url = self.page.url
        self.pages_checked.append(url)
        violations = axe_violations(self.page)
        assert violations == [], f"{url}: accessibility violations {violations}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.outside_requests == [], f"requests off this machine: {self.outside_requests}"
        banners = self.page.locator(PERSON_BANNER).count()
        if about_person:
            assert banners == 1, f"{url}: expected one person banner, found {banners}"
        else:
            assert banners == 0, f"{url}: a person banner on a page about no one person"
        self.no_sideways_scroll()

    def no_sideways_scroll(self) -> None:
        """At the current viewport the page never scrolls sideways (wide tables scroll inside)."""
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            culprits = self.page.evaluate(
                """() => {
                  const width = document.documentElement.clientWidth;
                  const clipped = el => {
                    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(up).overflowX)) return true;
                    }
                    return false;
                  };
                  const wide = [...document.querySelectorAll('body *')].filter(el => {
                    const box = el.getBoundingClientRect();
                    return box.right > width + 1 && box.width > 0 && !clipped(el);
                  });
                  // the innermost ones: elements none of whose children are also too wide
                  const inner = wide.filter(el => !wide.some(other => other !== el && el.contains(other)));
                  return inner.slice(0, 4).map(el =>
                    el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                    ' (right edge ' + Math.round(el.getBoundingClientRect().right) + 'px)');
                }"""
            )
            raise AssertionError(f"{self.page.url}: page is {overflow}px wider than the viewport; widest: {culprits}")
