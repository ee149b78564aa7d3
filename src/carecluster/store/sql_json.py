"""A JSON array built in SQL from columns, the same value on SQLite and PostgreSQL.

Why: `Assessment.ratings` is 18 integer columns in the database but one list to its callers;
selecting it (`select(Assessment.ratings)`) has to hand back that list on both engines.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class json_array(FunctionElement[Any]):  # noqa: N801 - reads as the SQL function it stands for
    """`json_array(a, b, ...)` on SQLite, `json_build_array(a, b, ...)` on PostgreSQL."""

    type = JSON()
    inherit_cache = True


@compiles(json_array)
def _json_array_pg(element: json_array, compiler: Any, **kw: Any) -> str:
    return f"json_build_array({compiler.process(element.clauses, **kw)})"


@compiles(json_array, "sqlite")
def _json_array_sqlite(element: json_array, compiler: Any, **kw: Any) -> str:
    return f"json_array({compiler.process(element.clauses, **kw)})"
