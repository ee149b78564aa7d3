"""currency inputs: team type per team, coded referral reason per episode (issue 22)

The 2026/27 mental health currency groups an episode by diagnosis, then team type, then the
primary reason for referral. Teams gain the national data set's team type code
(ServTeamTypeRefToMH) and episodes the coded referral reason (PrimReasonReferralMH) beside the
existing free text. Both nullable: rows from before this revision have neither, and the
data-quality worklist lists them.

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


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("team_type", sa.String(length=3), nullable=True))
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("referral_reason_code", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        batch.drop_column("referral_reason_code")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("team_type")
