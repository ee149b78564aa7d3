"""A measure is a query of *units* (service users, episodes, assessments, reviews) with one row
each: who (service user, team, clinician), which cluster, and whether the unit counts in the
numerator. Aggregation happens in the database, grouped by team x clinician x cluster; the
few hundred grouped rows are rolled up here. The same query, filtered, lists the service users
behind any number, so a drill-down can never disagree with the figure it came from.

Every units query has the columns: su, team_id, clinician_id, cluster, on (a date) and detail
(text; optional), and per measure a numerator flag (0/1), optionally a denominator flag (else
every unit counts) and a value (e.g. days overdue). Measures of one family share one units
query, so a report reads its rows once: one GROUP BY computes every measure of the family.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl
from sqlalchemy import Select, func, literal, select, text
from sqlalchemy.orm import Session

from carecluster.reference.models import ReferenceSet
from carecluster.reports.models import Drill, DrillRow, Filters, Group, Measure
from carecluster.reports.sql import current, month_of
from carecluster.store.models import ServiceUser, Team, User

Units = Callable[[Filters, ReferenceSet], Select[Any]]
Which = Literal["numerator", "denominator", "rest"]
DIMENSIONS = ("team", "clinician", "cluster")
GROUPED = (*DIMENSIONS, "month")
DRILL_LIMIT = 500


@dataclass(frozen=True)
class MeasureSpec:
    id: str
    label: str
    definition: str
    numerator_label: str
    denominator_label: str
    units: Units
    value_label: str | None = None
    higher_is_better: bool = True
    mean_over: Literal["numerator", "all"] = "numerator"
    """Which units the mean of `value` is taken over."""
    num: str = "num"
    """The column flagging the numerator."""
    den: str | None = None
    """The column flagging the denominator; None: every unit of the query."""
    value: str = "value"
    hidden: bool = False
    """Computed for a report's tables, not listed among its measures."""
    trend: bool = False
    """Also broken down by calendar month (a line chart): the family's query then groups by month."""
    value_is_from_cluster: bool = False
    """`value` holds the cluster moved from, so a drill-down can narrow to one from-to cell."""


def plan_for_reports(session: Session) -> None:
    """PostgreSQL: no JIT compilation for this transaction's queries. Report queries run once
    over a few hundred thousand rows; compiling them cost ~0.3 s each (measured, PostgreSQL 15)
    and won back less. `SET LOCAL` ends with the transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def scoped(spec: MeasureSpec, filters: Filters, reference: ReferenceSet) -> Any:
    """The units of a measure, restricted to the teams and clinician asked for (a subquery)."""
    units = spec.units(filters, reference).subquery()
    query = select(units)
    if filters.team_ids is not None:
        query = query.where(units.c.team_id.in_(filters.team_ids or (-1,)))
    if filters.clinician_id is not None:
        query = query.where(units.c.clinician_id == filters.clinician_id)
    return query.subquery()


def _share(num: int, den: int) -> float | None:
    return num / den if den else None


def _mean(spec: MeasureSpec, total: float, num: int, den: int) -> float | None:
    over = num if spec.mean_over == "numerator" else den
    return total / over if spec.value_label and over else None


class Labels:
    """Team codes, clinician names and cluster titles for breakdowns, looked up once."""

    def __init__(self, session: Session, reference: ReferenceSet) -> None:
        self.teams = {t.id: t.code for t in session.execute(select(Team.id, Team.code))}
        self.users = {u.id: u.full_name for u in session.execute(select(User.id, User.full_name))}
        self.reference = reference

    def of(self, dimension: str, key: Any) -> str:
        if key is None:
            return {"team": "No team", "clinician": "No clinician", "cluster": "No cluster"}[dimension]
        if dimension == "team":
            return self.teams.get(key, str(key))
        if dimension == "clinician":
            return self.users.get(key, str(key))
        try:
            return f"{key}: {self.reference.cluster(int(key)).title}"
        except (KeyError, ValueError, StopIteration):
            return str(key)


def compute_all(
    session: Session, specs: Sequence[MeasureSpec], filters: Filters, reference: ReferenceSet, labels: Labels
) -> list[Measure]:
    """Every measure, with one grouped query per distinct units query (per family)."""
    families: dict[Any, list[MeasureSpec]] = {}
    for spec in specs:
        families.setdefault(spec.units, []).append(spec)
    done: dict[str, Measure] = {}
    for family in families.values():
        for spec, measure in zip(family, _compute_family(session, family, filters, reference, labels), strict=True):
            done[spec.id] = measure
    return [done[spec.id] for spec in specs]


def _compute_family(
    session: Session, specs: Sequence[MeasureSpec], filters: Filters, reference: ReferenceSet, labels: Labels
) -> list[Measure]:
    units = scoped(specs[0], filters, reference)
    month = (month_of(units.c.on) if any(spec.trend for spec in specs) else literal(None)).label("month")
    columns: list[Any] = [units.c.team_id, units.c.clinician_id, units.c.cluster, month]
    for i, spec in enumerate(specs):
        num = units.c[spec.num]
        den = units.c[spec.den] if spec.den else None
        value = units.c.get(spec.value)
        weight = num if spec.mean_over == "numerator" else den
        # count(*) FILTER rather than sum(flag): the aggregate steps only on the rows that count
        # (the flags are 0/1), which SQLite runs markedly faster over a year of rows
        columns += [
            func.count().filter(num == 1).label(f"n{i}"),
            (func.count().filter(den == 1) if den is not None else func.count()).label(f"d{i}"),
            (
                (func.sum(value).filter(weight == 1) if weight is not None else func.sum(value))
                if value is not None
                else literal(None)
            ).label(f"v{i}"),
        ]
    grouping = [
        units.c.team_id,
        units.c.clinician_id,
        units.c.cluster,
        *([month] if any(s.trend for s in specs) else []),
    ]
    result = session.execute(select(*columns).group_by(*grouping))
    names = ["team", "clinician", "cluster", "month", *[f"{x}{i}" for i in range(len(specs)) for x in "ndv"]]
    rows = pl.DataFrame(
        [tuple(row) for row in result],
        schema={
            "team": pl.Int64,
            "clinician": pl.Int64,
            "cluster": pl.Int64,
            "month": pl.String,
            **{name: pl.Float64 for name in names[4:]},
        },
        orient="row",
    )
    return [_measure(spec, i, rows, labels) for i, spec in enumerate(specs)]


def _measure(spec: MeasureSpec, i: int, rows: pl.DataFrame, labels: Labels) -> Measure:
    """Roll the grouped rows up to the whole and to each dimension (Polars: a few hundred to a
    few tens of thousands of rows, summed per key without a Python loop over them)."""
    n, d, v = f"n{i}", f"d{i}", f"v{i}"
    counted = rows.filter(pl.col(d) > 0).with_columns(pl.col(v).fill_null(0.0))
    num, den, vsum = (int(counted[n].sum()), int(counted[d].sum()), float(counted[v].sum()))

    def groups(dim: str) -> list[Group]:
        sums = counted.group_by(dim).agg(pl.col(n).sum(), pl.col(d).sum(), pl.col(v).sum())
        totals = {key: (int(a), int(b), float(c)) for key, a, b, c in sums.iter_rows()}
        keys = sorted(totals, key=lambda k: (k is None, k if dim != "clinician" else labels.of(dim, k)))
        if dim == "month":
            keys = [k for k in keys if k is not None]
        out = []
        for key in keys:
            gn, gd, gv = totals[key]
            out.append(
                Group(
                    key="none" if key is None else str(key),
                    label=str(key) if dim == "month" else labels.of(dim, key),
                    numerator=gn,
                    denominator=gd,
                    share=_share(gn, gd),
                    mean_value=_mean(spec, gv, gn, gd),
                )
            )
        return out

    return Measure(
        id=spec.id,
        label=spec.label,
        definition=spec.definition,
        numerator_label=spec.numerator_label,
        denominator_label=spec.denominator_label,
        numerator=num,
        denominator=den,
        share=_share(num, den),
        value_label=spec.value_label,
        mean_value=_mean(spec, vsum, num, den),
        by_team=groups("team"),
        by_clinician=groups("clinician"),
        by_cluster=groups("cluster"),
        by_month=groups("month"),
        higher_is_better=spec.higher_is_better,
    )


def drill(
    session: Session,
    report: str,
    spec: MeasureSpec,
    filters: Filters,
    reference: ReferenceSet,
    *,
    which: Which = "numerator",
    dimension: str | None = None,
    key: str | None = None,
    from_cluster: int | None = None,
    limit: int = DRILL_LIMIT,
) -> Drill:
    """The units behind a number: the numerator, the whole denominator, or the rest (den - num);
    for cluster changes, optionally only the moves from one cluster (a cell of the matrix)."""
    plan_for_reports(session)
    units = scoped(spec, filters, reference)
    query = select(units)
    if from_cluster is not None:
        if not spec.value_is_from_cluster:
            raise ValueError(f"{spec.label}: only cluster changes can be narrowed to the cluster moved from")
        query = query.where(units.c[spec.value] == from_cluster)
    if spec.den:
        query = query.where(units.c[spec.den] == 1)
    if which == "numerator":
        query = query.where(units.c[spec.num] == 1)
    elif which == "rest":
        query = query.where(units.c[spec.num] == 0)
    if dimension is not None:
        if dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dimension!r}: one of {', '.join(DIMENSIONS)}")
        column = units.c[{"team": "team_id", "clinician": "clinician_id", "cluster": "cluster"}[dimension]]
        query = query.where(column.is_(None) if key in (None, "none") else column == int(key))
    inner = query.subquery()
    total = session.scalar(select(func.count()).select_from(inner)) or 0
    order = [inner.c.on, ServiceUser.name]
    if spec.value in inner.c:
        order.insert(0, inner.c[spec.value].desc().nulls_last())
    people = (
        select(inner, ServiceUser.name, ServiceUser.nhs_number)
        .join(ServiceUser, (ServiceUser.record_id == inner.c.su) & current(ServiceUser))
        .order_by(*order)
        .limit(limit)
    )
    labels = Labels(session, reference)
    rows = [
        DrillRow(
            service_user_id=r.su,
            name=r.name,
            nhs_number=r.nhs_number,
            team=labels.of("team", r.team_id),
            clinician=labels.of("clinician", r.clinician_id) if r.clinician_id is not None else None,
            cluster=r.cluster,
            on=r.on,
            value=getattr(r, spec.value, None),
            detail=r.detail,
            in_numerator=bool(getattr(r, spec.num)),
        )
        for r in session.execute(people)
    ]
    return Drill(
        report=report,
        measure=spec.id,
        label=spec.label,
        which=which,
        dimension=dimension,
        key=key,
        from_cluster=from_cluster,
        total=total,
        rows=rows,
        value_label=spec.value_label,
    )
