"""Where a derived set departs from the built-in one, and local practice set beside a grid.

`differences` ranks the cells whose colour changed by how far it moved (must > expected > may >
unlikely), then by the share behind the new colour, so a safety officer reads the changes that
matter first. `outside_expected` is the drift report's measure on the tally (per cluster and
tested row, the share of known ratings outside the grid's red and orange cells), so the two
reports can be checked against each other on the same data.
"""

from __future__ import annotations

from typing import Any

from carecluster.calibrate.counts import Tally
from carecluster.calibrate.derive import Derived
from carecluster.domain.grid_fit import TESTED_ROWS, grid_row
from carecluster.reference.models import COLOUR_NAMES, ReferenceSet

STRENGTH = {"must": 3, "expected": 2, "may": 1, "unlikely": 0, "nodata": 0}
EXPECTED_COLOURS = ("must", "expected")


def differences(derived: Derived, top: int = 30) -> list[dict[str, Any]]:
    """The derived cells that differ most from the built-in cells they replace."""
    found: list[dict[str, Any]] = []
    for cluster in derived.clusters:
        for row in cluster.rows:
            if row.kept_builtin:
                continue
            for r in range(5):
                new, old = row.colours[r], row.builtin[r]
                if new == old:
                    continue
                found.append(
                    {
                        "cluster": cluster.cluster,
                        "row": row.row,
                        "rating": r,
                        "builtin": COLOUR_NAMES[old],
                        "derived": COLOUR_NAMES[new],
                        "steps": abs(STRENGTH[new] - STRENGTH[old]),
                        "share": row.share[r],
                        "lower": row.lower[r],
                        "upper": row.upper[r],
                        "known": row.n,
                        "confidence": row.confidence,
                    }
                )
    found.sort(key=lambda d: (-d["steps"], -(d["share"] or 0.0), d["cluster"], TESTED_ROWS.index(d["row"])))
    return found[:top]


def outside_expected(tally: Tally, reference: ReferenceSet) -> list[dict[str, Any]]:
    """Per cluster with a grid and tested row: known ratings, and those outside red and orange."""
    cells = []
    for number in sorted(reference.grids):
        if tally.records[number] == 0:
            continue
        grid = reference.grids[number]
        for i, row in enumerate(TESTED_ROWS):
            colours = grid.cells[grid_row(row)]
            counts = [int(x) for x in tally.ratings[number, i]]
            n = sum(counts)
            inside = sum(c for c, colour in zip(counts, colours, strict=True) if colour in EXPECTED_COLOURS)
            cells.append(
                {
                    "cluster": number,
                    "row": row,
                    "known": n,
                    "outside": n - inside,
                    "share_outside": (n - inside) / n if n else None,
                    "has_expected": any(colour in EXPECTED_COLOURS for colour in colours),
                }
            )
    return cells
