"""Bad rows of a history are reported by row and left out; the NDS tables read as a history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from carecluster.batch.schema import RATING_COLUMNS
from carecluster.calibrate.history import HistoryError, check_history, read_history
from carecluster.domain.ratings import Ratings
from carecluster.interop import AllocationRecord, AssessmentRecord, ServiceUser
from carecluster.interop.nds import write_directory
from carecluster.reference import ReferenceSet

GOOD = "0,0,1,0,0,0,2,0,1,0,1,0,0,0,0,0,0,0"


def _csv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    header = "assessment_id," + ",".join(RATING_COLUMNS) + ",allocated_cluster,assessed_on"
    path.write_text("\n".join([header, *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    return path


def test_bad_rows_are_reported_by_row_and_left_out(tmp_path: Path, reference: ReferenceSet) -> None:
    bad_rating = GOOD.replace("0,0,1", "0,7,1", 1)
    below_zero = GOOD.replace("0,0,1", "-1,0,1", 1)
    path = _csv(
        tmp_path / "h.csv",
        [
            ("a1", GOOD, "1", "2015-01-02"),  # row 1: fine
            ("a2", GOOD, "25", "2015-01-02"),  # unknown cluster
            ("a3", GOOD, "9", "2015-01-02"),  # cluster 9
            ("a4", bad_rating, "1", "2015-01-02"),  # rating 7
            ("a5", below_zero, "1", "2015-01-02"),  # rating -1
            ("a6", GOOD, "", "2015-01-02"),  # no allocation
            ("a1", GOOD, "2", "2015-01-03"),  # the same assessment again
            ("a8", GOOD, "0", "2015-13-40"),  # not a date
            ("a9", GOOD, "0", "2016-02-03"),  # variance: kept for validation
        ],
    )
    history = read_history(path, reference)
    reasons = {r.row: r.reason for r in history.rejects}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8]
    assert "25 is not a cluster" in reasons[2]
    assert "9 is never allocated" in reasons[3]
    assert "scale 2: 7" in reasons[4]
    assert "scale 1: -1" in reasons[5]
    assert "allocated_cluster: missing" in reasons[6]
    assert reasons[7] == "duplicate: same assessment_id as row 1"
    assert "not a date" in reasons[8]
    assert history.rows.tolist() == [1, 9]
    assert history.allocated.tolist() == [1, 0]
    assert history.codes[:, 0].tolist() == [int(v) for v in GOOD.split(",")]
    assert history.total_rows == 9


def test_identical_rows_without_ids_are_duplicates(reference: ReferenceSet) -> None:
    values = [int(v) for v in GOOD.split(",")]
    df = pl.DataFrame([dict(zip(RATING_COLUMNS, values, strict=True)) | {"allocated_cluster": c} for c in (1, 2, 1)])
    history = check_history(df, reference, "frame")
    assert [(r.row, r.reason) for r in history.rejects] == [(3, "duplicate: same row as row 1")]


def test_a_history_without_allocations_cannot_be_calibrated(reference: ReferenceSet) -> None:
    df = pl.DataFrame({c: [0] for c in RATING_COLUMNS})
    with pytest.raises(HistoryError, match="allocated_cluster"):
        check_history(df, reference, "frame")


def test_national_data_set_tables_read_as_a_history(tmp_path: Path, reference: ReferenceSet) -> None:
    rng = np.random.default_rng(2)
    records = []
    for i in range(12):
        values = [int(v) for v in rng.integers(0, 5, 18)]
        values[7] = 0  # scale 8 rated 0: no problem type needed
        values[i % 18] = 9
        records.append(
            AssessmentRecord(
                id=f"a-{i:04d}",
                service_user=ServiceUser(local_id=f"RX1-{i}"),
                assessed_on=dt.date(2014, 1, 1) + dt.timedelta(days=30 * i),
                ratings=Ratings.from_sequence(values),
                allocation=AllocationRecord(
                    suggested_cluster=3,
                    chosen_cluster=None if i == 0 else (i % 8) + 1,
                    reference_id="x",
                    reference_version="1",
                ),
            )
        )
    write_directory(tmp_path, records, [], reference)
    history = read_history(tmp_path, reference)
    assert not history.rejects
    assert history.allocated.tolist() == [3] + [(i % 8) + 1 for i in range(1, 12)]  # suggestion stood for a-0000
    assert history.codes[:, 5].tolist() == list(records[5].ratings.values)
    assert history.dates is not None
    assert str(history.dates[0]) == "2014-01-01"


def test_parquet_histories_with_datetimes_read_their_dates(tmp_path: Path, reference: ReferenceSet) -> None:
    values = [int(v) for v in GOOD.split(",")]
    df = pl.DataFrame(
        [
            dict(zip(RATING_COLUMNS, values, strict=True)) | {"allocated_cluster": c, "assessment_id": f"x{c}"}
            for c in (1, 2)
        ]
    ).with_columns(pl.Series("assessed_on", [dt.datetime(2015, 3, 4, 10), dt.datetime(2016, 5, 6)]))
    df.write_parquet(tmp_path / "h.parquet")
    history = read_history(tmp_path / "h.parquet", reference)
    assert not history.rejects
    assert [str(d) for d in history.dates] == ["2015-03-04", "2016-05-06"]  # type: ignore[union-attr]
