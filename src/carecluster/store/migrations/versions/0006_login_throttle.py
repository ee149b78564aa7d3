"""login throttle per account and client (issue 16)

Failed sign-ins are counted per (account, client address) so that the growing delay after
repeated failures slows the guesser down without locking the account for anyone else. Kept in
the database so that every worker process applies the same delay. Not clinical data: rows are
deleted on a successful sign-in and by `carecluster users unlock`.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("client", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account", "client"),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
