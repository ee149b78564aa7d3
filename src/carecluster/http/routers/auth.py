"""Signing in: a bearer token for API clients, a session cookie for the web pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Form as FormField
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from carecluster.http.runtime import SESSION_COOKIE, CurrentActor, client_of, database, oauth2, run
from carecluster.service import people
from carecluster.service.schemas import UserOut
from carecluster.service.security import login, logout, token_hours

router = APIRouter(tags=["authentication"])


class SignInForm(OAuth2PasswordRequestForm):
    """The OAuth2 password form, saying in the schema what the service requires: a username and a
    password that are not empty (an empty field is refused with 422 as missing)."""

    def __init__(
        self,
        username: Annotated[str, FormField(min_length=1, max_length=200)],
        password: Annotated[str, FormField(min_length=1, max_length=1000, json_schema_extra={"format": "password"})],
        grant_type: Annotated[str | None, FormField()] = None,
        scope: Annotated[str, FormField()] = "",
    ) -> None:
        super().__init__(username=username, password=password, grant_type=grant_type, scope=scope)


Form = Annotated[SignInForm, Depends()]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/token", response_model=TokenOut)
def token(request: Request, form: Form) -> TokenOut:
    """OAuth2 password flow. Failed logins are rate-limited (429) and repeated failures lock the account."""
    issued, _user = login(database(request), form.username, form.password, client_of(request))
    return TokenOut(access_token=issued, expires_in=token_hours() * 3600)


@router.post("/session", status_code=204)
def session_login(request: Request, response: Response, form: Form) -> None:
    """Sign in for the web pages: sets an HttpOnly, SameSite=Lax session cookie."""
    issued, _user = login(database(request), form.username, form.password, client_of(request), kind="session")
    response.set_cookie(
        SESSION_COOKIE,
        issued,
        max_age=token_hours() * 3600,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
    )


@router.delete("/session", status_code=204)
def session_logout(request: Request, response: Response, token: Annotated[str | None, Depends(oauth2)]) -> None:
    """Sign out: the token or cookie stops working at once."""
    value = token or request.cookies.get(SESSION_COOKIE)
    if value:
        logout(database(request), value)
    response.delete_cookie(SESSION_COOKIE)


@router.get("/me", response_model=UserOut)
def me(request: Request, actor: CurrentActor):
    """The signed-in user, their role and teams."""
    return run(request, actor, lambda ctx: people.get_user(ctx, actor.user_id))
