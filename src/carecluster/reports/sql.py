"""SQL building blocks that must read the same on SQLite and PostgreSQL.

Date arithmetic is where the two differ most: PostgreSQL adds calendar months with month-end
clamping (31 August + 6 months = 28 February), SQLite's `date()` rolls over into March. The
review schedule (`domain.schedule.add_duration`) clamps, so `add_duration_sql` compiles to an
expression that clamps on both, and the reports agree with the caseload pages to the day.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer, String, case, cast, func, literal, null
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from carecluster.reference.models import Duration, ReferenceSet
from carecluster.store.models import Assessment, Versioned


def current(model: type[Versioned]) -> ColumnElement[bool]:
    """The current version of a versioned record: its row not yet superseded."""
    return model.superseded_at.is_(None)


class _AddMonths(FunctionElement[Any]):
    """`start` plus whole calendar months, clamped to the month's last day."""

    type = Date()
    inherit_cache = True


@compiles(_AddMonths)
def _add_months_pg(element: _AddMonths, compiler: Any, **kw: Any) -> str:
    start, months = list(element.clauses)
    return f"CAST(({compiler.process(start, **kw)} + make_interval(months => CAST({compiler.process(months, **kw)} AS INTEGER))) AS DATE)"


@compiles(_AddMonths, "sqlite")
def _add_months_sqlite(element: _AddMonths, compiler: Any, **kw: Any) -> str:
    start, months = list(element.clauses)
    s = compiler.process(start, **kw)
    m = compiler.process(months, **kw)
    plain = f"date({s}, '+' || ({m}) || ' months')"
    clamped = f"date({s}, 'start of month', '+' || (({m}) + 1) || ' months', '-1 day')"
    return f"(CASE WHEN strftime('%d', {plain}) = strftime('%d', {s}) THEN {plain} ELSE {clamped} END)"


class _AddDays(FunctionElement[Any]):
    type = Date()
    inherit_cache = True


@compiles(_AddDays)
def _add_days_pg(element: _AddDays, compiler: Any, **kw: Any) -> str:
    start, days = list(element.clauses)
    return f"CAST(({compiler.process(start, **kw)} + CAST({compiler.process(days, **kw)} AS INTEGER)) AS DATE)"


@compiles(_AddDays, "sqlite")
def _add_days_sqlite(element: _AddDays, compiler: Any, **kw: Any) -> str:
    start, days = list(element.clauses)
    return f"date({compiler.process(start, **kw)}, '+' || ({compiler.process(days, **kw)}) || ' days')"


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
        return _AddDays(start, literal(duration.value * 7))
    months = duration.value * (12 if duration.unit == "years" else 1)
    return _AddMonths(start, literal(months))


def days_between(later: Any, earlier: Any) -> ColumnElement[int]:
    return _DaysBetween(later, earlier)


def later_of(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    """The later of two nullable dates (NULL only when both are)."""
    return case((a.is_(None), b), (b.is_(None), a), (a > b, a), else_=b)


def _by_cluster(cluster: Any, values: dict[int, int]) -> ColumnElement[Any]:
    if not values:
        return cast(null(), Integer)
    return case(*[(cluster == n, literal(v)) for n, v in values.items()], else_=cast(null(), Integer))


def _due(since: Any, cluster: Any, durations: dict[int, Duration]) -> ColumnElement[Any]:
    """`since` plus each cluster's duration, with `since` written once per unit so a correlated
    sub-query behind it is not multiplied by the number of clusters."""
    days = {n: d.value * 7 for n, d in durations.items() if d.unit == "weeks"}
    months = {n: d.value * (12 if d.unit == "years" else 1) for n, d in durations.items() if d.unit != "weeks"}
    d, m = _by_cluster(cluster, days), _by_cluster(cluster, months)
    return case(
        (d.is_not(None), _AddDays(since, d)),
        (m.is_not(None), _AddMonths(since, m)),
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


def compact_ratings(table: Any = Assessment) -> ColumnElement[str]:
    """The stored ratings as text without spaces: `[0,1,9,...]`.

    Why not JSON functions: every rating is one digit (0-4, or 9 for not known; `domain.ratings`
    refuses anything else before a rating is stored), so in the compact text rating i sits at
    character 2 + 2i. `substr` there costs a fraction of `json_extract` (measured: ~0.65 s per
    scale per million rows on SQLite for json_extract), which is what keeps the rating-based
    reports within their time on a million assessments. The same text serves PostgreSQL.
    """
    return func.replace(cast(table.ratings, String), " ", "")


def rating(index: int, table: Any = Assessment, compact: Any = None) -> ColumnElement[int]:
    """The rating of scale number `index` (0-based, in `SCALE_CODES` order)."""
    text_ = compact if compact is not None else compact_ratings(table)
    return cast(func.substr(text_, 2 + 2 * index, 1), Integer)


def count_nines(text_: Any) -> ColumnElement[int]:
    """How many scales are rated 9, from the ratings text: its 9s (no other 9 can occur in it)."""
    return func.length(text_) - func.length(func.replace(text_, "9", ""))


class _Month(FunctionElement[Any]):
    """'YYYY-MM' of a date."""

    type = String()
    inherit_cache = True


@compiles(_Month)
def _month_pg(element: _Month, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(next(iter(element.clauses)), **kw)}, 'YYYY-MM')"


@compiles(_Month, "sqlite")
def _month_sqlite(element: _Month, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(next(iter(element.clauses)), **kw)})"


def month_of(day: Any) -> ColumnElement[str]:
    return _Month(day)
