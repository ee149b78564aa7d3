"""The single-record engine's answer for a record, in the batch engine's terms, and samples.

Every equivalence test compares the batch path with this: `allocate()` for the suggestion,
ranking and super class, and `grid_fit.evaluate` (what `allocate()` explains candidates with)
for the suggestion's orange mismatches and an allocated cluster's red breaches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carecluster.batch.tables import BatchTables
from carecluster.domain.allocation import allocate, compile_reference
from carecluster.domain.grid_fit import evaluate
from carecluster.reference import SCALE_CODES, ReferenceSet
from tests.conftest import ALLOCATABLE, prototype


@dataclass(frozen=True)
class Expected:
    suggested_cluster: int
    ranking: str
    super_class: str | None
    orange_mismatches: int | None
    orange_mismatch_scales: str | None
    red_breaches: int | None
    red_breach_scales: str | None
    agrees: bool | None


def single(
    values: list[int],
    reference: ReferenceSet,
    super_class: str | None = None,
    heading: str | None = None,
    allocated: int | None = None,
    *,
    via_candidates: bool = False,
) -> Expected:
    """What the single-record engine says; `via_candidates` reads the result's own candidates."""
    result = allocate(values, super_class, reference, heading=heading)
    compiled = compile_reference(reference)
    suggested = result.suggested_cluster
    orange = None
    if suggested:
        if via_candidates:
            orange = [f.scale for f in result.candidate(suggested).orange_mismatches]
        else:
            orange = [f.scale for f in evaluate(compiled.by_number[suggested].rows, tuple(values)).orange_mismatches]
    red = None
    if allocated:
        red = [f.scale for f in evaluate(compiled.by_number[allocated].rows, tuple(values)).red_breaches]
    return Expected(
        suggested_cluster=suggested,
        ranking=result.ranking,
        super_class=result.super_class,
        orange_mismatches=None if orange is None else len(orange),
        orange_mismatch_scales=None if orange is None else ";".join(orange),
        red_breaches=None if red is None else len(red),
        red_breach_scales=None if red is None else ";".join(red),
        agrees=None if allocated is None else allocated == suggested,
    )


def from_row(row: dict[str, object]) -> Expected:
    return Expected(**{name: row[name] for name in Expected.__dataclass_fields__})  # type: ignore[arg-type]


def sample(
    reference: ReferenceSet, tables: BatchTables, size: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ratings (18, size), scope codes, allocated clusters (-1 for none)) covering every ranking.

    A third skewed random ratings with 9s; a third cluster prototypes with a few scales
    changed (often to 9), which fit and tie; a third prototypes with scales 7 and 8 and the red
    scales of their cluster made unknown in every combination.
    """
    rng = np.random.default_rng(seed)
    skewed = np.array([0, 0, 0, 1, 1, 2, 2, 3, 4, 9], np.uint8)
    codes = skewed[rng.integers(0, len(skewed), size=(len(SCALE_CODES), size))]
    protos = np.array([prototype(reference, n) for n in ALLOCATABLE], np.uint8)
    third = size // 3
    chosen = protos[rng.integers(0, len(protos), size=2 * third)].T.copy()
    for _ in range(3):  # change up to three scales per record
        scale = rng.integers(0, len(SCALE_CODES), size=2 * third)
        value = np.array([0, 1, 2, 3, 4, 9, 9], np.uint8)[rng.integers(0, 7, size=2 * third)]
        keep = rng.random(2 * third) < 0.5
        chosen[scale, np.arange(2 * third)] = np.where(keep, chosen[scale, np.arange(2 * third)], value)
    # the last third: 7/8 one known, both unknown, or one high
    seven, eight = SCALE_CODES.index("7"), SCALE_CODES.index("8")
    pair = np.array([[9, 3], [2, 9], [9, 9], [4, 0], [0, 4], [9, 0], [1, 1]], np.uint8)
    picks = pair[rng.integers(0, len(pair), size=third)]
    chosen[seven, third:] = picks[:, 0]
    chosen[eight, third:] = picks[:, 1]
    codes[:, size - 2 * third :] = chosen
    scope = np.where(rng.random(size) < 0.4, 0, rng.integers(0, len(tables.scopes), size=size)).astype(np.uint8)
    choices = np.array([-1, 0, *tables.numbers.tolist()], np.int8)
    allocated = choices[rng.integers(0, len(choices), size=size)]
    return codes, scope, allocated
