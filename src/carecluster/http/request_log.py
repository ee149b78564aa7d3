"""One structured log record per request, and a traceback kept server-side for every failure.

Each request gets an id (the caller's X-Request-ID when it is a plain token, else a new one),
echoed in the response so a person reporting a fault can quote it. The record names the route
template (`/api/v1/service-users/{user_id}`), never the path or query string, which can carry
an identifier or an NHS number; and the signed-in user's id, never their name.

An unhandled error is logged with its traceback and answered with a bare 500 that carries only
the request id: the client never sees the traceback or the error's text.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("carecluster.request")
REQUEST_ID_HEADER = "x-request-id"
_TOKEN = re.compile(r"[A-Za-z0-9._-]{8,64}")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            given = value.decode("latin-1")
            if _TOKEN.fullmatch(given):
                return given
    return uuid.uuid4().hex


_STATIC_PREFIX = re.compile(r"(/[a-z][a-z0-9_.-]*)+")


def _route(scope: Scope) -> str:
    """The matched route's template with its router's prefix (`/api/v1` + `/service-users/{record_id}`).

    FastAPI hands over the innermost route, whose template lacks the prefix of the router it was
    included with; the prefix is the part of the path before what the template matches, and is
    used only when it is plain words (never an identifier)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if not template:
        return "(no route)"
    path, regex = scope.get("path", ""), getattr(route, "path_regex", None)
    if regex is None or regex.match(path):
        return template
    for cut in range(1, len(path)):
        if path[cut] == "/" and regex.match(path[cut:]):
            prefix = path[:cut]
            return (prefix if _STATIC_PREFIX.fullmatch(prefix) else "/{prefix}") + template
    return template


def _user_id(scope: Scope) -> int | None:
    state: dict[str, Any] = scope.get("state") or {}
    if state.get("user_id") is not None:
        return int(state["user_id"])
    user = state.get("user")
    actor = getattr(user, "actor", None)
    return getattr(actor, "user_id", None)


class RequestLog:
    """Pure ASGI middleware: log method, route template, status, latency, request and user id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra=self._fields(scope, request_id, 500, started))
            if response_started:
                raise
            body = f'{{"detail":"internal error: quote request id {request_id}"}}'.encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"x-request-id", request_id.encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        level = logging.WARNING if status >= 500 else logging.INFO
        log.log(level, "request", extra=self._fields(scope, request_id, status, started))

    @staticmethod
    def _fields(scope: Scope, request_id: str, status: int, started: float) -> dict[str, Any]:
        return {
            "request_id": request_id,
            "user_id": _user_id(scope),
            "method": scope.get("method"),
            "route": _route(scope),
            "status": status,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        }
