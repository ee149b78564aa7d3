"""Teams and users (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from carecluster.http.runtime import CurrentActor, PageParams, run
from carecluster.service import people
from carecluster.service.schemas import Page, Role, TeamIn, TeamOut, TeamUpdate, UserIn, UserOut, UserUpdate

router = APIRouter(tags=["teams and users"])


@router.get("/teams", response_model=Page[TeamOut])
def list_teams(request: Request, actor: CurrentActor, page: PageParams):
    return run(request, actor, lambda ctx: people.list_teams(ctx, page.limit, page.offset))


@router.post("/teams", response_model=TeamOut, status_code=201)
def create_team(request: Request, actor: CurrentActor, body: TeamIn):
    return run(request, actor, lambda ctx: people.create_team(ctx, body), body=body, status_code=201)


@router.patch("/teams/{team_id}", response_model=TeamOut)
def update_team(request: Request, actor: CurrentActor, team_id: int, body: TeamUpdate):
    """Set or clear the team's service team type (ServTeamTypeRefToMH); null clears it."""
    return run(request, actor, lambda ctx: people.update_team(ctx, team_id, body), body=body)


@router.get("/users", response_model=Page[UserOut])
def list_users(
    request: Request, actor: CurrentActor, page: PageParams, role: Role | None = None, team_id: int | None = None
):
    return run(request, actor, lambda ctx: people.list_users(ctx, page.limit, page.offset, role, team_id))


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(request: Request, actor: CurrentActor, body: UserIn):
    return run(request, actor, lambda ctx: people.create_user(ctx, body), body=body, status_code=201)


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(request: Request, actor: CurrentActor, user_id: int):
    return run(request, actor, lambda ctx: people.get_user(ctx, user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(request: Request, actor: CurrentActor, user_id: int, body: UserUpdate):
    """Change a user's name, role, teams, password or active flag (accounts are not clinical records)."""
    return run(request, actor, lambda ctx: people.update_user(ctx, user_id, body), body=body)
