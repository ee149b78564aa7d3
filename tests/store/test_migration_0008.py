"""Migration 0008 (ratings as 18 checked SMALLINT columns) on both databases: rows written at
0007 as a JSON list move value for value, old versions included, and come back exactly on the
way down; a bad stored list stops the upgrade by row id and changes nothing; the database itself
refuses a rating outside 0-4 and 9."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from carecluster.store import migrate
from carecluster.store.db import Database

SCALES = (
    "scale_1", "scale_2", "scale_3", "scale_4", "scale_5", "scale_6", "scale_7", "scale_8", "scale_9",
    "scale_10", "scale_11", "scale_12", "scale_13", "scale_a", "scale_b", "scale_c", "scale_d", "scale_e",
)  # fmt: skip

WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
FIRST = [0, 1, 2, 3, 4, 9, 0, 2, 1, 0, 3, 4, 9, 1, 2, 0, 4, 3]
AMENDED = [4, 3, 2, 1, 0, 9, 9, 1, 0, 2, 2, 3, 0, 4, 1, 1, 0, 2]
OTHER = [9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]


def _run(db: Database, statement: str, **values: object) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text(statement), values)


def _seed_at_0007(url: str, extra: list[tuple[int, list[object]]] = ()) -> Database:
    """People and assessments written as 0007 stored them (ratings a JSON list), by plain SQL so
    nothing from today's models is involved. Assessment 1 has two versions; 2 has one."""
    migrate.upgrade(url, "0007")
    db = Database(url)
    _run(
        db,
        "INSERT INTO users (id, username, full_name, role, password_hash, active, failed_logins, created_at) "
        "VALUES (1, 'u', 'U', 'clinician', 'x', true, 0, :t)",
        t=WHEN,
    )
    _run(db, "INSERT INTO teams (id, code, name, created_at) VALUES (1, 'T', 'Team', :t)", t=WHEN)
    for record, kind in [("su1", "service_user"), ("as1", "assessment"), ("as2", "assessment"), ("as3", "assessment")]:
        _run(db, "INSERT INTO records (id, kind, created_at) VALUES (:r, :k, :t)", r=record, k=kind, t=WHEN)
    _run(
        db,
        "INSERT INTO service_users (row_id, record_id, version, recorded_at, recorded_by, nhs_number, name, "
        "date_of_birth, team_id) VALUES (1, 'su1', 1, :t, 1, '9990000018', 'A', :dob, 1)",
        t=WHEN,
        dob=date(1980, 1, 1),
    )
    rows = [
        (1, "as1", 1, FIRST, WHEN, None),
        (2, "as1", 2, AMENDED, None, 1),
        (3, "as2", 1, OTHER, None, None),
        *((row_id, "as3", 1, ratings, None, None) for row_id, ratings in extra),
    ]
    for row_id, record, version, ratings, superseded, predecessor in rows:
        _run(
            db,
            "INSERT INTO assessments (row_id, record_id, version, recorded_at, recorded_by, superseded_at, "
            "predecessor_row_id, service_user_id, assessed_on, clustering_event, rater_id, ratings, "
            "problem_type, problem_description) VALUES (:row_id, :record, :version, :t, 1, :sup, :pred, 'su1', "
            ":on, 'initial', 1, :ratings, 'A', 'Low mood')",
            row_id=row_id,
            record=record,
            version=version,
            t=WHEN,
            sup=superseded,
            pred=predecessor,
            on=date(2025, 1, 1),
            ratings=json.dumps(ratings),
        )
    return db


def _columns(db: Database) -> dict[int, list[int]]:
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT row_id, {', '.join(SCALES)} FROM assessments ORDER BY row_id"))
        return {row[0]: list(row[1:]) for row in rows}


def _lists(db: Database) -> dict[int, list[int]]:
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT row_id, ratings FROM assessments ORDER BY row_id"))
        return {row_id: json.loads(r) if isinstance(r, str) else r for row_id, r in rows}


def _column_names(db: Database) -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns("assessments")}


def test_ratings_move_to_columns_value_for_value_and_back(database_url: str) -> None:
    db = _seed_at_0007(database_url)
    try:
        before = _lists(db)
        assert before == {1: FIRST, 2: AMENDED, 3: OTHER}
        migrate.upgrade(database_url, "0008")
        db.engine.dispose()
        assert "ratings" not in _column_names(db)
        assert _columns(db) == before  # old (superseded) version 1 included
        with db.engine.connect() as conn:
            kept = conn.execute(
                sa.text("SELECT row_id, version, superseded_at IS NULL, predecessor_row_id, problem_description "
                        "FROM assessments ORDER BY row_id")
            ).all()  # fmt: skip
        assert [tuple(r) for r in kept] == [(1, 1, False, None, "Low mood"), (2, 2, True, 1, "Low mood"),
                                            (3, 1, True, None, "Low mood")]  # fmt: skip
        migrate.downgrade(database_url, "0007")
        db.engine.dispose()
        assert not set(SCALES) & _column_names(db)
        assert _lists(db) == before
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "bad",
    [
        [5, *OTHER[1:]],  # out of range
        [*OTHER[:17], -1],
        OTHER[:17],  # one short
        [*OTHER, 0],  # one too many
        [None, *OTHER[1:]],
    ],
)
def test_a_bad_stored_row_stops_the_upgrade_by_row_id_and_changes_nothing(database_url: str, bad: list) -> None:
    db = _seed_at_0007(database_url, extra=[(7, bad)])
    try:
        before = _lists(db)
        with pytest.raises(RuntimeError, match=r"row_id 7\)"):
            migrate.upgrade(database_url, "0008")
        db.engine.dispose()
        assert migrate.current_revision(db.engine) == "0007"
        assert not set(SCALES) & _column_names(db)
        assert _lists(db) == before
    finally:
        db.dispose()


@pytest.mark.parametrize("column", SCALES)
@pytest.mark.parametrize("value", [5, -1])
def test_the_database_refuses_a_rating_outside_0_to_4_and_9(database_url: str, column: str, value: int) -> None:
    db = _seed_at_0007(database_url)
    try:
        migrate.upgrade(database_url, "0008")
        db.engine.dispose()
        values = dict.fromkeys(SCALES, 0) | {column: value}
        with pytest.raises(DBAPIError, match=f"ck_assessments_{column}|CHECK constraint failed"):
            _run(
                db,
                f"INSERT INTO assessments (row_id, record_id, version, recorded_at, recorded_by, service_user_id, "
                f"assessed_on, clustering_event, rater_id, {', '.join(SCALES)}) VALUES (9, 'as3', 1, :t, 1, "
                f"'su1', :on, 'initial', 1, {', '.join(':' + c for c in SCALES)})",
                t=WHEN,
                on=date(2025, 1, 1),
                **values,
            )
        assert _columns(db) == {1: FIRST, 2: AMENDED, 3: OTHER}
    finally:
        db.dispose()
