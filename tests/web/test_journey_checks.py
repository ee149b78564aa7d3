"""The journey checks themselves: what counts as staying on this machine."""

from __future__ import annotations

import pytest

from tests.web.journey import is_loopback


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000/assets/x.css", True),
        ("http://localhost/caseload", True),
        ("data:image/svg+xml;base64,AAAA", True),
        ("https://assets.nhs.uk/fonts/FrutigerLTW01-55Roman.woff2", False),
        ("https://cdn.jsdelivr.net/npm/swagger-ui-dist/swagger-ui.css", False),
        ("http://127.0.0.2.example.org/", False),
    ],
)
def test_only_loopback_and_inline_urls_stay_on_this_machine(url: str, expected: bool) -> None:
    assert is_loopback(url) is expected
