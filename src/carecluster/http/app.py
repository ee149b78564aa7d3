"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import DataError

from carecluster import __version__
from carecluster.api import resolve_reference
from carecluster.service.errors import Invalid, RateLimited, ServiceError
from carecluster.settings import Settings, current_settings
from carecluster.store.db import Database, database_url
from carecluster.store.migrate import ensure_schema

SECURE_COOKIES_ENV = "CARECLUSTER_SECURE_COOKIES"
TRUSTED_PROXIES_ENV = "CARECLUSTER_TRUSTED_PROXIES"


def _errors(app: FastAPI) -> None:
    @app.exception_handler(Invalid)
    async def invalid(_request: Request, error: Invalid) -> JSONResponse:
        detail = [{"loc": list(loc), "msg": msg, "type": "value_error"} for loc, msg in error.errors]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(RateLimited)
    async def limited(_request: Request, error: RateLimited) -> JSONResponse:
        return JSONResponse({"detail": error.message}, status_code=429, headers={"Retry-After": str(error.retry_after)})

    @app.exception_handler(ServiceError)
    async def service_error(_request: Request, error: ServiceError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return JSONResponse({"detail": error.message}, status_code=error.status, headers=headers)

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def out_of_range(_request: Request, _error: Exception) -> JSONResponse:
        """An id or number too large for the database's integer columns (PostgreSQL: DataError,
        SQLite: OverflowError while binding) is the client's mistake, not a server fault."""
        detail = [{"loc": ["request"], "msg": "a number in the request is out of range", "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        detail = [
            {"loc": list(e["loc"]), "msg": e["msg"].removeprefix("Value error, "), "type": e["type"]}
            for e in error.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web app and API; `settings` default to those read at start-up (carecluster.settings)."""
    settings = settings or current_settings()
    url = database_url(settings.database_url)
    if settings.migrate:
        ensure_schema(url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.db.dispose()

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,  # served from the package by mount_docs below: FastAPI's own loads a CDN
        redoc_url=None,
        title="carecluster",
        version=__version__,
        description=(
            "MHCT v3.1 ratings, explained care cluster allocation, reviews and records for NHS mental health "
            "providers. Every suggestion is a draft aid: the clinician decides."
        ),
    )
    app.state.settings = settings
    app.state.db = Database(url)
    app.state.reference = resolve_reference(settings.reference)
    _errors(app)
    from carecluster.http.limits import BodySizeLimit

    # oversize bodies get 413 before they are read into memory
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    from carecluster.http.headers import SecurityHeaders
    from carecluster.http.runtime import SESSION_COOKIE

    app.add_middleware(SecurityHeaders, session_cookie=SESSION_COOKIE)
    from carecluster.http.request_log import RequestLog

    app.add_middleware(RequestLog)  # outside the others: every answer, 413s and 500s included, is logged
    if settings.trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        # Outermost, so the sign-in throttle, the audit trail and HSTS see the real client and scheme.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))

    from carecluster.http.routers import (
        admin,
        auth,
        clinical,
        currency,
        engines,
        interop,
        outcomes,
        oversight,
        reports,
    )

    for module in (auth, admin, clinical, engines, oversight, outcomes, interop, reports, currency):
        app.include_router(module.router, prefix="/api/v1")

    from carecluster.web import mount_web

    mount_web(app)  # the server-rendered pages share this app, its database and its sign-in

    from carecluster.http.openapi import document_statuses, mount_docs

    mount_docs(app)

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's document, with every refusal and file type the API answers with."""
        schema = app.openapi_schema
        if schema is None:
            schema = generate()  # FastAPI keeps it as app.openapi_schema: documented once, in place
            document_statuses(schema)
        return schema

    # FastAPI's documented way to extend the OpenAPI document is to replace this method;
    # mypy refuses any assignment to a method, so the one ignore says so.
    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, str]:
        """Liveness and database reachability, for load balancers and monitoring."""
        with app.state.db.transaction(write=False) as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "database": app.state.db.backend, "version": __version__}

    return app
