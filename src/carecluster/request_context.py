"""What a request carries that both the API (`http`) and the web pages (`web`) read: the session
cookie's name, the caller's address, the app's database and reference set.

It lives here, outside both, so neither imports the other (the import-linter contract in
pyproject.toml): the pages and the API share the sign-in cookie, not each other's modules.
"""

from __future__ import annotations

from starlette.requests import Request

from carecluster.reference.models import ReferenceSet
from carecluster.store.db import Database

SESSION_COOKIE = "carecluster_session"
"""The sign-in token as a cookie: set by the web sign-in, read by the pages and the API."""


def database(request: Request) -> Database:
    return request.app.state.db


def reference(request: Request) -> ReferenceSet:
    return request.app.state.reference


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"
