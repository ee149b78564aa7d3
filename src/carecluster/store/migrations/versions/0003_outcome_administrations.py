"""outcome administrations (issue 7) and external identifiers (issue 10)

`outcome_administrations`: questionnaires and goal ratings with their computed scores.

A new versioned clinical table, guarded like the others in 0002: no row is ever deleted, and a
version row may only have its `superseded_at` set once, when an amendment replaces it. The
PostgreSQL trigger functions of 0002 are reused; SQLite triggers list the frozen columns.

`external_identifiers`: another system's id for one of our records (a FHIR identifier, an
MHSDS ClustId), so a repeated import finds the first; append-only like `records`.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLE = "outcome_administrations"
IDS = "external_identifiers"
COLUMNS: tuple[str, ...] = (
    "service_user_id", "episode_id", "assessment_id", "clustering_event", "measure_id", "measure_version",
    "administered_on", "respondent", "answers", "goals", "score", "status",
    "row_id", "record_id", "version", "recorded_at", "recorded_by", "amend_reason", "predecessor_row_id",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("service_user_id", sa.String(length=32), nullable=False),
        sa.Column("episode_id", sa.String(length=32), nullable=False),
        sa.Column("assessment_id", sa.String(length=32), nullable=True),
        sa.Column("clustering_event", sa.String(length=40), nullable=True),
        sa.Column("measure_id", sa.String(length=40), nullable=False),
        sa.Column("measure_version", sa.String(length=40), nullable=False),
        sa.Column("administered_on", sa.Date(), nullable=False),
        sa.Column("respondent", sa.String(length=20), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=True),
        sa.Column("score", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("amend_reason", sa.Text(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("predecessor_row_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["service_user_id"], ["records.id"]),
        sa.ForeignKeyConstraint(["episode_id"], ["records.id"]),
        sa.ForeignKeyConstraint(["assessment_id"], ["records.id"]),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["predecessor_row_id"], [f"{TABLE}.row_id"]),
        sa.PrimaryKeyConstraint("row_id"),
        sa.UniqueConstraint("record_id", "version", name=f"uq_{TABLE}_record_version"),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_service_user_id"), ["service_user_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{TABLE}_episode_id"), ["episode_id"], unique=False)
        batch_op.create_index(
            f"uq_{TABLE}_current",
            ["record_id"],
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )
    op.create_table(
        IDS,
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("kind", "value"),
    )
    with op.batch_alter_table(IDS, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{IDS}_record_id"), ["record_id"], unique=False)
    _guard()


def _guard() -> None:
    """The same append-only treatment 0002 gives every clinical table."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION carecluster_forbid_change()"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_rewrite BEFORE UPDATE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION carecluster_version_update()"
        )
        op.execute(
            f"CREATE TRIGGER {IDS}_append_only BEFORE UPDATE OR DELETE ON {IDS} "
            "FOR EACH ROW EXECUTE FUNCTION carecluster_forbid_change()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {IDS}_no_{action.lower()} BEFORE {action} ON {IDS} BEGIN "
            f"SELECT RAISE(ABORT, 'carecluster: {action} on {IDS} is forbidden: rows are append-only'); END"
        )
    op.execute(
        f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} BEGIN "
        f"SELECT RAISE(ABORT, 'carecluster: DELETE on {TABLE} is forbidden: clinical rows are kept'); END"
    )
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)
    op.execute(
        f"CREATE TRIGGER {TABLE}_no_rewrite BEFORE UPDATE ON {TABLE} "
        f"WHEN OLD.superseded_at IS NOT NULL OR NEW.superseded_at IS NULL OR {changed} BEGIN "
        f"SELECT RAISE(ABORT, 'carecluster: clinical rows are never updated in place (table {TABLE}): "
        "amend to add a version'); END"
    )


def downgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    if postgres:
        op.execute(f"DROP TRIGGER IF EXISTS {IDS}_append_only ON {IDS}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {IDS}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {IDS}_no_delete")
    with op.batch_alter_table(IDS, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{IDS}_record_id"))
    op.drop_table(IDS)
    suffix = f" ON {TABLE}" if postgres else ""
    op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_rewrite{suffix}")
    op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete{suffix}")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(f"uq_{TABLE}_current", sqlite_where=sa.text("superseded_at IS NULL"))
        batch_op.drop_index(batch_op.f(f"ix_{TABLE}_episode_id"))
        batch_op.drop_index(batch_op.f(f"ix_{TABLE}_service_user_id"))
        batch_op.drop_index(batch_op.f(f"ix_{TABLE}_record_id"))
    op.drop_table(TABLE)
