"""Who is signed in to the web pages, and the guards every record page relies on.

The web pages share the API's session token (cookie `SESSION_COOKIE`, set by sign-in): a
middleware turns it into `request.state.user`, the CSRF token and the navigation, so the
stateless pages keep working signed out and the record pages know who is asking. The CSRF
token is a SHA-256 of the session token: a page of another site can neither read the HttpOnly
cookie nor compute the token, and several worker processes agree on it without sharing a secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from carecluster.domain.roles import CLINICAL_ROLES, RECORD_READERS, Role
from carecluster.request_context import SESSION_COOKIE, client_of
from carecluster.service.context import Context
from carecluster.service.errors import Forbidden, NotFound, Unauthorised
from carecluster.service.security import Actor, authenticate
from carecluster.store.models import User
from carecluster.web.templating import NAV_PUBLIC, reference_of

SKIP_PREFIXES = ("/api/", "/assets/", "/static/", "/docs", "/redoc", "/openapi.json", "/healthz")
CLINICAL_NAV = (("/caseload", "Caseload"), ("/service-users", "Service users"))
ADMIN_NAV = (("/admin/users", "Admin"),)
REPORTS_NAV = (("/reports", "Reports"),)
"""Audit and assurance dashboards: for team leads (their teams) and auditors (all teams)."""


@dataclass(frozen=True)
class WebUser:
    """The signed-in person as the templates see them (`display_name`, `role`) and the use cases
    see them (`actor`)."""

    actor: Actor
    display_name: str

    @property
    def role(self) -> str:
        return self.actor.role.replace("_", " ")

    @property
    def is_clinical(self) -> bool:
        return self.actor.role in CLINICAL_ROLES

    @property
    def reads_records(self) -> bool:
        return self.actor.role in RECORD_READERS


class SignInRequired(Exception):  # noqa: N818 - a redirect, not an error
    """Raised by a page that needs a signed-in user: answered with a redirect to /sign-in."""


class PageError(Exception):
    """A page that cannot be shown: answered as an HTML page with `status` and the message in words."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def csrf_token_for(session_token: str) -> str:
    return hashlib.sha256(b"carecluster-csrf:" + session_token.encode()).hexdigest()


def nav_for(actor: Actor) -> tuple[tuple[str, str], ...]:
    """Admins manage accounts and see no clinical records, so their menu leaves those out."""
    if actor.role == Role.ADMIN:
        return (*NAV_PUBLIC, *ADMIN_NAV)
    if actor.role in (Role.TEAM_LEAD, Role.AUDITOR):
        return (*CLINICAL_NAV, *REPORTS_NAV, *NAV_PUBLIC)
    return (*CLINICAL_NAV, *NAV_PUBLIC)


def _load_user(request: Request, token: str) -> WebUser | None:
    db = request.app.state.db
    try:
        actor = authenticate(db, token)
    except Unauthorised:
        return None
    with db.transaction(write=False) as session:
        name = session.scalar(select(User.full_name).where(User.id == actor.user_id))
    return WebUser(actor=actor, display_name=name or actor.username)


class SessionMiddleware:
    """Set `request.state.user`, `csrf_token` and `nav_links` for page requests with a live session.

    Plain ASGI, so API, asset and documentation requests pass straight through untouched.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(SKIP_PREFIXES):
            request = Request(scope)
            request.state.user = None
            request.state.csrf_token = None
            token = request.cookies.get(SESSION_COOKIE)
            if token and getattr(request.app.state, "db", None) is not None:
                user = await run_in_threadpool(_load_user, request, token)
                if user is not None:
                    request.state.user = user
                    request.state.csrf_token = csrf_token_for(token)
                    request.state.nav_links = nav_for(user.actor)
        await self.app(scope, receive, send)


def require_user(request: Request) -> WebUser:
    user = getattr(request.state, "user", None)
    if user is None:
        raise SignInRequired()
    return user


def check_csrf(request: Request, form: Mapping[str, object]) -> None:
    """Every POST from a signed-in page carries the token of its session; anything else is refused.

    `form` is the posted form as Starlette gives it (`FormData`: text fields and uploads); a
    token sent as a file upload is no token.
    """
    expected = getattr(request.state, "csrf_token", None)
    sent = form.get("csrf_token", "")
    if expected is None:
        raise SignInRequired()
    if not isinstance(sent, str) or not sent or not hmac.compare_digest(sent, expected):
        raise PageError(
            403,
            "The form could not be sent",
            "This form was not sent from a page of this service, or it is from an earlier session. "
            "Nothing was saved. Go back, reload the page and try again.",
        )


def form_values(form: Mapping[str, object]) -> dict[str, str]:
    """The posted fields as trimmed text, without the CSRF token: what a page redisplays and reads."""
    return {k: str(v).strip() for k, v in form.items() if k != "csrf_token"}


def sign_in_url(request: Request) -> str:
    """Back to the page asked for after signing in; a form post cannot be replayed, so it goes home."""
    if request.method != "GET":
        return "/sign-in"
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/sign-in?next=" + quote(target, safe="")


def safe_next(value: str | None) -> str:
    """Only a path on this service: never an open redirect to another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


@contextmanager
def use_case(request: Request) -> Iterator[Context]:
    """One unit of work as the signed-in user; refusals become pages, validation stays for the form.

    NotFound and Forbidden are answered as pages (records a user may not see are "not found",
    as in the API); `Invalid` and `Conflict` propagate for the page to show beside the fields.
    """
    user = require_user(request)
    db = request.app.state.db
    try:
        with db.transaction() as session:
            yield Context(session=session, actor=user.actor, reference=reference_of(request), client=client_of(request))
    except NotFound as error:
        raise PageError(404, "Not found", _sentence(error.message)) from None
    except Forbidden as error:
        raise PageError(403, "You cannot do this", _sentence(error.message)) from None
    except Unauthorised:
        raise SignInRequired() from None


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")
