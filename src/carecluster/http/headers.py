"""Security headers on every response, and `no-store` on every response to a signed-in request.

Pages of clinical records are opened on shared ward computers: without `Cache-Control: no-store`
the browser keeps them in its cache for the next person, and the back button shows them after
sign-out. The Content Security Policy allows scripts, styles and images from this service only,
with no inline script, so an injected `<script>` that escaped escaping still cannot run; no page
may be framed (click-jacking). The API documentation at /docs gets the same policy: its viewer is
served from this package and started from a script file. HSTS is sent only over TLS: on plain HTTP it would be ignored, and
sent from a test server it would pin a developer's browser to HTTPS for localhost.

A plain ASGI middleware, so it covers the API, the pages, static files and error answers alike.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
ALWAYS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", PERMISSIONS),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def _signed_in(scope: Scope, session_cookie: str) -> bool:
    """The request carries credentials (a bearer token or the session cookie)."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return True
        if name == b"cookie" and session_cookie.encode() + b"=" in value:
            return True
    return False


class SecurityHeaders:
    """Add the headers in `ALWAYS`, the CSP, HSTS over TLS, and no-store where credentials were sent."""

    def __init__(self, app: ASGIApp, session_cookie: str) -> None:
        self.app = app
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = _signed_in(scope, self.session_cookie)
        tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS:
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", CSP)
                if tls:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if private or "set-cookie" in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
