"""derived tables for the reports (issue 8): assessment facts and review clocks

`report_assessment_facts` and `report_review_facts` hold what the audit reports read of the
clinical rows, ready-made (see `store.models.AssessmentFact`). They are derived, not clinical:
no append-only triggers, rewritten by `store.report_facts` on every write. This migration fills
them from the rows already stored, with the package's own definition of the rows (the same one
every later write uses); a later migration that changes their columns must drop and refill them.

Since 0008 the tables are created empty here and filled by 0008: the package's definition reads
the rating columns that 0008 adds, which do not exist yet at this revision.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from carecluster.store.models import SCALE_COLUMNS

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_assessment_facts",
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessment_id", sa.String(32), nullable=False),
        sa.Column("service_user_id", sa.String(32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.String(32), nullable=True),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clustering_event", sa.String(40), nullable=False),
        sa.Column("nines", sa.SmallInteger(), nullable=False),
        sa.Column("honos_rated", sa.SmallInteger(), nullable=False),
        sa.Column("honos_total", sa.SmallInteger(), nullable=False),
        sa.Column("allocation_id", sa.String(32), nullable=False),
        sa.Column("suggested_cluster", sa.Integer(), nullable=False),
        sa.Column("previous_cluster", sa.Integer(), nullable=True),
        sa.Column("chosen_cluster", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("red_breach", sa.SmallInteger(), nullable=False),
        sa.Column("rare_transition", sa.SmallInteger(), nullable=False),
        *[sa.Column(name, sa.SmallInteger(), nullable=False) for name in SCALE_COLUMNS],
        sa.PrimaryKeyConstraint("assessed_on", "recorded_at", "assessment_id"),
        sa.UniqueConstraint("assessment_id", name="uq_report_assessment_facts_assessment"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "report_review_facts",
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("review_id", sa.String(32), nullable=False),
        sa.Column("service_user_id", sa.String(32), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("current_cluster", sa.Integer(), nullable=False),
        sa.Column("previous_review_on", sa.Date(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("reviewed_on", "review_id"),
        sa.UniqueConstraint("review_id", name="uq_report_review_facts_review"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_report_assessment_facts_service_user",
        "report_assessment_facts",
        ["service_user_id", "assessed_on", "recorded_at", "assessment_id"],
    )
    op.create_index("ix_report_review_facts_service_user", "report_review_facts", ["service_user_id", "reviewed_on"])


def downgrade() -> None:
    op.drop_index("ix_report_review_facts_service_user", table_name="report_review_facts")
    op.drop_table("report_review_facts")
    op.drop_index("ix_report_assessment_facts_service_user", table_name="report_assessment_facts")
    op.drop_table("report_assessment_facts")
