"""Teams and users: an admin's work. Accounts are not clinical records, so they change in place,
but every change is in the audit log with before and after (password hashes never are).

These use cases reach the store only through the unit of work's repositories (`ctx.uow`)."""

from __future__ import annotations

from typing import Any

from carecluster.adapters.repository import AuditFilter
from carecluster.clock import now
from carecluster.domain.roles import Role
from carecluster.service import permissions
from carecluster.service.context import Context
from carecluster.service.errors import Conflict, Forbidden, Invalid, NotFound
from carecluster.service.schemas import AuditOut, Page, TeamIn, TeamOut, TeamUpdate, UserIn, UserOut, UserUpdate
from carecluster.service.security import forget_user, hash_password
from carecluster.store.models import Team, User


def list_teams(ctx: Context, limit: int, offset: int) -> Page[TeamOut]:
    rows, total = ctx.uow.teams.page(limit, offset)
    return Page(items=[TeamOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


def create_team(ctx: Context, data: TeamIn) -> TeamOut:
    permissions.require_admin(ctx.actor)
    if ctx.uow.teams.by_code(data.code) is not None:
        raise Conflict(f"a team with code {data.code} exists")
    team = ctx.uow.teams.add(Team(code=data.code, name=data.name, team_type=data.team_type, created_at=now()))
    out = TeamOut.model_validate(team)
    ctx.audit("create", entity="team", record_id=str(team.id), after=out.model_dump(mode="json"))
    return out


def update_team(ctx: Context, team_id: int, data: TeamUpdate) -> TeamOut:
    """Set or clear a team's service team type; the audit log keeps before and after."""
    permissions.require_admin(ctx.actor)
    team = ctx.uow.teams.get(team_id)
    if team is None:
        raise NotFound(f"team {team_id} not found")
    before = TeamOut.model_validate(team).model_dump(mode="json")
    team.team_type = data.team_type
    out = TeamOut.model_validate(team)
    ctx.audit("update", entity="team", record_id=str(team.id), before=before, after=out.model_dump(mode="json"))
    return out


def user_out(ctx: Context, user: User) -> UserOut:
    out = UserOut.model_validate(user)
    out.team_ids = ctx.uow.users.team_ids(user.id)
    return out


def _check_teams(ctx: Context, team_ids: list[int]) -> None:
    for index, team_id in enumerate(team_ids):
        if ctx.uow.teams.get(team_id) is None:
            raise Invalid.field(("body", "team_ids", index), f"team {team_id} does not exist")


def list_users(
    ctx: Context, limit: int, offset: int, role: str | None = None, team_id: int | None = None
) -> Page[UserOut]:
    permissions.require_admin(ctx.actor)
    rows, total = ctx.uow.users.page(limit, offset, role, team_id)
    return Page(items=[user_out(ctx, r) for r in rows], total=total, limit=limit, offset=offset)


def get_user(ctx: Context, user_id: int) -> UserOut:
    if ctx.actor.user_id != user_id:
        permissions.require_admin(ctx.actor)
    user = ctx.uow.users.get(user_id)
    if user is None:
        raise NotFound("user not found")
    return user_out(ctx, user)


def create_user(ctx: Context, data: UserIn) -> UserOut:
    permissions.require_admin(ctx.actor)
    if ctx.uow.users.by_username(data.username) is not None:
        raise Conflict(f"a user named {data.username} exists")
    _check_teams(ctx, data.team_ids)
    user = ctx.uow.users.add(
        User(
            username=data.username,
            full_name=data.full_name,
            role=data.role,
            password_hash=hash_password(data.password),
            active=True,
            failed_logins=0,
            created_at=now(),
        )
    )
    ctx.uow.users.set_teams(user.id, data.team_ids)
    out = user_out(ctx, user)
    ctx.audit("create", entity="user", record_id=str(user.id), after=out.model_dump(mode="json"))
    return out


def _active_admins(ctx: Context) -> list[int]:
    """Ids of the active admins, locked (PostgreSQL) so two admins demoting each other at the same
    moment cannot both succeed and leave none; SQLite serialises write transactions anyway."""
    return ctx.uow.users.active_admin_ids()


def _check_separation_of_duties(ctx: Context, user: User, changes: dict[str, Any]) -> None:
    """An admin may not raise or lower its own powers, and the service always keeps one admin.

    Changing one's own role would let an admin give itself clinical access (or take it and hand
    it back), unseen by a second person; removing the last admin leaves nobody to manage accounts.
    """
    own = user.id == ctx.actor.user_id
    if own and "role" in changes and changes["role"] != user.role:
        raise Forbidden("an admin cannot change its own role: another admin must do it")
    if own and changes.get("active") is False:
        raise Forbidden("an admin cannot deactivate itself: another admin must do it")
    demoted = changes.get("role", user.role) != Role.ADMIN or changes.get("active", user.active) is False
    if user.role == Role.ADMIN and user.active and demoted and _active_admins(ctx) == [user.id]:
        raise Conflict("this is the last active admin: make another admin first")


def end_sessions(ctx: Context, user_id: int) -> int:
    """Sign the user out everywhere: every session cookie and API token stops working at once."""
    ended = ctx.uow.users.end_sessions(user_id)
    forget_user(user_id)
    return ended


def _what_changed(before: dict[str, Any], after: dict[str, Any], password: bool, ended: int | None) -> str:
    parts = [f"{key} {before[key]!r} -> {after[key]!r}" for key in after if before.get(key) != after[key]]
    if password:
        parts.append("password changed")
    if ended is not None:
        parts.append(f"sessions ended ({ended})")
    return "; ".join(parts) or "no change"


def update_user(ctx: Context, user_id: int, data: UserUpdate) -> UserOut:
    permissions.require_admin(ctx.actor)
    user = ctx.uow.users.get(user_id, lock=True)
    if user is None:
        raise NotFound("user not found")
    before = user_out(ctx, user).model_dump(mode="json")
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"password", "team_ids"})
    _check_separation_of_duties(ctx, user, changes)
    for key, value in changes.items():
        setattr(user, key, value)
    if data.password is not None:
        user.password_hash = hash_password(data.password)
        user.failed_logins = 0
        user.locked_until = None
    if data.team_ids is not None:
        _check_teams(ctx, data.team_ids)
        ctx.uow.users.set_teams(user_id, data.team_ids)
    out = user_out(ctx, user)
    after = out.model_dump(mode="json")
    # A new password, role or deactivation must not leave a session running on the old terms.
    powers_changed = before["role"] != after["role"] or (before["active"] and not after["active"])
    ended = end_sessions(ctx, user_id) if data.password is not None or powers_changed else None
    forget_user(user_id)
    ctx.audit(
        "update",
        entity="user",
        record_id=str(user_id),
        before=before,
        after=after,
        detail=_what_changed(before, after, data.password is not None, ended),
    )
    return out


PRIVILEGED_ENTITIES = ("user", "team")


def privileged_changes(ctx: Context, limit: int, offset: int) -> Page[AuditOut]:
    """Every change to accounts and teams (by the API, the pages or the server-side commands),
    newest first: what an admin's reviewer reads to see who was given which powers."""
    permissions.require_admin(ctx.actor)
    where = AuditFilter(entities=PRIVILEGED_ENTITIES, without_actions=("read", "read_audit"))
    rows, total = ctx.uow.audit.page(where, limit, offset)
    return Page(items=[AuditOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)
