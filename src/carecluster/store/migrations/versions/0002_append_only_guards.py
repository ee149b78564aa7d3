"""append-only guards: triggers that forbid rewriting clinical history or the audit log

The service never updates a clinical column in place or deletes a clinical row; these triggers
make the database refuse it too, whoever asks. A version row may change in one way only: its
`superseded_at` is set once, when an amendment replaces it. Audit rows may not change at all.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Columns of each version table other than superseded_at, frozen as of this revision.
VERSIONED: dict[str, tuple[str, ...]] = {
    "service_users": ("nhs_number", "name", "date_of_birth", "team_id", "clinician_id", "row_id", "record_id", "version", "recorded_at", "recorded_by", "amend_reason", "predecessor_row_id"),
    "episodes": ("service_user_id", "team_id", "referral_date", "discharge_date", "discharge_reason", "row_id", "record_id", "version", "recorded_at", "recorded_by", "amend_reason", "predecessor_row_id"),
    "assessments": ("service_user_id", "episode_id", "assessed_on", "clustering_event", "rater_id", "ratings", "problem_type", "problem_description", "super_class", "heading", "row_id", "record_id", "version", "recorded_at", "recorded_by", "amend_reason", "predecessor_row_id"),
    "allocations": ("service_user_id", "assessment_id", "suggested_cluster", "suggestion", "reference_id", "reference_version", "previous_cluster", "chosen_cluster", "reason", "reason_required", "chosen_by", "row_id", "record_id", "version", "recorded_at", "recorded_by", "amend_reason", "predecessor_row_id"),
    "assignment_periods": ("service_user_id", "allocation_id", "cluster", "start_date", "end_date", "row_id", "record_id", "version", "recorded_at", "recorded_by", "amend_reason", "predecessor_row_id"),
    "reviews": ("service_user_id", "assessment_id", "reviewed_on", "current_cluster", "outcome", "result", "facts", "chosen_cluster", "reason", "row_id", "record_id", "version", "recorded_at", "recorded_by", "amend_reason", "predecessor_row_id"),
}  # fmt: skip
APPEND_ONLY = ("audit_log", "records")

PG_FUNCTIONS = """
CREATE FUNCTION carecluster_forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'carecluster: % on % is forbidden: rows are append-only', TG_OP, TG_TABLE_NAME;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION carecluster_version_update() RETURNS trigger AS $$
BEGIN
    IF OLD.superseded_at IS NOT NULL OR NEW.superseded_at IS NULL
       OR (to_jsonb(NEW) - 'superseded_at') IS DISTINCT FROM (to_jsonb(OLD) - 'superseded_at') THEN
        RAISE EXCEPTION 'carecluster: clinical rows are never updated in place (table %): amend to add a version',
            TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(PG_FUNCTIONS)
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION carecluster_forbid_change()"
            )
        for table in VERSIONED:
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION carecluster_forbid_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION carecluster_version_update()"
            )
        return
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, 'carecluster: {action} on {table} is forbidden: rows are append-only'); END"
            )
    for table, columns in VERSIONED.items():
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN "
            f"SELECT RAISE(ABORT, 'carecluster: DELETE on {table} is forbidden: clinical rows are kept'); END"
        )
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
        op.execute(
            f"CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE ON {table} "
            f"WHEN OLD.superseded_at IS NOT NULL OR NEW.superseded_at IS NULL OR {changed} BEGIN "
            f"SELECT RAISE(ABORT, 'carecluster: clinical rows are never updated in place (table {table}): "
            "amend to add a version'); END"
        )


def downgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    suffix = lambda table: f" ON {table}" if postgres else ""  # noqa: E731
    for table in VERSIONED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_rewrite{suffix(table)}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete{suffix(table)}")
    for table in APPEND_ONLY:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS carecluster_version_update()")
        op.execute("DROP FUNCTION IF EXISTS carecluster_forbid_change()")
