"""Whole files: CSV and Parquet in and out, broken rows to rejects, interrupted runs resumed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from carecluster.batch.runner import run_batch
from carecluster.batch.schema import RATING_COLUMNS
from carecluster.batch.sources import SourceError
from carecluster.batch.tables import tables_for
from carecluster.domain.ratings import RatingError, Ratings
from carecluster.reference import ReferenceSet
from tests.batch.oracle import from_row, sample, single

HEADER = ["patient", *RATING_COLUMNS, "allocated_cluster"]
GOOD = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]


def ratings_frame(reference: ReferenceSet, n: int, seed: int = 3) -> pl.DataFrame:
    codes, _, allocated = sample(reference, tables_for(reference), n, seed)
    return pl.DataFrame(
        {"patient": [f"p{i}" for i in range(n)]} | {c: codes[i] for i, c in enumerate(RATING_COLUMNS)}
    ).with_columns(pl.Series("allocated_cluster", allocated).replace(-1, None))


def line(*fields: object) -> str:
    return ",".join("" if f is None else str(f) for f in fields)


def broken_csv(path: Path) -> dict[int, str]:
    """A CSV with deliberately broken rows among good ones: {row number: expected reason start}."""
    good = line("ok", *GOOD, 4)
    rows: list[tuple[str, str | None]] = [
        (good, None),
        (line("letter", *GOOD[:2], "x", *GOOD[3:], 4), "scale 3: x is not a rating"),
        (line("five", 5, *GOOD[1:], 4), "scale 1: 5 is not a rating"),
        (line("blank", *GOOD[:17], "", 4), "scale E: missing"),
        (line("decimal", *GOOD[:4], "2.5", *GOOD[5:], 4), "scale 5: 2.5 is not a rating"),
        (good, None),
        (line("short", *GOOD[:10]), "expected 20 fields, found 11"),
        (line("long", *GOOD, 4, "extra"), "expected 20 fields, found 21"),
        (line("nine", *GOOD, 9), "allocated_cluster: 9 is never allocated"),
        (line("big", *GOOD, 25), "allocated_cluster: 25 is not a cluster"),
        (line("word", *GOOD, "four"), "allocated_cluster: four is not a cluster number"),
        ("", "scale 1: missing"),
        (line("negative", *GOOD[:12], -1, *GOOD[13:], ""), "scale 13: -1 is not a rating"),
        (line("spaces", *[f" {v} " for v in GOOD], " 4 "), None),
        (line("plus", *[f"+{v}" for v in GOOD], ""), None),
        (
            line("two faults", "x", *GOOD[1:17], 7, 4),
            "scale 1: x is not a rating (use 0-4, or 9 for not known); scale E: 7",
        ),
        (good, None),
    ]
    path.write_text(",".join(HEADER) + "\n" + "\n".join(text for text, _ in rows) + "\n", encoding="utf-8")
    return {number: reason for number, (_, reason) in enumerate(rows, start=1) if reason}


def test_broken_rows_go_to_the_rejects_with_row_number_and_reason(tmp_path: Path, reference: ReferenceSet) -> None:
    source = tmp_path / "ratings.csv"
    expected_rejects = broken_csv(source)
    run = run_batch(source, tmp_path / "out.csv", reference, block_bytes=200, chunk_rows=3)
    out = pl.read_csv(run.output, infer_schema=False)
    rejects = pl.read_csv(run.rejects, infer_schema=False)
    assert sorted(map(int, rejects["row_number"])) == sorted(expected_rejects)
    for row in rejects.iter_rows(named=True):
        assert row["reason"].startswith(expected_rejects[int(row["row_number"])]), row
    # every data row is in exactly one of the two files: none lost, none twice
    numbers = sorted(map(int, out["row_number"])) + sorted(map(int, rejects["row_number"]))
    assert sorted(numbers) == list(range(1, 18))
    assert run.counts.records == 17
    assert run.counts.rejected == len(expected_rejects)
    # the rejects keep what the row said, so it can be corrected and run again
    letter = rejects.filter(pl.col("row_number") == "2").row(0, named=True)
    assert letter["patient"] == "letter"
    assert letter["mhct_3"] == "x"
    # the allocated rows give the single engine's answer, ratings now as numbers
    ok = out.filter(pl.col("patient") == "spaces").row(0, named=True)
    assert [int(ok[c]) for c in RATING_COLUMNS] == GOOD
    assert ok["suggested_cluster"] == str(single(GOOD, reference).suggested_cluster)


def test_the_csv_rows_rejected_are_the_ones_the_single_engine_refuses(tmp_path: Path, reference: ReferenceSet) -> None:
    source = tmp_path / "ratings.csv"
    broken_csv(source)
    run = run_batch(source, tmp_path / "out.parquet", reference)
    rejected = {int(n) for n in pl.read_csv(run.rejects, infer_schema=False)["row_number"]}
    with source.open(newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=0):
            if number == 0 or len(row) != len(HEADER):
                continue
            ratings = dict(zip(RATING_COLUMNS, row[1:19], strict=True))
            try:
                Ratings.from_mapping(ratings)
                single_accepts = row[19].strip() in ("", *[str(n) for n in (0, *reference.allocatable_clusters)])
            except RatingError:
                single_accepts = False
            assert (number not in rejected) == single_accepts, (number, row)


@pytest.mark.parametrize(
    ("suffix_in", "suffix_out"), [(".csv", ".parquet"), (".parquet", ".csv"), (".parquet", ".parquet")]
)
def test_files_agree_with_the_single_engine_row_by_row(
    tmp_path: Path, reference: ReferenceSet, suffix_in: str, suffix_out: str
) -> None:
    df = ratings_frame(reference, 2500)
    source = tmp_path / f"in{suffix_in}"
    if suffix_in == ".csv":
        df.write_csv(source)
    else:
        df.write_parquet(source, row_group_size=700)
    run = run_batch(source, tmp_path / f"out{suffix_out}", reference, chunk_rows=500, block_bytes=20_000)
    out = pl.read_parquet(run.output) if suffix_out == ".parquet" else pl.read_csv(run.output)
    assert out["row_number"].to_list() == list(range(1, 2501))
    assert out["patient"].to_list() == df["patient"].to_list()
    for row in out.iter_rows(named=True):
        values = [row[c] for c in RATING_COLUMNS]
        allocated = row["allocated_cluster"]
        assert from_row(row) == single(values, reference, allocated=allocated), row["row_number"]
    summary = json.loads(run.summary.read_text())
    assert summary["records"] == 2500
    assert summary["rejected"] == 0
    assert sum(summary["suggested_cluster"].values()) == 2500
    given = df["allocated_cluster"].drop_nulls()
    assert summary["given_allocations"]["given"] == given.len()
    assert summary["given_allocations"]["agree"] == int((out["agrees"] == True).sum())  # noqa: E712
    assert summary["reference"]["id"] == reference.id


def test_output_does_not_depend_on_how_the_file_is_cut(tmp_path: Path, reference: ReferenceSet) -> None:
    df = ratings_frame(reference, 1000)
    df.write_csv(tmp_path / "in.csv")
    whole = run_batch(tmp_path / "in.csv", tmp_path / "whole.parquet", reference)
    pieces = run_batch(tmp_path / "in.csv", tmp_path / "pieces.parquet", reference, chunk_rows=7, block_bytes=333)
    assert pl.read_parquet(whole.output).equals(pl.read_parquet(pieces.output))
    assert whole.document == {
        **pieces.document,
        "output": whole.document["output"],
        "rejects": whole.document["rejects"],
    }


def test_an_interrupted_run_resumes_without_duplicates_or_gaps(tmp_path: Path, reference: ReferenceSet) -> None:
    df = ratings_frame(reference, 3000)
    source = tmp_path / "in.parquet"
    df.write_parquet(source, row_group_size=250)  # 12 units
    clean = run_batch(source, tmp_path / "clean.parquet", reference, chunk_rows=100)

    output = tmp_path / "out.parquet"
    finished = []

    def interrupt_after_five(done: int, records: int) -> None:
        finished.append(records)
        if len(finished) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(source, output, reference, chunk_rows=100, on_progress=interrupt_after_five)
    parts = output.with_name("out.parquet.parts")
    assert not output.exists()
    assert len(list(parts.glob("unit-??????.json"))) == 5
    # a unit cut off mid-way: a piece written, no marker; and a stray temporary file
    (parts / "unit-000007-0000.out.arrow").write_bytes(b"half written")
    (parts / ".unit-000008-0001.out.arrow.abc.tmp").write_bytes(b"junk")

    resumed_from = []
    run = run_batch(source, output, reference, chunk_rows=100, on_start=lambda job, done: resumed_from.append(done))
    assert run.state == "resumed"
    assert resumed_from == [1250]  # five row groups of 250 were kept, not redone
    out = pl.read_parquet(output)
    assert out["row_number"].to_list() == list(range(1, 3001))
    assert out.equals(pl.read_parquet(clean.output))
    assert run.counts.records == 3000
    assert not parts.exists()


def test_a_changed_input_or_option_does_not_reuse_parts(tmp_path: Path, reference: ReferenceSet) -> None:
    df = ratings_frame(reference, 600)
    source = tmp_path / "in.parquet"
    df.write_parquet(source, row_group_size=100)
    output = tmp_path / "out.parquet"

    def stop(done: int, records: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(source, output, reference, on_progress=stop)
    run = run_batch(source, output, reference, super_class="psychotic")
    assert run.state == "restarted"
    assert set(pl.read_parquet(output)["suggested_cluster"].unique()) <= {0, *range(10, 18)}
    with pytest.raises(KeyboardInterrupt):
        run_batch(source, output, reference, on_progress=stop)
    assert run_batch(source, output, reference, fresh=True).state == "restarted"


def test_parquet_with_typed_faults(tmp_path: Path, reference: ReferenceSet) -> None:
    df = pl.DataFrame({c: [float(v)] * 4 for c, v in zip(RATING_COLUMNS, GOOD, strict=True)}).with_columns(
        pl.Series("mhct_2", [1.0, 1.5, None, 1.0]),
        pl.Series("allocated_cluster", [4, 4, 4, 9], dtype=pl.Int64),
    )
    df.write_parquet(tmp_path / "in.parquet")
    run = run_batch(tmp_path / "in.parquet", tmp_path / "out.parquet", reference)
    rejects = pl.read_csv(run.rejects, infer_schema=False)
    assert rejects["row_number"].to_list() == ["2", "3", "4"]
    assert rejects["reason"].to_list()[0].startswith("scale 2: 1.5 is not a rating")
    assert rejects["reason"].to_list()[1].startswith("scale 2: missing")
    assert rejects["mhct_2"].to_list()[0] == "1.5"
    out = pl.read_parquet(run.output)
    assert out["suggested_cluster"].to_list() == [4]
    assert out["agrees"].to_list() == [True]


def test_files_that_cannot_be_used_are_refused_before_any_work(tmp_path: Path, reference: ReferenceSet) -> None:
    (tmp_path / "few.csv").write_text("mhct_1,mhct_2\n1,2\n")
    with pytest.raises(SourceError, match="no column"):
        run_batch(tmp_path / "few.csv", tmp_path / "out.csv", reference)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(SourceError, match="no header"):
        run_batch(tmp_path / "empty.csv", tmp_path / "out.csv", reference)
    (tmp_path / "ratings.txt").write_text("x")
    with pytest.raises(SourceError, match="unknown file type"):
        run_batch(tmp_path / "ratings.txt", tmp_path / "out.csv", reference)
    (tmp_path / "again.csv").write_text(",".join([*RATING_COLUMNS, "ranking"]) + "\n")
    with pytest.raises(SourceError, match="would be overwritten"):
        run_batch(tmp_path / "again.csv", tmp_path / "out.csv", reference)
    (tmp_path / "in.csv").write_text(",".join(RATING_COLUMNS) + "\n")
    with pytest.raises(SourceError, match="input would be overwritten"):
        run_batch(tmp_path / "in.csv", tmp_path / "in.csv", reference)


def test_a_header_only_file_gives_empty_outputs(tmp_path: Path, reference: ReferenceSet) -> None:
    (tmp_path / "in.csv").write_text(",".join(RATING_COLUMNS) + "\n")
    run = run_batch(tmp_path / "in.csv", tmp_path / "out.parquet", reference)
    out = pl.read_parquet(run.output)
    assert out.height == 0
    assert "suggested_cluster" in out.columns
    assert run.counts.records == 0


def test_memory_is_bounded_by_the_piece_not_the_file(tmp_path: Path, reference: ReferenceSet) -> None:
    """Pieces never exceed chunk_rows, whatever the unit size (here one 5000-row unit)."""
    from carecluster.batch.sources import open_source, read_unit

    ratings_frame(reference, 5000).write_parquet(tmp_path / "in.parquet", row_group_size=5000)
    source = open_source(tmp_path / "in.parquet")
    sizes = [piece.table.height for unit in source.units for piece in read_unit(source, unit, 640)]
    assert max(sizes) <= 640
    assert sum(sizes) == 5000
    ratings_frame(reference, 5000).write_csv(tmp_path / "in.csv")
    source = open_source(tmp_path / "in.csv", block_bytes=1 << 30)
    sizes = [piece.table.height for unit in source.units for piece in read_unit(source, unit, 640)]
    assert len(source.units) == 1
    assert max(sizes) <= 640
    assert sum(sizes) == 5000
    assert np.all(np.diff([0, *np.cumsum(sizes)]) >= 0)


def test_csv_with_a_byte_order_mark_crlf_and_quoted_fields(tmp_path: Path, reference: ReferenceSet) -> None:
    header = ",".join(['"name, given"', *RATING_COLUMNS])
    rows = ['"Smith, J",' + ",".join(map(str, GOOD)), '"O""Neil",' + ",".join(map(str, GOOD))]
    (tmp_path / "in.csv").write_bytes(("\ufeff" + header + "\r\n" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    run = run_batch(tmp_path / "in.csv", tmp_path / "out.parquet", reference)
    out = pl.read_parquet(run.output)
    assert out["name, given"].to_list() == ["Smith, J", 'O"Neil']
    assert out["mhct_e"].to_list() == [GOOD[-1]] * 2
    assert run.counts.rejected == 0
