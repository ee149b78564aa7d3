"""The reports' date arithmetic in SQL agrees with the review schedule's, to the day, on both databases."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Date, String, bindparam, cast, literal, select

from carecluster.domain.schedule import add_duration
from carecluster.reference.models import Duration
from carecluster.reports.sql import add_duration_sql, days_between, month_of
from carecluster.store.db import Database

DURATIONS = [
    Duration(value=v, unit=u) for v, u in ((4, "weeks"), (15, "weeks"), (1, "months"), (6, "months"), (1, "years"))
]
# every day of two years around a leap day, month ends and all
DAYS = [date(2023, 12, 1) + timedelta(days=i) for i in range(0, 800)]


def test_added_durations_match_the_schedule(db: Database) -> None:
    start = bindparam("start", type_=Date)
    with db.engine.connect() as conn:
        for duration in DURATIONS:
            query = select(cast(add_duration_sql(start, duration), String))
            got = [conn.execute(query, {"start": day}).scalar_one() for day in DAYS]
            expected = [add_duration(day, duration).isoformat() for day in DAYS]
            wrong = [(d, g, e) for d, g, e in zip(DAYS, got, expected, strict=True) if g != e]
            assert not wrong, f"{duration}: {wrong[:5]}"


def test_days_between_and_month(db: Database) -> None:
    with db.engine.connect() as conn:
        for later, earlier in ((date(2024, 3, 1), date(2024, 2, 28)), (date(2025, 1, 1), date(2025, 3, 1))):
            got = conn.execute(select(days_between(literal(later, Date), literal(earlier, Date)))).scalar_one()
            assert got == (later - earlier).days
        assert conn.execute(select(month_of(literal(date(2024, 2, 29), Date)))).scalar_one() == "2024-02"


def test_the_7_8_rule_in_sql_matches_the_domain(db: Database) -> None:
    """The drift report's SQL copy of "test the higher of scales 7 and 8" (9 where either is not known)."""
    from sqlalchemy import Integer

    from carecluster.domain.grid_fit import higher_of_7_and_8
    from carecluster.reports.drift import higher_of_7_and_8_sql

    codes = (0, 1, 2, 3, 4, 9)
    r7, r8 = bindparam("r7", type_=Integer), bindparam("r8", type_=Integer)
    query = select(higher_of_7_and_8_sql(r7, r8))
    with db.engine.connect() as conn:
        for a in codes:
            for b in codes:
                got = conn.execute(query, {"r7": a, "r8": b}).scalar_one()
                expected = higher_of_7_and_8(a, b)
                assert got == (9 if expected is None else expected), (a, b)
