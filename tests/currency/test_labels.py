"""Display names of the coded inputs: every name is for a code the year's tables hold (a stray name
would offer a code the grouper rejects), and a code without a name is shown bare, not dropped."""

from __future__ import annotations

import csv

from carecluster.currency import currency_reference
from carecluster.currency.labels import LABELS_FILE, described, label
from carecluster.currency.rules import BED_TYPE, REFERRAL_REASON, TEAM_TYPE
from carecluster.service import currency_codes


def test_every_named_code_is_in_the_year_s_tables() -> None:
    ref = currency_reference()
    held = {
        TEAM_TYPE: {t.code for t in ref.team_types},
        REFERRAL_REASON: {r.code for r in ref.referral_reasons},
        BED_TYPE: {b.code for b in ref.bed_types},
    }
    with LABELS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    stray = [(r["field"], r["code"]) for r in rows if r["code"] not in held[r["field"]]]
    assert stray == []
    assert all(r["label"].strip() and r["source"] for r in rows)


def test_the_choices_are_the_tables_codes_and_an_unnamed_code_is_shown_bare() -> None:
    ref = currency_reference()
    assert [c for c, _ in currency_codes.team_types()] == [t.code for t in ref.team_types]
    assert [c for c, _ in currency_codes.referral_reasons()] == [r.code for r in ref.referral_reasons]
    assert [c for c, _ in currency_codes.bed_types()] == [b.code for b in ref.bed_types if b.data_set_version == "v6"]
    assert all(name != code for code, name in currency_codes.bed_types()), "every v6 bed type has a name"
    assert described(TEAM_TYPE, "A06") == f"A06: {label(TEAM_TYPE, 'A06')}"
    assert label(TEAM_TYPE, "F07") is None
    assert described(TEAM_TYPE, "F07") == "F07"
    assert dict(currency_codes.team_types())["F07"] == "F07"
