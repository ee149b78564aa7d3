"""Admin pages: users (list, add with role and teams, deactivate or reactivate) and teams (list, add,
set the service team type the currency needs).

Admins only; the service refuses anyone else (`people.*` check the role), and the pages say so.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from carecluster.service import currency_codes, people
from carecluster.service.errors import Conflict, Invalid
from carecluster.service.schemas import TeamIn, TeamUpdate, UserIn, UserUpdate
from carecluster.web.forms import field_errors, pydantic_faults, sentence
from carecluster.web.routes.auth_pages import Form
from carecluster.web.session import PageError, check_csrf, require_user, use_case
from carecluster.web.templating import render

router = APIRouter(include_in_schema=False)
ROLES = (
    ("clinician", "Clinician"),
    ("team_lead", "Team lead"),
    ("auditor", "Auditor"),
    ("admin", "Admin"),
)
USER_FIELDS = {"username": "username", "full_name": "full_name", "role": "role", "password": "password"}
TEAM_FIELDS = {"code": "code", "name": "team_name", "team_type": "team_type"}
TEAM_TYPE_MESSAGE = "Choose a service team type from the list"
BANNERS = {
    "user": "User added.",
    "team": "Team added.",
    "team_type": "Team type saved.",
    "deactivated": "User deactivated: they can no longer sign in.",
    "activated": "User reactivated.",
}
LIST_ALL = 500


def _admin(request: Request) -> None:
    user = require_user(request)
    if user.actor.role != "admin":
        raise PageError(403, "You cannot do this", "Only an admin manages users and teams.")


def _users_page(
    request: Request, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> HTMLResponse:
    with use_case(request) as ctx:
        users = people.list_users(ctx, LIST_ALL, 0).items
        teams = people.list_teams(ctx, LIST_ALL, 0).items
    return render(
        request,
        "admin_users.html",
        status_code=status,
        active="/admin/users",
        users=users,
        teams=teams,
        team_codes={t.id: t.code for t in teams},
        roles=ROLES,
        values=values or {"role": "clinician", "team_ids": []},
        errors=errors or {},
        banner=BANNERS.get(request.query_params.get("saved", "")),
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_home(request: Request) -> Response:
    _admin(request)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request) -> HTMLResponse:
    _admin(request)
    return _users_page(request)


@router.post("/admin/users", response_class=HTMLResponse)
def create_user(request: Request, form: Form) -> Response:
    _admin(request)
    check_csrf(request, form)
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in ("username", "full_name", "role")}
    values["team_ids"] = [str(v) for v in form.getlist("team_ids")]
    password = str(form.get("password", ""))
    try:
        data = UserIn(
            username=values["username"],
            full_name=values["full_name"],
            role=values["role"] or "clinician",
            password=password,
            team_ids=[int(t) for t in values["team_ids"] if t.isdigit()],
        )
    except ValidationError as error:
        errors = field_errors(pydantic_faults(error), USER_FIELDS, "username")
        if "password" in errors:
            errors["password"] = "Enter a password of at least 10 characters"
        if "username" in errors and values["username"]:
            errors["username"] = "A username is 2-80 letters, digits, dots, hyphens, underscores or @"
        elif "username" in errors:
            errors["username"] = "Enter a username"
        if "full_name" in errors:
            errors["full_name"] = "Enter the person's full name"
        return _users_page(request, values, errors, 422)
    try:
        with use_case(request) as ctx:
            people.create_user(ctx, data)
    except Invalid as error:
        return _users_page(request, values, field_errors(error.errors, USER_FIELDS, "username"), 422)
    except Conflict as error:
        return _users_page(request, values, {"username": sentence(error.message)}, 409)
    return RedirectResponse("/admin/users?saved=user", status_code=303)


def _user(request: Request, user_id: int) -> Any:
    with use_case(request) as ctx:
        found = next((u for u in people.list_users(ctx, LIST_ALL, 0).items if u.id == user_id), None)
    if found is None:
        raise PageError(404, "Not found", "There is no user with that id.")
    return found


@router.get("/admin/users/{user_id}/deactivate", response_class=HTMLResponse)
def confirm_deactivate(request: Request, user_id: int) -> Response:
    """Deactivating stops someone signing in at once, so it is asked for on its own page first."""
    _admin(request)
    if user_id == request.state.user.actor.user_id:
        raise PageError(409, "You cannot deactivate yourself", "Another admin must deactivate your account.")
    target = _user(request, user_id)
    if not target.active:
        return RedirectResponse("/admin/users", status_code=303)
    return render(request, "admin_confirm_deactivate.html", active="/admin/users", target=target)


@router.post("/admin/users/{user_id}/active", response_class=HTMLResponse)
def set_active(request: Request, user_id: int, form: Form) -> Response:
    _admin(request)
    check_csrf(request, form)
    active = form.get("active") == "1"
    if not active and user_id == request.state.user.actor.user_id:
        raise PageError(409, "You cannot deactivate yourself", "Another admin must deactivate your account.")
    if not active and form.get("confirm") != "yes":
        # Only the confirmation page sends `confirm=yes`: anything else goes there first.
        return RedirectResponse(f"/admin/users/{user_id}/deactivate", status_code=303)
    try:
        with use_case(request) as ctx:
            people.update_user(ctx, user_id, UserUpdate(active=active))
    except Conflict as error:
        raise PageError(409, "This account cannot be deactivated", sentence(error.message)) from None
    saved = "activated" if active else "deactivated"
    return RedirectResponse(f"/admin/users?saved={saved}", status_code=303)


@router.get("/admin/changes", response_class=HTMLResponse)
def changes(request: Request) -> HTMLResponse:
    """Who changed which account or team, when and how: the separation-of-duties record."""
    _admin(request)
    with use_case(request) as ctx:
        listed = people.privileged_changes(ctx, LIST_ALL, 0)
    return render(request, "admin_changes.html", active="/admin/users", changes=listed)


def _teams_page(
    request: Request, values: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> HTMLResponse:
    with use_case(request) as ctx:
        teams = people.list_teams(ctx, LIST_ALL, 0).items
    return render(
        request,
        "admin_teams.html",
        status_code=status,
        active="/admin/users",
        teams=teams,
        team_types=currency_codes.team_types(),
        team_type_names=dict(currency_codes.team_types()),
        values=values or {},
        errors=errors or {},
        banner=BANNERS.get(request.query_params.get("saved", "")),
    )


@router.get("/admin/teams", response_class=HTMLResponse)
def teams(request: Request) -> HTMLResponse:
    _admin(request)
    return _teams_page(request)


@router.post("/admin/teams", response_class=HTMLResponse)
def create_team(request: Request, form: Form) -> Response:
    _admin(request)
    check_csrf(request, form)
    values = {k: str(form.get(k, "")).strip() for k in ("code", "name", "team_type")}
    try:
        data = TeamIn(code=values["code"], name=values["name"], team_type=values["team_type"] or None)
    except ValidationError as error:
        errors = field_errors(pydantic_faults(error), TEAM_FIELDS, "code")
        if "code" in errors:
            errors["code"] = "Enter a team code of letters, digits, hyphens or underscores, for example CMHT-N"
        if "team_name" in errors:
            errors["team_name"] = "Enter the team's name"
        if "team_type" in errors:
            errors["team_type"] = TEAM_TYPE_MESSAGE
        return _teams_page(request, values, errors, 422)
    try:
        with use_case(request) as ctx:
            people.create_team(ctx, data)
    except Conflict as error:
        return _teams_page(request, values, {"code": sentence(error.message)}, 409)
    return RedirectResponse("/admin/teams?saved=team", status_code=303)


@router.post("/admin/teams/{team_id}/type", response_class=HTMLResponse)
def set_team_type(request: Request, team_id: int, form: Form) -> Response:
    """Set or clear one team's service team type (the currency's team-type tier reads it)."""
    _admin(request)
    check_csrf(request, form)
    chosen = str(form.get("team_type", "")).strip()
    try:
        data = TeamUpdate(team_type=chosen or None)
    except ValidationError:
        return _teams_page(request, {}, {f"team_type_{team_id}": TEAM_TYPE_MESSAGE}, 422)
    with use_case(request) as ctx:
        people.update_team(ctx, team_id, data)
    return RedirectResponse("/admin/teams?saved=team_type", status_code=303)
