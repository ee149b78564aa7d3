"""episode referral details and primary diagnosis (issue 17)

An episode of care records where the referral came from and why, and optionally the primary
diagnosis as an ICD-10 code (a later report groups people by diagnosis). All nullable: episodes
recorded before this revision have none.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("referral_source", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("referral_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("primary_diagnosis", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        batch.drop_column("primary_diagnosis")
        batch.drop_column("referral_reason")
        batch.drop_column("referral_source")
