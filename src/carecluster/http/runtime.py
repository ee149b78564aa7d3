"""Per-request plumbing shared by the routers: who is asking, and running a use case in one
unit of work with idempotent retries. (The cookie name, caller address, database and reference
set come from `carecluster.request_context`, which the web pages share; they are re-exported here
for the routers.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, BeforeValidator
from sqlalchemy.exc import IntegrityError

from carecluster.request_context import SESSION_COOKIE, client_of, database, reference
from carecluster.service.context import Context
from carecluster.service.errors import Conflict, Forbidden, Unauthorised
from carecluster.service.idempotency import body_digest, remember, replay
from carecluster.service.security import Actor, authenticate

IDEMPOTENCY_HEADER = "Idempotency-Key"

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/token", auto_error=False)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_actor(request: Request, token: Annotated[str | None, Depends(oauth2)]) -> Actor:
    """A bearer token (API clients) or the session cookie (web pages).

    A change made with the cookie must come from a page of this service: browsers send the
    Origin of a cross-site request, and such requests are refused (with SameSite=Lax, a second
    line against cross-site request forgery).
    """
    if not token:
        token = request.cookies.get(SESSION_COOKIE)
        origin = request.headers.get("origin")
        if token and request.method not in SAFE_METHODS and origin and urlsplit(origin).netloc != request.url.netloc:
            raise Forbidden("cross-site request refused: the session cookie only works from this service's pages")
    if not token:
        raise Unauthorised("not signed in")
    actor = authenticate(database(request), token)
    request.state.user_id = actor.user_id  # for the request log (carecluster.http.request_log)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
        offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PageParams = Annotated[Paging, Depends()]


def _iso_date_time(value: object) -> object:
    """Only ISO 8601 text is a time here: pydantic would also read `-2628333` as Unix seconds,
    which no person means in an audit filter."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("use an ISO 8601 date or date-time, e.g. 2026-12-05 or 2026-12-05T09:30:00Z") from None
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_date_time)]
"""A query parameter holding a date-time written as ISO 8601 text."""


def _json(result: Any) -> Any:
    return result.model_dump(mode="json") if isinstance(result, BaseModel) else jsonable_encoder(result)


def _replayed(stored: tuple[int, Any]) -> JSONResponse:
    return JSONResponse(stored[1], status_code=stored[0], headers={"Idempotent-Replayed": "true"})


NEVER_MATCHES = -1
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description=(
            "The ETag of the version you amend (from reading the record). Required: without it the "
            "answer is 428; if the record has changed since, 412 and nothing is saved. `*` amends "
            "whatever is current."
        ),
    ),
]


def expected_version(request: Request) -> tuple[int | None, bool]:
    """(version named by `If-Match`, whether one is still required).

    No header: none named, and an amendment must name one (428). `*`: the client knowingly
    amends whatever is current. An entity tag that is not one of ours never matches (412).
    """
    raw = request.headers.get("if-match")
    if raw is None or not raw.strip():
        return None, True
    if raw.strip() == "*":
        return None, False
    for tag in raw.split(","):
        value = tag.strip().strip('"')
        if value.isdigit() and len(value) < 10:
            return int(value), False
    return NEVER_MATCHES, False


def etag(version: int) -> str:
    """A record version as an entity tag: the same text a client sends back in If-Match."""
    return f'"{version}"'


def _etag_of(result: Any) -> dict[str, str] | None:
    version = getattr(result, "version", None)
    return {"ETag": etag(version)} if isinstance(version, int) and hasattr(result, "id") else None


def run(
    request: Request,
    actor: Actor,
    use_case: Callable[[Context], Any],
    *,
    body: BaseModel | None = None,
    status_code: int = 200,
    amendment: bool = False,
) -> JSONResponse:
    """Run a use case in one transaction; a POST with an Idempotency-Key is answered once.

    The key is scoped to the user and bound to the request (method, path and validated body):
    a retry gets the first response; the same key with another request gets 409. A single
    versioned record is answered with its ETag; an `amendment` must send it back in If-Match
    (412 when the record has changed since, 428 without one).
    """
    version, required = expected_version(request) if amendment else (None, False)
    db = database(request)
    key = request.headers.get(IDEMPOTENCY_HEADER) if request.method == "POST" else None
    digest = body_digest(request.method, request.url.path, body.model_dump_json().encode() if body is not None else b"")
    try:
        with db.transaction() as session:
            if key:
                stored = replay(session, actor.user_id, key, digest)
                if stored is not None:
                    return _replayed(stored)
            ctx = Context(
                session=session,
                actor=actor,
                reference=reference(request),
                client=client_of(request),
                expected_version=version,
                versions_required=required,
            )
            result = use_case(ctx)
            if key:  # the response is stored with the records it describes
                payload = _json(result)
                remember(session, actor.user_id, key, request.method, request.url.path, digest, status_code, payload)
    except (IntegrityError, Conflict) as error:
        if key:  # a concurrent retry with the same key got there first: answer as it was answered
            with db.transaction(write=False) as session:
                stored = replay(session, actor.user_id, key, digest)
            if stored is not None:
                return _replayed(stored)
        if isinstance(error, Conflict):
            raise
        raise Conflict("the request conflicts with a change made at the same time: try again") from None
    return JSONResponse(payload if key else _json(result), status_code=status_code, headers=_etag_of(result))
