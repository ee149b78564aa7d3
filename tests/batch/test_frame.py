"""`carecluster.allocate_frame`: Polars and pandas frames, the clinician's answers, invalid rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import carecluster
from carecluster.batch.schema import OUTPUT_COLUMNS, RATING_COLUMNS
from carecluster.batch.tables import tables_for
from carecluster.domain.allocation import AllocationError
from carecluster.domain.ratings import RatingError, Ratings
from carecluster.reference import ReferenceSet
from tests.batch.oracle import from_row, sample, single
from tests.conftest import prototype

README_EXAMPLE = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]


def frame(rows: list[list[object]], **extra: list[object]) -> pl.DataFrame:
    data: dict[str, list[object]] = {c: [row[i] for row in rows] for i, c in enumerate(RATING_COLUMNS)}
    return pl.DataFrame(data | extra, strict=False)


def test_allocate_frame_is_exported_and_adds_the_output_columns(reference: ReferenceSet) -> None:
    df = frame([README_EXAMPLE], patient=["p1"])
    out = carecluster.allocate_frame(df)
    assert isinstance(out, pl.DataFrame)
    assert out.columns == [*df.columns, *OUTPUT_COLUMNS]
    row = out.row(0, named=True)
    assert row["suggested_cluster"] == 4 == carecluster.allocate(README_EXAMPLE).suggested_cluster
    assert row["super_class"] == "non-psychotic"
    assert row["reference_id"] == reference.id
    assert row["reference_version"] == reference.version
    assert row["red_breaches"] is None
    assert row["agrees"] is None


def test_a_sample_through_polars_and_pandas_agrees_with_the_single_engine(reference: ReferenceSet) -> None:
    tables = tables_for(reference)
    codes, scope, allocated = sample(reference, tables, 3000, seed=11)
    df = pl.DataFrame({c: codes[i] for i, c in enumerate(RATING_COLUMNS)}).with_columns(
        pl.Series("allocated_cluster", allocated).replace(-1, None),
        pl.Series("super_class_given", [tables.scopes[s].super_class for s in scope], dtype=pl.String),
        pl.Series("heading_given", [tables.scopes[s].heading for s in scope], dtype=pl.String),
    )
    polars_out = carecluster.allocate_frame(df)
    pandas_out = carecluster.allocate_frame(df.to_pandas())
    assert isinstance(pandas_out, pd.DataFrame)
    assert list(pandas_out.columns) == polars_out.columns
    assert pl.from_pandas(pandas_out[list(OUTPUT_COLUMNS)]).equals(polars_out.select(OUTPUT_COLUMNS))
    for i, row in enumerate(polars_out.iter_rows(named=True)):
        s = tables.scopes[int(scope[i])]
        a = int(allocated[i])
        assert from_row(row) == single(
            codes[:, i].tolist(), reference, s.super_class, s.heading, None if a < 0 else a
        ), i


def test_the_super_class_argument_applies_to_every_row(reference: ReferenceSet) -> None:
    df = frame([prototype(reference, 14)] * 2)
    for sc in ("psychotic", "organic"):
        out = carecluster.allocate_frame(df, super_class=sc)
        expected = carecluster.allocate(prototype(reference, 14), super_class=sc)
        assert out["suggested_cluster"].to_list() == [expected.suggested_cluster] * 2
        assert out["ranking"].to_list() == [expected.ranking] * 2
    narrowed = carecluster.allocate_frame(df, heading="B3")
    assert set(narrowed["suggested_cluster"]) <= {0, 14, 15}


def test_pandas_keeps_its_index_and_columns(reference: ReferenceSet) -> None:
    pdf = frame([README_EXAMPLE, prototype(reference, 11)]).to_pandas()
    pdf.index = pd.Index(["a", "b"])
    pdf["mhct_1"] = pdf["mhct_1"].astype("int64")
    out = carecluster.allocate_frame(pdf, reference=reference)
    assert list(out.index) == ["a", "b"]
    assert out.loc["b", "suggested_cluster"] == carecluster.allocate(prototype(reference, 11)).suggested_cluster
    assert (out["mhct_1"] == pdf["mhct_1"]).all()


def test_column_names_match_in_any_case(reference: ReferenceSet) -> None:
    df = frame([README_EXAMPLE]).rename({c: c.upper() for c in RATING_COLUMNS})
    assert carecluster.allocate_frame(df)["suggested_cluster"].to_list() == [4]


# --- invalid rows: the single engine's rules, reasons in words ------------------------------

BROKEN = [
    ("x", "scale 3: x is not a rating"),
    (None, "scale 3: missing (rate 9 if not known)"),
    ("", "scale 3: missing"),
    ("7", "scale 3: 7 is not a rating"),
    ("2.5", "scale 3: 2.5 is not a rating"),
    ("-1", "scale 3: -1 is not a rating"),
    ("2B", "scale 3: 2B is not a rating"),
]
FINE = [" 3 ", "+2", "9", "04"]


def test_text_ratings_are_read_as_the_single_engine_reads_them(reference: ReferenceSet) -> None:
    values = [value for value, _ in BROKEN] + FINE
    rows = []
    for value in values:
        row: list[object] = [str(v) for v in README_EXAMPLE]
        row[2] = value
        rows.append(row)
    out = carecluster.allocate_frame(frame(rows), on_invalid="flag")
    for value, (row, result) in zip(values, enumerate(out.iter_rows(named=True)), strict=False):
        single_accepts = True
        try:
            Ratings.from_mapping(dict(zip(RATING_COLUMNS, rows[row], strict=True)))
        except RatingError:
            single_accepts = False
        assert (result["reject_reason"] is None) == single_accepts, value
    reasons = out["reject_reason"].to_list()
    for (value, reason), got in zip(BROKEN, reasons, strict=False):
        assert got is not None, value
        assert got.startswith(reason), (value, got)
    assert reasons[len(BROKEN) :] == [None] * len(FINE)
    assert out["suggested_cluster"].to_list()[: len(BROKEN)] == [None] * len(BROKEN)


def test_typed_columns_floats_bools_and_nulls() -> None:
    df = pl.DataFrame({c: [0.0, 1.0, 2.0, 1.0] for c in RATING_COLUMNS}).with_columns(
        pl.Series("mhct_5", [2.0, 2.5, None, float("nan")]),
        pl.Series("mhct_e", [True, False, True, False]).cast(pl.Int8),
    )
    out = carecluster.allocate_frame(df, on_invalid="flag")
    reasons = out["reject_reason"].to_list()
    assert reasons[0] is None
    assert out["suggested_cluster"][0] is not None
    assert reasons[1].startswith("scale 5: 2.5 is not a rating")
    assert reasons[2].startswith("scale 5: missing")
    assert reasons[3].startswith("scale 5: missing")
    booleans = frame([README_EXAMPLE]).with_columns(pl.lit(True).alias("mhct_a"))
    assert carecluster.allocate_frame(booleans, on_invalid="flag")["reject_reason"][0].startswith(
        "scale A: True is not a rating"
    )


def test_allocated_cluster_and_decision_tree_answers_are_checked(reference: ReferenceSet) -> None:
    df = frame(
        [README_EXAMPLE] * 7,
        allocated_cluster=["9", "25", "abc", "4", None, "0", "4"],
        super_class_given=[None, None, None, "neurotic", None, None, "Non-Psychotic "],
        heading_given=[None, None, None, None, "B3", None, None],
    ).with_columns(pl.Series("super_class_given", [None, None, None, "neurotic", "organic", None, "Non-Psychotic "]))
    out = carecluster.allocate_frame(df, on_invalid="flag")
    reasons = out["reject_reason"].to_list()
    assert reasons[0] == "allocated_cluster: 9 is never allocated (cluster 9 is a blank place marker)"
    assert reasons[1] == "allocated_cluster: 25 is not a cluster (clusters are 0-21)"
    assert reasons[2] == "allocated_cluster: abc is not a cluster number (0-21)"
    assert reasons[3].startswith("super_class_given: unknown super class 'neurotic'")
    assert reasons[4].startswith("heading_given: heading B3")
    assert "belongs to super class psychotic" in reasons[4]
    assert reasons[5] is None
    assert out["agrees"][5] is False
    assert out["red_breaches"][5] is None
    assert reasons[6] is None
    assert out["suggested_cluster"][6] == 4
    assert out["agrees"][6] is True
    assert out["red_breaches"][6] == 0
    assert out["red_breach_scales"][6] == ""


def test_invalid_rows_raise_by_default_naming_the_row() -> None:
    rows: list[list[object]] = [list(README_EXAMPLE), list(README_EXAMPLE), list(README_EXAMPLE)]
    rows[1][0] = 5
    rows[2][0] = 6
    with pytest.raises(RatingError, match=r"row 2: scale 1: 5 is not a rating .* \(and 1 more invalid rows\)"):
        carecluster.allocate_frame(frame(rows))


def test_frames_that_cannot_be_allocated_say_why() -> None:
    with pytest.raises(KeyError, match="mhct_e"):
        carecluster.allocate_frame(pl.DataFrame({c: [0] for c in RATING_COLUMNS[:-1]}))
    with pytest.raises(ValueError, match="would be overwritten"):
        carecluster.allocate_frame(frame([README_EXAMPLE], super_class=["psychotic"]))
    with pytest.raises(TypeError, match="polars or pandas"):
        carecluster.allocate_frame(np.zeros((2, 18)))
    with pytest.raises(AllocationError, match="unknown super class"):
        carecluster.allocate_frame(frame([README_EXAMPLE]), super_class="neurotic")
    with pytest.raises(ValueError, match="on_invalid"):
        carecluster.allocate_frame(frame([README_EXAMPLE]), on_invalid="drop")  # type: ignore[arg-type]


def test_an_empty_frame_gets_the_columns(reference: ReferenceSet) -> None:
    out = carecluster.allocate_frame(frame([README_EXAMPLE]).clear())
    assert out.height == 0
    assert out.columns[-len(OUTPUT_COLUMNS) :] == list(OUTPUT_COLUMNS)
