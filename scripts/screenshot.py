"""Take the README's screenshot: a clinician rating the MHCT with the live suggestion beside it.

Starts `carecluster serve` on a throw-away SQLite database seeded with 50 synthetic people, on a
free loopback port, and drives Debian's Chromium (/usr/bin/chromium; Playwright downloads no
browser) through sign-in, the caseload and one person's rating page. Writes
docs/images/suggestion.png (1280 px wide, viewport only, to keep it small):

    .venv/bin/python scripts/screenshot.py [-o docs/images/suggestion.png]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CARECLUSTER = Path(sys.executable).with_name("carecluster")
# The README's example rating (scales 1-13, A-E): suggested cluster 4 in the non-psychotic super class.
EXAMPLE = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]
SCALES = [str(n) for n in range(1, 14)] + list("ABCDE")
WIDTH, HEIGHT = 1280, 860


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"screenshot: carecluster serve stopped with exit code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"screenshot: carecluster serve did not answer {url}/healthz within {seconds:.0f} s")


def rate_first_person(page: Page, url: str) -> None:
    """Sign in as the demo clinician, open the first person on the caseload and rate the MHCT."""
    page.goto(f"{url}/sign-in")
    page.fill("#username", "demo.clinician")
    page.fill("#password", "carecluster-demo")
    page.click("button:has-text('Sign in')")
    expect(page.locator("h1")).to_contain_text("Caseload")
    page.locator("main table tbody tr a").first.click()
    page.click("text=Rate the MHCT and allocate")
    page.check("#super_class-non-psychotic")
    for code, value in zip(SCALES, EXAMPLE, strict=True):
        page.check(f"#s{code}-{value}")
    page.select_option("#problem_type", "B")  # scale 8 rated 2: its problem type, B (anxiety)
    expect(page.locator("#suggestion")).to_contain_text("Suggested cluster 4")
    # The page's heading at the top: the rating form on the left, the live suggestion on the right.
    page.locator("h1").evaluate("h => window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 24)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "images" / "suggestion.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="carecluster-screenshot-") as tmp:
        env = {**os.environ, "CARECLUSTER_DATABASE_URL": f"sqlite:///{tmp}/demo.db", "CARECLUSTER_LOG_LEVEL": "WARNING"}
        subprocess.run([str(CARECLUSTER), "demo-data", "--service-users", "50"], env=env, check=True)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([str(CARECLUSTER), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env)
        try:
            wait_until_up(url, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
                )
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                rate_first_person(page, url)
                args.output.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.output), full_page=False)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"screenshot: wrote {args.output} ({args.output.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
