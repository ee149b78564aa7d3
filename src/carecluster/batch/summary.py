"""Counts an audit reads first: suggestions per cluster, and how the given allocations fare.

Each piece of a run is counted where it is processed (on whichever machine), and the counts
are kept beside its output, so the summary of a restarted or distributed run is the sum of
its pieces and never needs a second pass over the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from carecluster.batch.engine import BatchArrays
from carecluster.batch.tables import RANKINGS, BatchTables
from carecluster.reference.models import SCALE_CODES, SUPER_CLASSES

N_CLUSTERS = 22
N_TESTS = len(SCALE_CODES) - 1
"""Tested rows: every scale, with 7 and 8 tested together."""


def _zeros(*shape: int) -> np.ndarray:
    return np.zeros(shape, dtype=np.int64)


@dataclass(slots=True)
class Counts:
    """Additive counts of one piece (or, summed, of a run)."""

    records: int = 0
    rejected: int = 0
    suggested: np.ndarray = field(default_factory=lambda: _zeros(N_CLUSTERS))
    ranking: np.ndarray = field(default_factory=lambda: _zeros(len(RANKINGS)))
    allocated: np.ndarray = field(default_factory=lambda: _zeros(N_CLUSTERS))
    """Given allocations, per allocated cluster."""
    agreeing: np.ndarray = field(default_factory=lambda: _zeros(N_CLUSTERS))
    """Given allocations equal to the suggestion, per allocated cluster."""
    breaching: np.ndarray = field(default_factory=lambda: _zeros(N_CLUSTERS))
    """Given allocations with at least one red (must score) breach, per allocated cluster."""
    red_by_test: np.ndarray = field(default_factory=lambda: _zeros(N_TESTS))
    """Red breaches of given allocations, per tested row (see BatchTables.tests)."""
    allocated_vs_suggested: np.ndarray = field(default_factory=lambda: _zeros(N_CLUSTERS, N_CLUSTERS))

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{name: getattr(self, name) + getattr(other, name) for name in self.__slots__})

    def to_json(self) -> dict[str, Any]:
        return {
            name: value.tolist() if isinstance(value, np.ndarray) else value
            for name in self.__slots__
            for value in [getattr(self, name)]
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Counts:
        fields: dict[str, Any] = {  # JSON: lists are the count arrays, numbers the totals
            k: np.asarray(v, dtype=np.int64) if isinstance(v, list) else v for k, v in data.items()
        }
        return cls(**fields)


def count(arrays: BatchArrays, valid: np.ndarray, allocated: np.ndarray | None, n_records: int) -> Counts:
    """Counts of one piece from the engine's arrays (valid rows only)."""
    suggested = arrays.suggested[valid].astype(np.int64)
    counts = Counts(records=n_records, rejected=n_records - int(valid.sum()))
    counts.suggested = np.bincount(suggested, minlength=N_CLUSTERS)
    counts.ranking = np.bincount(arrays.ranking[valid], minlength=len(RANKINGS))
    if allocated is not None:
        given = valid & (allocated >= 0)
        alloc = allocated[given].astype(np.int64)
        sugg = arrays.suggested[given].astype(np.int64)
        counts.allocated = np.bincount(alloc, minlength=N_CLUSTERS)
        counts.agreeing = np.bincount(alloc[alloc == sugg], minlength=N_CLUSTERS)
        counts.breaching = np.bincount(alloc[arrays.red_breaches[given] > 0], minlength=N_CLUSTERS)
        counts.allocated_vs_suggested = np.bincount(alloc * N_CLUSTERS + sugg, minlength=N_CLUSTERS**2).reshape(
            N_CLUSTERS, N_CLUSTERS
        )
        tests = arrays.red_tests[given]
        tests = tests[tests != 0]
        counts.red_by_test = np.array([int(((tests >> bit) & 1).sum()) for bit in range(N_TESTS)], dtype=np.int64)
    return counts


def summary_document(counts: Counts, tables: BatchTables, **about: Any) -> dict[str, Any]:
    """The summary written beside the output (JSON): counts by cluster, ranking and super class."""

    def per_super_class(values: np.ndarray) -> dict[str, int]:
        out = {sc: 0 for sc in SUPER_CLASSES} | {"variance (0)": 0}
        for number in range(N_CLUSTERS):
            code = int(tables.super_class_of[number])
            if code >= 0:
                out[SUPER_CLASSES[code]] += int(values[number])
        out["variance (0)"] += int(values[0])
        return out

    given = int(counts.allocated.sum())
    by_class = {
        "given": per_super_class(counts.allocated),
        "agree": per_super_class(counts.agreeing),
        "with_red_breaches": per_super_class(counts.breaching),
    }
    audit = {sc: {what: by_class[what][sc] for what in by_class} for sc in by_class["given"]}
    return {
        **about,
        "reference": {
            "id": tables.reference_id,
            "version": tables.reference_version,
            "tables": tables.fingerprint,
        },
        "records": counts.records,
        "allocated": counts.records - counts.rejected,
        "rejected": counts.rejected,
        "ranking": dict(zip(RANKINGS, counts.ranking.tolist(), strict=True)),
        "suggested_cluster": {str(n): int(v) for n, v in enumerate(counts.suggested) if v},
        "suggested_by_super_class": per_super_class(counts.suggested),
        "given_allocations": {
            "given": given,
            "agree": int(counts.agreeing.sum()),
            "with_red_breaches": int(counts.breaching.sum()),
            "red_breaches_by_scale": {
                test: int(v) for test, v in zip(tables.tests, counts.red_by_test.tolist(), strict=True) if v
            },
            "by_super_class": audit,
            "by_cluster": {
                str(n): {
                    "given": int(counts.allocated[n]),
                    "agree": int(counts.agreeing[n]),
                    "with_red_breaches": int(counts.breaching[n]),
                }
                for n in range(N_CLUSTERS)
                if counts.allocated[n]
            },
            "allocated_vs_suggested": {
                str(a): {str(s): int(v) for s, v in enumerate(row) if v}
                for a, row in enumerate(counts.allocated_vs_suggested)
                if row.any()
            },
        },
    }
