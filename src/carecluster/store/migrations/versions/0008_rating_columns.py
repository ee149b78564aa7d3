"""ratings as typed columns (issue 18): 18 small integers checked 0-4 or 9, not a JSON string

An assessment's ratings were one JSON list, which nothing in the database checked and which the
report SQL read back by character position. They move to one SMALLINT column per scale
(`scale_1` ... `scale_13`, `scale_a` ... `scale_e`), each NOT NULL with a CHECK for 0-4 or 9;
scale 8's problem type and description already sit beside them.

The move copies every stored row, old versions included; the append-only guard of 0002 is lifted
for the copy alone and put back with the new column list. A row whose list is not 18 values of
0-4 or 9 stops the migration with its row ids, and nothing is changed: such a row is corrected
by an amendment under the old version first, never rounded or dropped here. The downgrade builds
the JSON list back from the columns, value for value.

The report facts are filled here from the package's definition (0005 created them empty: its
fill reads the columns this revision adds).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from carecluster.store import report_facts

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLE = "assessments"
SCALES: tuple[str, ...] = (
    "scale_1", "scale_2", "scale_3", "scale_4", "scale_5", "scale_6", "scale_7", "scale_8", "scale_9",
    "scale_10", "scale_11", "scale_12", "scale_13", "scale_a", "scale_b", "scale_c", "scale_d", "scale_e",
)  # fmt: skip
"""Frozen as of this revision, in the MHCT's scale order (the order of the JSON list)."""
ALLOWED = "(0, 1, 2, 3, 4, 9)"
OTHER_COLUMNS: tuple[str, ...] = (
    "service_user_id", "episode_id", "assessed_on", "clustering_event", "rater_id", "problem_type",
    "problem_description", "super_class", "heading", "row_id", "record_id", "version", "recorded_at",
    "recorded_by", "amend_reason", "predecessor_row_id",
)  # fmt: skip
"""The columns other than the ratings and superseded_at, which the SQLite guard lists."""
CURRENT_INDEX = "uq_assessments_current"


def _postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def _sqlite_guard(columns: tuple[str, ...]) -> None:
    """0002's SQLite guard on assessments, for the given column list."""
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    op.execute(
        f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} BEGIN "
        f"SELECT RAISE(ABORT, 'carecluster: DELETE on {TABLE} is forbidden: clinical rows are kept'); END"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_no_rewrite BEFORE UPDATE ON {TABLE} "
        f"WHEN OLD.superseded_at IS NOT NULL OR NEW.superseded_at IS NULL OR {changed} BEGIN "
        f"SELECT RAISE(ABORT, 'carecluster: clinical rows are never updated in place (table {TABLE}): "
        "amend to add a version'); END"
    )


def _drop_sqlite_guard() -> None:
    op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_rewrite")
    op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")


def _refuse_bad_rows() -> None:
    """Stop, naming the rows, if any stored list did not land whole in the 18 columns."""
    length = "json_array_length(ratings)"
    bad = " OR ".join([f"{length} <> {len(SCALES)}", *(f"{c} IS NULL OR {c} NOT IN {ALLOWED}" for c in SCALES)])
    rows = op.get_bind().execute(sa.text(f"SELECT row_id FROM {TABLE} WHERE {bad} ORDER BY row_id")).scalars().all()
    if rows:
        shown = ", ".join(str(r) for r in rows[:20]) + (" ..." if len(rows) > 20 else "")
        raise RuntimeError(
            f"migration 0008 stopped, nothing changed: {len(rows)} assessment row(s) (row_id {shown}) hold "
            f"ratings that are not {len(SCALES)} values each 0-4 or 9. Correct them first; none is guessed."
        )


def upgrade() -> None:
    postgres = _postgres()
    if postgres:
        op.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_no_rewrite")
    else:
        _drop_sqlite_guard()
    for column in SCALES:
        op.add_column(TABLE, sa.Column(column, sa.SmallInteger(), nullable=True))
    if postgres:
        copy = ", ".join(f"{c} = CAST(ratings->>{i} AS SMALLINT)" for i, c in enumerate(SCALES))
    else:
        copy = ", ".join(f"{c} = json_extract(ratings, '$[{i}]')" for i, c in enumerate(SCALES))
    op.execute(f"UPDATE {TABLE} SET {copy}")
    _refuse_bad_rows()
    if postgres:
        for column in SCALES:
            op.alter_column(TABLE, column, nullable=False)
            op.create_check_constraint(f"ck_{TABLE}_{column}", TABLE, f"{column} IN {ALLOWED}")
        op.drop_column(TABLE, "ratings")
        op.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_no_rewrite")
    else:
        # the table is rebuilt; its self-reference (predecessor_row_id) is checked at commit
        op.execute("PRAGMA defer_foreign_keys = ON")
        op.drop_index(CURRENT_INDEX, table_name=TABLE)
        with op.batch_alter_table(TABLE, recreate="always") as batch:
            for column in SCALES:
                batch.alter_column(column, existing_type=sa.SmallInteger(), nullable=False)
                batch.create_check_constraint(f"ck_{TABLE}_{column}", f"{column} IN {ALLOWED}")
            batch.drop_column("ratings")
        _recreate_current_index()
        _sqlite_guard((*OTHER_COLUMNS, *SCALES))
    report_facts.rebuild(op.get_bind())


def _recreate_current_index() -> None:
    op.create_index(
        CURRENT_INDEX,
        TABLE,
        ["record_id"],
        unique=True,
        sqlite_where=sa.text("superseded_at IS NULL"),
        postgresql_where=sa.text("superseded_at IS NULL"),
    )


def downgrade() -> None:
    postgres = _postgres()
    if postgres:
        op.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_no_rewrite")
    else:
        _drop_sqlite_guard()
    op.add_column(TABLE, sa.Column("ratings", sa.JSON(), nullable=True))
    build = "json_build_array" if postgres else "json_array"
    op.execute(f"UPDATE {TABLE} SET ratings = {build}({', '.join(SCALES)})")
    if postgres:
        op.alter_column(TABLE, "ratings", nullable=False)
        for column in SCALES:
            op.drop_column(TABLE, column)  # its check constraint goes with it
        op.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_no_rewrite")
    else:
        op.execute("PRAGMA defer_foreign_keys = ON")
        op.drop_index(CURRENT_INDEX, table_name=TABLE)
        with op.batch_alter_table(TABLE, recreate="always") as batch:
            batch.alter_column("ratings", existing_type=sa.JSON(), nullable=False)
            for column in SCALES:
                batch.drop_constraint(f"ck_{TABLE}_{column}", type_="check")
                batch.drop_column(column)
        _recreate_current_index()
        _sqlite_guard((*OTHER_COLUMNS[:5], "ratings", *OTHER_COLUMNS[5:]))
