"""Reports as use cases: who may see which teams, and an audit entry for every report and drill-down.

Team leads see their own teams; auditors every team; clinicians and admins no reports (an
audit of a team's clustering is a lead's or an auditor's task, and admins see no clinical data).
"""

from __future__ import annotations

from datetime import date

from carecluster.reports import national_proms
from carecluster.reports.build import REPORTS, build_report, measure_spec
from carecluster.reports.measures import Which, drill
from carecluster.reports.models import Drill, Filters, Report
from carecluster.service.context import Context
from carecluster.service.errors import Forbidden, Invalid, NotFound
from carecluster.service.security import Actor

REPORT_ROLES = frozenset({"team_lead", "auditor"})


def require_report_reader(actor: Actor) -> None:
    if actor.role not in REPORT_ROLES:
        raise Forbidden(f"reports are for team leads and auditors, not the {actor.role} role")


def scope(actor: Actor, team_id: int | None) -> tuple[int, ...] | None:
    """The teams a report may cover: one asked for (if allowed), else all the actor may see."""
    require_report_reader(actor)
    if actor.role == "auditor":
        return None if team_id is None else (team_id,)
    if team_id is None:
        return tuple(sorted(actor.team_ids))
    if team_id not in actor.team_ids:
        raise Forbidden(f"you are not a lead of team {team_id}")
    return (team_id,)


def filters_for(ctx: Context, date_from: date, date_to: date, team_id: int | None, clinician_id: int | None) -> Filters:
    if date_to < date_from:
        raise Invalid.field(("query", "to"), f"the period ends ({date_to}) before it starts ({date_from})")
    return Filters(date_from=date_from, date_to=date_to, team_ids=scope(ctx.actor, team_id), clinician_id=clinician_id)


def _known(name: str) -> None:
    if name not in REPORTS:
        raise NotFound(f"no report {name!r}: one of {', '.join(REPORTS)}")


def report(
    ctx: Context, name: str, date_from: date, date_to: date, team_id: int | None = None, clinician_id: int | None = None
) -> Report:
    _known(name)
    filters = filters_for(ctx, date_from, date_to, team_id, clinician_id)
    result = build_report(ctx.session, name, filters, ctx.reference)
    ctx.audit("read_report", entity="report", detail=f"{name} {filters.model_dump_json()}")
    return result


def drill_down(
    ctx: Context,
    name: str,
    measure: str,
    date_from: date,
    date_to: date,
    *,
    team_id: int | None = None,
    clinician_id: int | None = None,
    which: Which = "numerator",
    dimension: str | None = None,
    key: str | None = None,
    from_cluster: int | None = None,
) -> Drill:
    """The service users behind one number; their record ids go to the audit trail, like a caseload read."""
    _known(name)
    filters = filters_for(ctx, date_from, date_to, team_id, clinician_id)
    if name == national_proms.REPORT:
        return _national_drill(ctx, filters, measure, which, dimension, key)
    try:
        spec = measure_spec(name, measure)
    except KeyError as error:
        raise NotFound(str(error.args[0])) from None
    if dimension is not None and dimension not in ("team", "clinician", "cluster"):
        raise Invalid.field(("query", "dimension"), "one of team, clinician, cluster")
    if key is not None and key != "none" and not key.lstrip("-").isdigit():
        raise Invalid.field(("query", "key"), "a team, clinician or cluster number, or 'none'")
    if from_cluster is not None and not spec.value_is_from_cluster:
        raise Invalid.field(
            ("query", "from_cluster"), "only the cluster changes (transitions, moves) have a from-cluster"
        )
    result = drill(
        ctx.session,
        name,
        spec,
        filters,
        ctx.reference,
        which=which,
        dimension=dimension,
        key=key,
        from_cluster=from_cluster,
    )
    ctx.audit(
        "read_report_drill",
        entity="service_user",
        after={"record_ids": sorted({r.service_user_id for r in result.rows})},
        detail=f"{name}/{measure} {which} {dimension}={key} from={from_cluster} {filters.model_dump_json()}",
    )
    return result


def _national_drill(
    ctx: Context, filters: Filters, measure: str, which: Which, dimension: str | None, key: str | None
) -> Drill:
    """The national PROMs report's drill-down (by team or by month), audited like the others."""
    if dimension == "month" and (key is None or len(key) != 7 or key[4] != "-"):
        raise Invalid.field(("query", "key"), "a month as YYYY-MM")
    if dimension == "team" and (key is None or not key.isdigit()):
        raise Invalid.field(("query", "key"), "a team number")
    try:
        result = national_proms.drill(ctx.session, filters, measure, which, dimension, key)
    except KeyError as error:
        raise NotFound(str(error.args[0])) from None
    except ValueError as error:
        raise Invalid.field(("query", "dimension"), str(error)) from None
    ctx.audit(
        "read_report_drill",
        entity="service_user",
        after={"record_ids": sorted({r.service_user_id for r in result.rows})},
        detail=f"{national_proms.REPORT}/{measure} {which} {dimension}={key} {filters.model_dump_json()}",
    )
    return result
