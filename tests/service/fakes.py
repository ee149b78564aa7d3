"""Use cases on the in-memory unit of work: no database, so each test runs in milliseconds."""

from __future__ import annotations

from datetime import date

from carecluster.api import resolve_reference
from carecluster.service.context import Context
from carecluster.service.security import Actor
from carecluster.service_layer.unit_of_work import AbstractUnitOfWork
from carecluster.store.db import now
from carecluster.store.models import Team, User

TODAY = date(2026, 7, 1)


def context(uow: AbstractUnitOfWork, actor: Actor) -> Context:
    return Context(uow=uow, actor=actor, reference=resolve_reference(None), client="test", today=TODAY)


def account(uow: AbstractUnitOfWork, username: str, role: str, *teams: int, active: bool = True) -> Actor:
    """A stored account and the actor it signs in as."""
    user = uow.users.add(
        User(
            username=username,
            full_name=username.title(),
            role=role,
            password_hash="not-a-hash",
            active=active,
            failed_logins=0,
            created_at=now(),
        )
    )
    uow.users.set_teams(user.id, teams)
    return Actor(user.id, username, role, frozenset(teams))


def team(uow: AbstractUnitOfWork, code: str) -> int:
    return uow.teams.add(Team(code=code, name=f"Team {code}", created_at=now())).id
