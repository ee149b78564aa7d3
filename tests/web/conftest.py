"""A real server on loopback and a real browser: Debian's Chromium driven by Playwright.

The browser is the system's (`/usr/bin/chromium`, installed by `make test`); Playwright never
downloads one. Screenshots go to test-artifacts/screenshots for people to look at.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    """uvicorn in a thread, stopped cleanly at the end of the session."""

    def __init__(self, app: object) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test web server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical WCAG 2.x A/AA violations found by axe-core on the current page."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make test`, which runs `npm ci`")
    # Evaluated through the browser's debugging protocol, not added as a <script>: the pages'
    # Content Security Policy (rightly) refuses any script that is not one of the service's files.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture(scope="session")
def web_url() -> Iterator[str]:
    """The pages that need no record, served on their own."""
    from fastapi import FastAPI

    from carecluster.web import mount_web

    app = FastAPI()
    mount_web(app)
    with ServerThread(app) as server:
        yield server.url


@dataclass
class RecordSite:
    """The whole service (API, pages, database) on loopback, seeded with a little demo data."""

    url: str
    app: Any


@pytest.fixture(scope="session")
def record_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordSite]:
    from carecluster.http import Settings, create_app
    from carecluster.service.demo import create_demo_data
    from carecluster.web import mount_web

    tmp = tmp_path_factory.mktemp("web-records")
    app = create_app(Settings(database_url=f"sqlite:///{tmp}/t.db"))
    mount_web(app)
    create_demo_data(app.state.db, app.state.reference, 12)  # 12: every demo login's team has people
    with ServerThread(app) as server:
        yield RecordSite(url=server.url, app=app)


def sign_in(page: Page, base_url: str, username: str, password: str = "carecluster-demo") -> None:
    page.goto(f"{base_url}/sign-in")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state()


# --- one browser for every browser test ---------------------------------------------------------
# Defined here, once (and only here, so that the other tests start without the browser package):
# a second sync Playwright started while the first is alive fails with "Sync API inside the
# asyncio loop".

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make test`, which installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
