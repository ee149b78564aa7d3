"""currency inputs: team type per team, coded referral reason per episode, inpatient spells (issue 22)

The 2026/27 mental health currency groups an episode by diagnosis, then bed or team type, then
the primary reason for referral. Teams gain the national data set's team type code
(ServTeamTypeRefToMH), episodes the coded referral reason (PrimReasonReferralMH) beside the
free text, and a new versioned clinical table `inpatient_spells` holds hospital spells with the
ward's bed type (MHAdmittedPatientClass). New columns are nullable: earlier rows have none, and
the data-quality worklist lists them.

SQLite's guard on `episodes` (0002) lists the columns a version row may never change; 0007's
columns were not in it, so they are added here with this revision's. The new table is guarded
like the others (PostgreSQL compares whole rows, so its triggers need no column list).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SPELLS = "inpatient_spells"
VERSION_COLUMNS: tuple[str, ...] = (
    "row_id", "record_id", "version", "recorded_at", "recorded_by", "amend_reason", "predecessor_row_id",
)  # fmt: skip
EPISODE_COLUMNS_0002: tuple[str, ...] = (
    "service_user_id", "team_id", "referral_date", "discharge_date", "discharge_reason", *VERSION_COLUMNS,
)  # fmt: skip
EPISODE_COLUMNS: tuple[str, ...] = (
    *EPISODE_COLUMNS_0002, "referral_source", "referral_reason", "primary_diagnosis", "referral_reason_code",
)  # fmt: skip
SPELL_COLUMNS: tuple[str, ...] = (
    "service_user_id", "episode_id", "admitted_on", "discharged_on", "bed_type", *VERSION_COLUMNS,
)  # fmt: skip


def _postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def _sqlite_guard(table: str, columns: tuple[str, ...]) -> None:
    """0002's SQLite guard for one versioned table and its frozen columns."""
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_rewrite")
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.execute(
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN "
        f"SELECT RAISE(ABORT, 'carecluster: DELETE on {table} is forbidden: clinical rows are kept'); END"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE ON {table} "
        f"WHEN OLD.superseded_at IS NOT NULL OR NEW.superseded_at IS NULL OR {changed} BEGIN "
        f"SELECT RAISE(ABORT, 'carecluster: clinical rows are never updated in place (table {table}): "
        "amend to add a version'); END"
    )


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("team_type", sa.String(length=3), nullable=True))
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("referral_reason_code", sa.String(length=2), nullable=True))
    op.create_table(
        SPELLS,
        sa.Column("service_user_id", sa.String(length=32), nullable=False),
        sa.Column("episode_id", sa.String(length=32), nullable=True),
        sa.Column("admitted_on", sa.Date(), nullable=False),
        sa.Column("discharged_on", sa.Date(), nullable=True),
        sa.Column("bed_type", sa.String(length=3), nullable=True),
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
        sa.ForeignKeyConstraint(["record_id"], ["records.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["predecessor_row_id"], [f"{SPELLS}.row_id"]),
        sa.PrimaryKeyConstraint("row_id"),
        sa.UniqueConstraint("record_id", "version", name=f"uq_{SPELLS}_record_version"),
    )
    with op.batch_alter_table(SPELLS, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{SPELLS}_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{SPELLS}_service_user_id"), ["service_user_id"], unique=False)
        batch_op.create_index(
            f"uq_{SPELLS}_current",
            ["record_id"],
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )
    if _postgres():
        op.execute(
            f"CREATE TRIGGER {SPELLS}_no_delete BEFORE DELETE ON {SPELLS} "
            "FOR EACH ROW EXECUTE FUNCTION carecluster_forbid_change()"
        )
        op.execute(
            f"CREATE TRIGGER {SPELLS}_no_rewrite BEFORE UPDATE ON {SPELLS} "
            "FOR EACH ROW EXECUTE FUNCTION carecluster_version_update()"
        )
        return
    _sqlite_guard("episodes", EPISODE_COLUMNS)
    _sqlite_guard(SPELLS, SPELL_COLUMNS)


def downgrade() -> None:
    postgres = _postgres()
    suffix = f" ON {SPELLS}" if postgres else ""
    op.execute(f"DROP TRIGGER IF EXISTS {SPELLS}_no_rewrite{suffix}")
    op.execute(f"DROP TRIGGER IF EXISTS {SPELLS}_no_delete{suffix}")
    with op.batch_alter_table(SPELLS, schema=None) as batch_op:
        batch_op.drop_index(f"uq_{SPELLS}_current", sqlite_where=sa.text("superseded_at IS NULL"))
        batch_op.drop_index(batch_op.f(f"ix_{SPELLS}_service_user_id"))
        batch_op.drop_index(batch_op.f(f"ix_{SPELLS}_record_id"))
    op.drop_table(SPELLS)
    if not postgres:  # the guard must not name a column that is about to go; it is put back below
        op.execute("DROP TRIGGER IF EXISTS episodes_no_rewrite")
        op.execute("DROP TRIGGER IF EXISTS episodes_no_delete")
    with op.batch_alter_table("episodes") as batch:
        batch.drop_column("referral_reason_code")
    if not postgres:
        _sqlite_guard("episodes", (*EPISODE_COLUMNS_0002, "referral_source", "referral_reason", "primary_diagnosis"))
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("team_type")
