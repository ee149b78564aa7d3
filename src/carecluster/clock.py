"""The one clock: every stored timestamp is an aware UTC datetime from here.

It lives outside `store` so that use cases can stamp a row without importing the database layer
(an import-linter contract in pyproject.toml holds them to that); `store.db.now` is this function.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
