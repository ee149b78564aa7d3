"""Sign in and sign out: the session cookie the API's `/session` also sets, from a plain form."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from carecluster.request_context import SESSION_COOKIE, client_of, database
from carecluster.service.errors import RateLimited, Unauthorised
from carecluster.service.security import login, logout, token_hours
from carecluster.web.forms import sentence
from carecluster.web.session import PageError, check_csrf, safe_next
from carecluster.web.templating import render

router = APIRouter(include_in_schema=False)


async def form_data(request: Request) -> FormData:
    """The posted form, read before the (synchronous) page handler runs in the thread pool."""
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def _sign_in_page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("errors", {})
    context.setdefault("username", "")
    context.setdefault("next", safe_next(request.query_params.get("next")))
    return render(request, "sign_in.html", status_code=status_code, active="/sign-in", **context)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in(request: Request) -> Response:
    if getattr(request.state, "user", None) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return _sign_in_page(request, signed_out="signed_out" in request.query_params)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in_post(request: Request, form: Form) -> Response:
    """A sign-in from another site's page is refused (login CSRF); errors keep the username."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise PageError(403, "Sign-in refused", "Sign in from this service's own sign-in page.")
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"
    if not errors:
        try:
            token, _user = login(database(request), username, password, client_of(request), kind="session")
        except RateLimited as error:
            errors["username"] = sentence(error.message) + "."
        except Unauthorised:
            errors["username"] = "The username or password is not right. Check them and try again."
    if errors:
        return _sign_in_page(request, status_code=422, errors=errors, username=username, next=target)
    response = RedirectResponse(target if target != "/" else "/caseload", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=token_hours() * 3600,
        httponly=True,
        samesite="lax",
        secure=bool(getattr(request.app.state.settings, "secure_cookies", False)),
        path="/",
    )
    return response


@router.post("/sign-out", response_class=HTMLResponse)
def sign_out(request: Request, form: Form) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token and getattr(request.state, "user", None) is not None:
        check_csrf(request, form)
        logout(database(request), token)
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
