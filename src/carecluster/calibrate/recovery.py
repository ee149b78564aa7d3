"""How close a derived grid set came to the hidden one a simulation drew from (the method's proof).

Two measures, the issue's: the share of the hidden set's red (must) cells that the derived set
also has red (and, beside it, how many red cells it invented), and the share of fresh simulated
profiles on which the two sets suggest the same cluster (the vectorised batch engine, no scope:
what the grids alone say).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carecluster.batch.engine import allocate_arrays
from carecluster.batch.tables import tables_for
from carecluster.domain.grid_fit import TESTED_ROWS, grid_row
from carecluster.reference.models import RATINGS, ReferenceSet


@dataclass(frozen=True, slots=True)
class RedRecovery:
    hidden: int
    """Red cells of the hidden set (per tested row: 7/8 counted once)."""
    recovered: int
    invented: int
    """Red cells of the derived set that the hidden set does not have red."""
    missed: list[tuple[int, str, int]]

    @property
    def share(self) -> float:
        return self.recovered / self.hidden if self.hidden else 1.0


def red_recovery(hidden: ReferenceSet, derived: ReferenceSet) -> RedRecovery:
    """Compare the red cells of every allocatable cluster and tested row."""
    total = recovered = invented = 0
    missed = []
    for number in hidden.allocatable_clusters:
        for row in TESTED_ROWS:
            a = hidden.grids[number].cells[grid_row(row)]
            b = derived.grids[number].cells[grid_row(row)]
            for r in RATINGS:
                if a[r] == "must":
                    total += 1
                    if b[r] == "must":
                        recovered += 1
                    else:
                        missed.append((number, row, r))
                elif b[r] == "must":
                    invented += 1
    return RedRecovery(total, recovered, invented, missed)


def suggestion_agreement(first: ReferenceSet, second: ReferenceSet, codes: np.ndarray) -> float:
    """Share of the (18, N) profiles on which both sets suggest the same cluster (0 included)."""
    a = allocate_arrays(tables_for(first), codes).suggested
    b = allocate_arrays(tables_for(second), codes).suggested
    return float(np.mean(a == b)) if len(a) else 1.0
