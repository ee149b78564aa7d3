"""Read-only views the web pages need beyond the API's use cases: a caseload sorted across all its
pages with its warning flags, the clinicians a user may pick, and one record's review date.

Each view checks permissions as the other use cases do and reads the store through the unit of
work's repositories (the caseload's currency groups still come from `currency_grouping`, which
queries the session). The caseload itself comes from `caseload.caseload_rows`, so the page and
the API agree on clusters, due dates and overdue days; only the audit entry is written here,
naming the rows actually shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from carecluster.domain.schedule import ScheduleError, ScheduleResult
from carecluster.domain.schedule import schedule as engine_schedule
from carecluster.service import caseload as caseload_use_case
from carecluster.service import permissions
from carecluster.service.context import Context
from carecluster.service.currency_grouping import EpisodeGroup, groups_for, population_group_of
from carecluster.service.records import current_cluster, last_reviews
from carecluster.service.schemas import CaseloadRow
from carecluster.store.models import ServiceUser, Team

Sort = Literal["name", "due", "cluster"]
ALL_ROWS = 1_000_000


@dataclass
class CaseloadEntry:
    row: CaseloadRow
    never_clustered: bool = False
    red_rule_broken: bool = False
    currency: EpisodeGroup | None = None
    """The open episode's mental health currency group today (None: no open episode)."""


@dataclass
class CaseloadView:
    entries: list[CaseloadEntry]
    total: int
    limit: int
    offset: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _QuietContext(Context):
    """A context whose use cases write no audit entry (the currency worklist runs the caseload
    with it and audits the rows it shows; `caseload.caseload_rows` is the direct way)."""

    def audit(self, *args: Any, **kwargs: Any) -> None:
        return None


def _sort_key(sort: Sort) -> Any:
    far = date.max
    if sort == "due":
        return lambda e: (e.row.next_review_due or far, e.row.name.lower())
    if sort == "cluster":
        return lambda e: (e.row.cluster if e.row.cluster is not None else 99, e.row.name.lower())
    return lambda e: (e.row.name.lower(), e.row.service_user_id)


def caseload_view(
    ctx: Context,
    *,
    team_id: int | None,
    clinician_id: int | None,
    overdue: bool | None,
    cluster: int | None,
    sort: Sort,
    limit: int,
    offset: int,
    group: str | None = None,
) -> CaseloadView:
    """`group`: keep people whose open episode is in that population group (e.g. MAA), or
    `ungrouped` for those with no group (no open episode, or the grouping refused an input)."""
    rows = caseload_use_case.caseload_rows(
        ctx, team_id=team_id, clinician_id=clinician_id, overdue=overdue, cluster=cluster
    )
    ids = [r.service_user_id for r in rows]
    clustered, red = caseload_use_case.flags(ctx, ids)
    groups = groups_for(ctx, ids)
    entries = [
        CaseloadEntry(
            row=r,
            never_clustered=r.service_user_id not in clustered,
            red_rule_broken=r.service_user_id in red,
            currency=groups.get(r.service_user_id),
        )
        for r in rows
    ]
    if group:
        entries = [e for e in entries if population_group_of(e.currency) == group]
    entries.sort(key=_sort_key(sort))
    shown = entries[offset : offset + limit]
    counts = {
        "overdue": sum(1 for e in entries if e.row.overdue),
        "never_clustered": sum(1 for e in entries if e.never_clustered),
        "red_rule_broken": sum(1 for e in entries if e.red_rule_broken),
    }
    ctx.audit(
        "read_caseload",
        entity="service_user",
        after={"record_ids": [e.row.service_user_id for e in shown]},
        detail=f"web: team={team_id} clinician={clinician_id} overdue={overdue} cluster={cluster} sort={sort} "
        f"group={group} offset={offset}",
    )
    return CaseloadView(entries=shown, total=len(entries), limit=limit, offset=offset, counts=counts)


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str
    team_ids: tuple[int, ...]


def clinicians(ctx: Context, team_ids: list[int] | None = None) -> list[Person]:
    """Clinicians and team leads of the given teams (default: the actor's; an auditor's: all)."""
    permissions.require_clinical_reader(ctx.actor)
    allowed = None if ctx.actor.role == "auditor" else set(ctx.actor.team_ids)
    wanted = set(team_ids) if team_ids is not None else allowed
    if wanted is not None and allowed is not None:
        wanted &= allowed
    people: dict[int, Person] = {}
    roles = frozenset(str(role) for role in permissions.CLINICAL_ROLES)
    for user, team in ctx.uow.users.active_members(roles, None if wanted is None else frozenset(wanted)):
        known = people.get(user.id)
        teams = (*known.team_ids, team) if known else (team,)
        people[user.id] = Person(id=user.id, name=user.full_name, role=user.role, team_ids=teams)
    return list(people.values())


def teams_readable(ctx: Context) -> list[Team]:
    """The teams whose records the actor may read (an auditor: every team)."""
    permissions.require_clinical_reader(ctx.actor)
    return ctx.uow.teams.by_code_among(None if ctx.actor.role == "auditor" else frozenset(ctx.actor.team_ids))


def user_names(ctx: Context, user_ids: set[int]) -> dict[int, str]:
    """Names of the staff who recorded or chose something on a record the actor may read."""
    permissions.require_clinical_reader(ctx.actor)
    return ctx.uow.users.names(user_ids)


def review_schedule(ctx: Context, service_user_id: str) -> ScheduleResult | None:
    """The current cluster's review schedule for one service user, counted as the caseload counts it:
    from the later of the current period's start and the last review."""
    su = ctx.uow.records.current(ServiceUser, service_user_id)
    if su is None:
        return None
    permissions.require_read(ctx.actor, su.team_id)
    period = ctx.uow.records.open_period(service_user_id)
    if period is None:
        return None
    last = last_reviews(ctx, [service_user_id]).get(service_user_id)
    since = max(d for d in (period.start_date, last) if d is not None)
    try:
        return engine_schedule(period.cluster, since, ctx.reference, max(ctx.today, since))
    except ScheduleError:
        return None


@dataclass(frozen=True)
class PersonBanner:
    """Who a page is about, shown at the top of every page about one person (wrong-patient risk)."""

    id: str
    name: str
    nhs_number: str
    date_of_birth: date
    team: str
    cluster: int | None
    cluster_title: str | None
    next_review_due: date | None
    overdue: bool

    @property
    def nhs_spaced(self) -> str:
        """The NHS number as people read it: 3-3-4 digits."""
        n = self.nhs_number
        return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 10 else n


def person_banner(ctx: Context, service_user_id: str) -> PersonBanner | None:
    """The banner for one service user the actor may read (None when there is no such record)."""
    su = ctx.uow.records.current(ServiceUser, service_user_id)
    if su is None:
        return None
    permissions.require_read(ctx.actor, su.team_id)
    team = ctx.uow.teams.get(su.team_id)
    cluster = current_cluster(ctx, service_user_id)
    schedule = review_schedule(ctx, service_user_id)
    return PersonBanner(
        id=su.record_id,
        name=su.name,
        nhs_number=su.nhs_number,
        date_of_birth=su.date_of_birth,
        team=f"{team.code}: {team.name}" if team else str(su.team_id),
        cluster=cluster,
        cluster_title=ctx.reference.cluster(cluster).title if cluster is not None else None,
        next_review_due=schedule.next_review_due if schedule else None,
        overdue=bool(schedule and schedule.overdue),
    )
