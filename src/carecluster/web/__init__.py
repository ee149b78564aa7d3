"""Server-rendered pages in the NHS.UK design system, on the same service layer as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from carecluster.web.assets import frontend_dir


def mount_web(app: FastAPI) -> None:
    """Add the pages, the NHS.UK frontend assets and carecluster's own static files to `app`.

    The record pages need `app.state.db` (as `create_app` sets it); without it, only the
    stateless pages (rating form, review wizard, cluster reference) have anything to show.
    Mounting twice is a no-op: routes and the session middleware would otherwise run twice.
    """
    if getattr(app.state, "web_mounted", False):
        return
    app.state.web_mounted = True
    from carecluster.web.routes import (
        admin_pages,
        allocation_pages,
        audit_pages,
        auth_pages,
        caseload_pages,
        currency_pages,
        engine_pages,
        outcome_pages,
        report_pages,
        review_pages,
        service_user_pages,
        worklist_pages,
    )
    from carecluster.web.session import PageError, SessionMiddleware, SignInRequired, sign_in_url
    from carecluster.web.templating import render

    app.mount("/assets/nhsuk", StaticFiles(directory=frontend_dir()), name="nhsuk")
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.add_middleware(SessionMiddleware)
    for module in (
        engine_pages,
        review_pages,
        auth_pages,
        caseload_pages,
        service_user_pages,
        allocation_pages,
        admin_pages,
        outcome_pages,
        report_pages,
        worklist_pages,
        audit_pages,
        currency_pages,
    ):
        app.include_router(module.router)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, _error: SignInRequired) -> Response:
        return RedirectResponse(sign_in_url(request), status_code=303)

    @app.exception_handler(PageError)
    async def page_error(request: Request, error: PageError) -> Response:
        return render(request, "error.html", status_code=error.status, title=error.title, message=error.message)
