"""The pure function and the vectorised one give identical answers on any input (hypothesis)."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from carecluster.currency import group_activity
from carecluster.currency.vector import INPUT_COLUMNS, RESULT_COLUMNS, group_lazy, group_rowwise, problems_lazy
from tests.currency.conftest import activity_of


def _codes(known: list[str]) -> st.SearchStrategy[str | None]:
    noise = st.text(alphabet="AFQXZ019. ", max_size=5)
    padded = st.sampled_from(known).map(lambda c: f" {c.lower()} ")
    return st.one_of(st.none(), st.sampled_from(known), padded, noise)


ROWS = st.fixed_dictionaries(
    {
        "HospProvSpellID": st.one_of(st.none(), st.just("S"), st.just(" ")),
        "CareContactId": st.one_of(st.none(), st.just("C")),
        "AgeHospStartDate": st.one_of(st.none(), st.integers(-2, 140).map(str), st.just("1x")),
        "AgeCareContDate": st.one_of(st.none(), st.integers(0, 20).map(str), st.just(" 40 "), st.just("")),
        "PrimDiag": _codes(["F20.1", "F32", "F50", "F00", "G30", "Q91", "R44", "I10", "F99", "F84X", "F3"]),
        "MHAdmittedPatientClass": _codes(["10", "204", "213", "306", "40", "200", "999", "16"]),
        "ServTeamTypeRefToMH": _codes(["A02", "A03", "A05", "A14", "A18", "A22", "C10", "F01", "Z01", "X99"]),
        "PrimReasonReferralMH": _codes(["01", "04", "08", "10", "12", "14", "18", "25", "09"]),
        "ClinRespPriorityType": st.one_of(st.none(), st.sampled_from(["1", "2", "3", "4"])),
    }
)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(ROWS, min_size=1, max_size=40))
def test_vectorised_matches_pure(rows, ref) -> None:
    frame = pl.DataFrame(rows, schema={c: pl.Utf8 for c in INPUT_COLUMNS})
    out = group_lazy(frame, ref).collect()
    rowwise = group_rowwise(frame, ref).collect()
    assert out.select(pl.all().cast(pl.Utf8)).equals(rowwise.select(pl.all().cast(pl.Utf8)))
    problems = problems_lazy(
        frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64)), ref
    ).collect()
    for i, row in enumerate(rows):
        pure = group_activity(activity_of(row), ref)
        got = out.row(i, named=True)
        expected = {
            "currency_status": pure.status,
            "currency_code": pure.code,
            "population_group": pure.population_group,
            "population_name": pure.population_name,
            "currency_family": pure.family,
            "family_unit": pure.family_unit,
            "currency_setting": pure.setting,
            "setting_name": pure.setting_name,
            "currency_tier": pure.tier,
            "currency_reason": pure.reason,
            "currency_field": pure.field,
            "currency_reference": pure.reference_version,
        }
        assert {k: got[k] for k in RESULT_COLUMNS} == expected, row
        mine = problems.filter(pl.col("row") == i + 1).select("field", "value", "reason").rows()
        assert mine == [(p.field, p.value, p.reason) for p in pure.problems], row


def test_a_hash_collision_falls_back_to_row_by_row(ref, hand_grouped, monkeypatch) -> None:
    from carecluster.currency import vector

    frame = hand_grouped.drop("expected_status", "expected_code", "expected_tier")
    monkeypatch.setattr(vector, "_key_hash", lambda: pl.lit(0, dtype=pl.UInt64))  # every key collides
    got = vector.group_fast(frame, ref).select(pl.all().cast(pl.Utf8))
    assert got.equals(group_rowwise(frame, ref).collect().select(pl.all().cast(pl.Utf8)))
    assert got["currency_code"].to_list() == hand_grouped["expected_code"].to_list()
