"""indexes for the audit reports (issue 8)

The reports look up, per service user, the latest review before a date, the assignment period
covering a date and the first assessment of an episode. With an index on `service_user_id` alone
each look-up walks all that person's rows; with the date beside it, each is one seek. Indexes
only: no table or data changes. (An index on `assessed_on` alone was tried and left out: for a
year's assessments SQLite preferred it and ran five times slower than a plain scan.)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ix_reviews_service_user_reviewed_on", "reviews", ("service_user_id", "reviewed_on")),
    ("ix_assignment_periods_service_user_start", "assignment_periods", ("service_user_id", "start_date")),
    ("ix_assessments_service_user_assessed_on", "assessments", ("service_user_id", "assessed_on")),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns))


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
