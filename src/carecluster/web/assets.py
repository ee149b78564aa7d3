"""Where the NHS.UK frontend's CSS, JavaScript and images, and the API documentation viewer, are found.

They are copied from the npm packages into this Python package by `scripts/build_frontend.py`
(run by `make install`) and committed, so an installed wheel serves styled pages with no Node.js
and nothing is ever fetched from another host. A missing copy is reported in words, not as a page
without styles.
"""

from __future__ import annotations

from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
NHSUK = VENDOR / "nhsuk"
SWAGGER_UI = VENDOR / "swagger-ui"


class FrontendMissingError(RuntimeError):
    """The copied frontend assets are missing from the package."""


def frontend_dir() -> Path:
    """The packaged copy of nhsuk-frontend's dist/nhsuk (stylesheet, script, images)."""
    if not (NHSUK / "nhsuk-frontend.min.css").is_file():
        raise FrontendMissingError(
            f"the NHS.UK frontend is missing from {NHSUK}: run `make install` "
            "(npm ci, then scripts/build_frontend.py copies it into the package)"
        )
    return NHSUK
