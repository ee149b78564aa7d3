"""Persistence: SQLAlchemy 2 models, the database engine, units of work and Alembic migrations.

Clinical rows are never updated in place or deleted: an amendment adds a new version that
points to its predecessor (see `models.Versioned`); the audit log is append-only. Both rules
are also enforced by database triggers created in the migrations, so no interface - not even
a hand-written SQL session - can quietly rewrite history.
"""
