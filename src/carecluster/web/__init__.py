"""Server-rendered pages in the NHS.UK design system, on the same service layer as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from carecluster.web.assets import frontend_dir


def mount_web(app: FastAPI) -> None:
    """Add the pages, the NHS.UK frontend assets and carecluster's own static files to `app`.

    Idempotent: the service's app factory mounts the pages, and a caller that mounts them again
    changes nothing.
    """
    if getattr(app.state, "web_mounted", False):
        return
    app.state.web_mounted = True
    from carecluster.web.routes import engine_pages, review_pages

    app.mount("/assets/nhsuk", StaticFiles(directory=frontend_dir()), name="nhsuk")
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in (engine_pages, review_pages):
        app.include_router(module.router)
