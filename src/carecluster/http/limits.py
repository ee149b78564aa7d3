"""A cap on request body size: oversize bodies get 413 before anything parses them.

Without it, one request with a multi-gigabyte JSON body (or a form post, or a chunked upload
with no Content-Length) is read whole into memory by the framework and then parsed, so a single
client could exhaust the server's memory and take every clinician's session down with it. No
legitimate request comes near the limit: an MHCT rating with its free text is a few kilobytes.

A pure ASGI middleware, so it also covers the web pages' form posts and any route added later.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_ENV = "CARECLUSTER_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""1 MiB: hundreds of times the largest legitimate request (a review with a long history)."""


def max_body_bytes() -> int:
    """The limit in force: `$CARECLUSTER_MAX_BODY_BYTES`, else 1 MiB."""
    from carecluster.settings import current_settings

    return current_settings().max_body_bytes


class _TooLargeError(Exception):
    """Raised inside `receive` when the streamed body passes the limit."""


class BodySizeLimit:
    """Refuse request bodies above `max_bytes` with 413, whether or not they declare a length.

    A declared Content-Length above the limit is refused before the body is read. A body without
    one (chunked) is counted as it streams in; reading stops with 413 as soon as it passes the
    limit, whatever the application would have answered to the failed read.
    """

    def __init__(self, app: ASGIApp, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_body_bytes() if max_bytes is None else max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _refuse(send, 400, "invalid Content-Length header")
                    return
                if declared > self.max_bytes:
                    await _refuse(send, 413, self._message(), fhir=_is_fhir(scope))
                    return
        received = 0
        exceeded = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _TooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            # A framework may catch the failed read and answer it itself (FastAPI says 400, "error
            # parsing the body"): once the limit is passed, that answer is replaced by the 413.
            nonlocal started
            if exceeded:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _refuse(send, 413, self._message(), fhir=_is_fhir(scope))
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _TooLargeError:
            if not started:
                await _refuse(send, 413, self._message(), fhir=_is_fhir(scope))

    def _message(self) -> str:
        return f"request body too large: the limit is {self.max_bytes} bytes"


def _is_fhir(scope: Scope) -> bool:
    """FHIR endpoints answer every refusal as an OperationOutcome, this one included."""
    return "/fhir" in str(scope.get("path", ""))


async def _refuse(send: Send, status: int, detail: str, fhir: bool = False) -> None:
    if fhir:
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "too-costly", "diagnostics": detail, "expression": ["Bundle"]}],
        }
        body = json.dumps(outcome).encode()
    else:
        body = json.dumps({"detail": detail}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/fhir+json" if fhir else b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
