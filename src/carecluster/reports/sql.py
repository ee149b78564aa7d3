"""SQL building blocks that must read the same on SQLite and PostgreSQL.

Date arithmetic is where the two differ most: PostgreSQL adds calendar months with month-end
clamping (31 August + 6 months = 28 February), SQLite's `date()` rolls over into March. The
review schedule (`domain.schedule.add_duration`) clamps, so `add_duration_sql` compiles to an
expression that clamps on both, and the reports agree with the caseload pages to the day.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer, SQLColumnExpression, String, case, cast, null
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from carecluster.reference.models import Duration, ReferenceSet
from carecluster.store.models import Versioned


def current(model: type[Versioned]) -> ColumnElement[bool]:
    """The current version of a versioned record: its row not yet superseded."""
    return model.superseded_at.is_(None)


class _AddMonths(FunctionElement[Any]):
    """`start` plus a fixed number of calendar months, clamped to the month's last day.

    The amount is a Python int, compiled into the SQL as a constant (the modifier text SQLite's
    date() parses per row is then a literal, not a concatenation)."""

    type = Date()
    inherit_cache = False

    def __init__(self, start: Any, months: int) -> None:
        self.months = int(months)
        super().__init__(start)


@compiles(_AddMonths)
def _add_months_pg(element: _AddMonths, compiler: Any, **kw: Any) -> str:
    (start,) = list(element.clauses)
    return f"CAST(({compiler.process(start, **kw)} + make_interval(months => {element.months})) AS DATE)"


@compiles(_AddMonths, "sqlite")
def _add_months_sqlite(element: _AddMonths, compiler: Any, **kw: Any) -> str:
    (start,) = list(element.clauses)
    s = compiler.process(start, **kw)
    plain = f"date({s}, '+{element.months} months')"
    # date() rolls an overflowing day into the next month (31 Aug + 6 months = 3 March): the day
    # then differs from the start's, and the clamped answer is the day before that month began
    return f"(CASE WHEN substr({plain}, 9, 2) = substr({s}, 9, 2) THEN {plain} ELSE date({plain}, 'start of month', '-1 day') END)"


class _AddDays(FunctionElement[Any]):
    type = Date()
    inherit_cache = False

    def __init__(self, start: Any, days: int) -> None:
        self.days = int(days)
        super().__init__(start)


@compiles(_AddDays)
def _add_days_pg(element: _AddDays, compiler: Any, **kw: Any) -> str:
    (start,) = list(element.clauses)
    return f"CAST(({compiler.process(start, **kw)} + {element.days}) AS DATE)"


@compiles(_AddDays, "sqlite")
def _add_days_sqlite(element: _AddDays, compiler: Any, **kw: Any) -> str:
    (start,) = list(element.clauses)
    return f"date({compiler.process(start, **kw)}, '+{element.days} days')"


class _DaysBetween(FunctionElement[Any]):
    """Whole days from `earlier` to `later` (negative when `later` comes first)."""

    type = Integer()
    inherit_cache = True


@compiles(_DaysBetween)
def _days_pg(element: _DaysBetween, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"(CAST({compiler.process(later, **kw)} AS DATE) - CAST({compiler.process(earlier, **kw)} AS DATE))"


@compiles(_DaysBetween, "sqlite")
def _days_sqlite(element: _DaysBetween, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"CAST(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}) AS INTEGER)"


def add_duration_sql(start: Any, duration: Duration) -> ColumnElement[Any]:
    if duration.unit == "weeks":
        return _AddDays(start, duration.value * 7)
    return _AddMonths(start, duration.value * (12 if duration.unit == "years" else 1))


def days_between(later: Any, earlier: Any) -> ColumnElement[int]:
    return _DaysBetween(later, earlier)


def later_of(a: SQLColumnExpression[Any], b: SQLColumnExpression[Any]) -> ColumnElement[Any]:
    """The later of two nullable dates (NULL only when both are)."""
    return case((a.is_(None), b), (b.is_(None), a), (a > b, a), else_=b)


def _due(since: Any, cluster: Any, durations: dict[int, Duration]) -> ColumnElement[Any]:
    """`since` plus each cluster's duration: one branch per distinct duration, each with its
    amount as a constant, so a row costs one dispatch on its cluster and one date addition."""
    by_duration: dict[Duration, list[int]] = {}
    for number, duration in sorted(durations.items()):
        by_duration.setdefault(duration, []).append(number)
    if not by_duration:
        return cast(null(), Date)
    return case(
        *[(cluster.in_(numbers), add_duration_sql(since, duration)) for duration, numbers in by_duration.items()],
        else_=cast(null(), Date),
    )


def review_due(cluster: Any, since: Any, reference: ReferenceSet) -> ColumnElement[Any]:
    """Next review due for `cluster` counted from `since`; NULL for clusters without an interval."""
    return _due(since, cluster, {c.number: c.review_interval for c in reference.clusters if c.review_interval})


def episode_ends(cluster: Any, since: Any, reference: ReferenceSet) -> ColumnElement[Any]:
    """The end of the cluster's indicative episode (its upper bound); NULL when open-ended."""
    durations = {
        c.number: c.indicative_episode.maximum
        for c in reference.clusters
        if c.indicative_episode is not None and c.indicative_episode.maximum is not None
    }
    return _due(since, cluster, durations)


def super_class_of(cluster: Any, reference: ReferenceSet) -> ColumnElement[str]:
    return case(*[(cluster == c.number, c.super_class) for c in reference.clusters], else_=cast(null(), String))


class _Month(FunctionElement[Any]):
    """'YYYY-MM' of a date."""

    type = String()
    inherit_cache = True


@compiles(_Month)
def _month_pg(element: _Month, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(next(iter(element.clauses)), **kw)}, 'YYYY-MM')"


@compiles(_Month, "sqlite")
def _month_sqlite(element: _Month, compiler: Any, **kw: Any) -> str:
    # SQLite holds a date as ISO text ('YYYY-MM-DD'): its first seven characters are the month,
    # read far more cheaply than by strftime, which parses the date first
    return f"substr({compiler.process(next(iter(element.clauses)), **kw)}, 1, 7)"


def month_of(day: Any) -> ColumnElement[str]:
    return _Month(day)
