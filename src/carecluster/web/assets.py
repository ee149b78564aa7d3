"""Where the NHS.UK frontend's compiled CSS, JavaScript and images are found.

They come from the `nhsuk-frontend` npm package, installed by the README's set-up (`npm ci`)
and never committed. A missing install is reported in words, not as a page without styles.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "CARECLUSTER_FRONTEND_DIR"
PACKAGE = Path("node_modules") / "nhsuk-frontend" / "dist" / "nhsuk"


class FrontendMissingError(RuntimeError):
    """The nhsuk-frontend npm package is not installed."""


def frontend_dir() -> Path:
    """`$CARECLUSTER_FRONTEND_DIR`, else node_modules/nhsuk-frontend beside the project or the working directory."""
    configured = os.environ.get(ENV_VAR)
    candidates = [Path(configured)] if configured else []
    here = Path(__file__).resolve()
    candidates += [parent / PACKAGE for parent in here.parents] + [Path.cwd() / PACKAGE]
    for candidate in candidates:
        if (candidate / "nhsuk-frontend.min.css").is_file():
            return candidate
    raise FrontendMissingError(
        "the NHS.UK frontend is not installed: run `npm ci` in the project directory (make run does), "
        f"or set {ENV_VAR} to the nhsuk-frontend package's dist/nhsuk folder"
    )
