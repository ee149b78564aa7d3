"""Resource group periods for MHS013MHCurrencyModel from an episode's groupings: a change of group
ends one period the day before the next begins; same-day changes replace; a refused grouping is
reported, never written; discharge closes the last period."""

from __future__ import annotations

import csv
import io
from datetime import date

from carecluster.currency import Activity, currency_reference, group_activity
from carecluster.currency.mhs013 import COLUMNS, periods, to_csv

REF = currency_reference()


def grouped(diagnosis: str | None, team_type: str | None = "A06", age: int = 40) -> object:
    return group_activity(Activity(kind="contact", age=age, diagnosis=diagnosis, team_type=team_type), REF)


def test_a_change_of_group_ends_the_period_the_day_before_and_discharge_ends_the_last() -> None:
    found, refused = periods(
        "9990000018",
        [
            (date(2026, 4, 1), grouped(None)),
            (date(2026, 5, 10), grouped("F20.0")),
            (date(2026, 6, 1), grouped("F20.1")),
        ],
        date(2026, 9, 30),
    )
    assert refused == []
    assert [(p.population_group, p.code, p.start, p.end) for p in found] == [
        ("MBU", "MBU96A", date(2026, 4, 1), date(2026, 5, 9)),
        ("MAA", "MAA96A", date(2026, 5, 10), date(2026, 9, 30)),
    ]
    assert found[0].status == "unclassified"
    assert found[1].reference_version == "2026-27"


def test_a_same_day_change_replaces_and_an_open_episode_leaves_the_end_empty() -> None:
    found, _ = periods("X", [(date(2026, 4, 1), grouped(None)), (date(2026, 4, 1), grouped("F32.1"))], None)
    assert [(p.code, p.start, p.end) for p in found] == [("MAB96A", date(2026, 4, 1), None)]
    rows = list(csv.DictReader(io.StringIO(to_csv(found))))
    assert tuple(rows[0]) == COLUMNS
    assert rows[0]["MHResourceGroupType"] == "MAB"
    assert rows[0]["EndDateMHResourceGroup"] == ""
    assert rows[0]["cc_ResourceGroupCode"] == "MAB96A"


def test_a_refused_grouping_is_reported_and_splits_the_periods() -> None:
    bad = grouped("F32.1", team_type="Q99")
    assert bad.status == "rejected"
    found, refused = periods(
        "X", [(date(2026, 4, 1), grouped("F32.1")), (date(2026, 5, 1), bad), (date(2026, 6, 1), grouped("F32.1"))], None
    )
    assert [(p.start, p.end) for p in found] == [(date(2026, 4, 1), date(2026, 4, 30)), (date(2026, 6, 1), None)]
    assert [(u.start, u.reason) for u in refused] == [(date(2026, 5, 1), bad.reason)]
    assert "Q99" in refused[0].reason


def test_spreadsheet_formulas_in_an_identifier_are_not_written_live() -> None:
    found, _ = periods("=cmd()", [(date(2026, 4, 1), grouped("F32.1"))], None)
    assert not to_csv(found).splitlines()[1].startswith("=")
