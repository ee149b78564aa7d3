"""Shared fixtures: the built-in reference set and profiles built from a cluster's own grid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from playwright.sync_api import Browser, Page, sync_playwright

from carecluster.reference import SCALE_CODES, ReferenceSet, builtin_reference

# Examples are timed on a shared 2-core machine: a deadline would fail on load, not on a defect.
settings.register_profile("carecluster", deadline=None)
settings.load_profile("carecluster")

ALLOCATABLE = tuple(n for n in range(1, 22) if n != 9)


@pytest.fixture(autouse=True)
def _settings_read_afresh() -> Iterator[None]:
    """Each test starts with no settings loaded, so the environment it sets is the one read."""
    from carecluster.settings import use_settings

    use_settings(None)
    yield
    use_settings(None)


@pytest.fixture(scope="session")
def reference() -> ReferenceSet:
    return builtin_reference()


@pytest.fixture(scope="session")
def confirmed_reference() -> ReferenceSet:
    """The built-in cells as if a provider had confirmed every one from the official booklet:
    the booklet's own rules with no inferred red cell (for rules that do not depend on provenance)."""
    return confirmed(builtin_reference())


def confirmed(base: ReferenceSet) -> ReferenceSet:
    """`base` with every grid's provenance set to a confirmed source (cells unchanged).

    Built directly, not through a provider file: a file claiming confirmation for cells identical
    to the inferred ones is (rightly) read as inferred by the loader.
    """
    from carecluster.reference.models import Provenance

    sure = Provenance(source="test fixture: a transcription of the official grids", confidence="high")
    grids = {n: g.model_copy(update={"provenance": sure}) for n, g in base.grids.items()}
    return base.model_copy(update={"id": "test-confirmed", "version": "1", "grids": grids})


def prototype(reference: ReferenceSet, cluster: int) -> list[int]:
    """A rating every scale of which sits in the cluster's red or orange cells (else a may cell).

    Scale 8 is rated 0 so that the higher of 7 and 8 is scale 7's rating, in the 7/8 range.
    """
    grid = reference.grids[cluster]
    values = []
    for code in SCALE_CODES:
        row = grid.cells[code]
        if code == "8":
            values.append(0)
            continue
        for wanted in ("must", "expected", "may"):
            hits = [r for r in range(5) if row[r] == wanted]
            if hits:
                values.append(hits[len(hits) // 2])
                break
        else:
            values.append(0)
    return values


# --- one browser for every browser test (tests/web, tests/reports) ------------------------------
# Defined here, once: a second sync Playwright started while the first is alive fails with
# "Sync API inside the asyncio loop", so each directory must not start its own.

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
