"""One Jinja2 environment for every page, with what every template needs to hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from carecluster.api import resolve_reference
from carecluster.domain.grid_fit import tested_row
from carecluster.reference.models import COLOUR_NAMES, SCALE_CODES, ReferenceSet

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.globals.update(
    scale_codes=SCALE_CODES,
    tested_row=tested_row,
    colour_names=COLOUR_NAMES,
    colour_letters={"must": "R", "expected": "O", "may": "Y", "unlikely": "-", "nodata": "g"},
    rendered_at=lambda: datetime.now().astimezone(),  # a printed page says when it was true
)

NAV_PUBLIC: tuple[tuple[str, str], ...] = (
    ("/rate", "Rate the MHCT"),
    ("/review", "Review"),
    ("/clusters", "Clusters"),
)


def reference_of(request: Request) -> ReferenceSet:
    state = request.app.state
    if getattr(state, "reference", None) is None:
        state.reference = resolve_reference(None)
    return state.reference


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; `user`, `csrf_token` and navigation come from the request when signed in."""
    nav = getattr(request.state, "nav_links", None) or NAV_PUBLIC
    base = {
        "reference": reference_of(request),
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", None),
        "nav_links": nav,
        "active": context.pop("active", request.url.path),
        "errors": {},
    }
    return TEMPLATES.TemplateResponse(request, template, {**base, **context}, status_code=status_code)
