"""Turn validation failures into messages a clustering lead can act on.

Pydantic reports locations as tuples such as ('grids', '4', 'cells', '7', 2); a person filling
in a grid from a printed booklet needs "cluster 4, scale 7, rating 2" instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError


class ReferenceError(ValueError):
    """A reference file is invalid; `problems` lists every fault found, one line each."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(f"{source}: " + "; ".join(self.problems))


def describe_location(loc: Sequence[str | int]) -> str:
    """Name the cluster, scale and rating a pydantic error location points at."""
    parts: list[str] = []
    items = list(loc)
    i = 0
    while i < len(items):
        key = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if key == "grids" and nxt is not None:
            parts.append(f"cluster {nxt}")
            i += 2
            continue
        if key == "cells" and nxt is not None:
            parts.append(f"scale {nxt}")
            if i + 2 < len(items) and isinstance(items[i + 2], int):
                parts.append(f"rating {items[i + 2]}")
                i += 3
                continue
            i += 2
            continue
        if key == "clusters" and isinstance(nxt, int):
            parts.append(f"clusters[{nxt}]")
            i += 2
            continue
        parts.append(str(key))
        i += 1
    return ", ".join(parts)


def problems_from(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors(include_url=False):
        where = describe_location(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return problems
