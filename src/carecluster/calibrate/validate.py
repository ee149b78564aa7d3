"""Validation before use: how often each reference set agrees with the clinicians' own choices.

Measured on a held-out part of the history that derivation never saw, so a derived set is not
marked on its own homework. Per reference set (built-in, derived, a provider's transcription):

* top-1: the suggestion is the cluster the clinician chose; top-3: the chosen cluster is among
  the first three candidates (the candidates' rank order, as `allocate()` lists them);
* per cluster, the same by chosen cluster;
* the confusion between neighbours: which chosen clusters were suggested as which others, and
  how many disagreements stay in the chosen cluster's super class;
* the statuses of `allocate()`, and the share that was not `suggested` (a clinician would have
  had questions to answer or further assessment to do).

The grids alone are compared (no super class given), as derivation reads them. Pure functions:
the records come in as arrays.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from carecluster.batch.engine import allocate_arrays
from carecluster.batch.tables import tables_for
from carecluster.calibrate.intervals import interval
from carecluster.domain.allocation import allocate, compile_reference
from carecluster.reference.models import ReferenceSet

TOP_CONFUSIONS = 15


def split_holdout(n: int, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the derivation part and of the held-out part (a seeded random share)."""
    if not 0 < share < 1:
        raise ValueError(f"the held-out share must be between 0 and 1, not {share}")
    order = np.random.default_rng(seed).permutation(n)
    cut = round(n * share)
    return np.sort(order[cut:]), np.sort(order[:cut])


def ranked_clusters(reference: ReferenceSet, values: tuple[int, ...]) -> list[int]:
    """Allocatable clusters best first, by the keys `allocate()` orders its candidates with."""
    ranking = compile_reference(reference).ranking
    keys = ranking.keys(values)
    return [n for _, n in sorted(zip(keys, ranking.numbers, strict=True))]


@dataclass
class SetAgreement:
    """One reference set's agreement with the clinicians on the held-out records."""

    label: str
    name: str
    records: int
    top1: float
    top1_lower: float
    top1_upper: float
    top3: float
    not_suggested: float
    statuses: dict[str, int]
    per_cluster: list[dict[str, float | int]] = field(default_factory=list)
    confusion: list[dict[str, object]] = field(default_factory=list)
    disagreements: int = 0
    within_super_class: int = 0
    to_variance: int = 0


def agreement(reference: ReferenceSet, codes: np.ndarray, chosen: np.ndarray) -> SetAgreement:
    """Agreement of `reference` with the clinicians' `chosen` clusters for (18, N) `codes`."""
    n = codes.shape[1]
    suggested = allocate_arrays(tables_for(reference), codes).suggested.astype(np.int64)
    top3 = np.zeros(n, bool)
    statuses: Counter[str] = Counter()
    for i in range(n):  # per record: the statuses come from the single-record engine only
        values = tuple(int(v) for v in codes[:, i])
        top3[i] = int(chosen[i]) in ranked_clusters(reference, values)[:3]
        statuses[allocate(values, None, reference).status] += 1
    hit = suggested == chosen
    k = int(hit.sum())
    lower, upper = interval(np.array([k]), np.array([n]))
    super_of = {c.number: c.super_class for c in reference.clusters}
    per_cluster = []
    for number in np.unique(chosen):
        mine = chosen == number
        per_cluster.append(
            {
                "cluster": int(number),
                "records": int(mine.sum()),
                "top1": float(hit[mine].mean()),
                "top3": float(top3[mine].mean()),
            }
        )
    missed = ~hit
    pairs = Counter(zip(chosen[missed].tolist(), suggested[missed].tolist(), strict=True))
    sizes = Counter(chosen.tolist())
    confusion = [
        {
            "chosen": a,
            "suggested": b,
            "records": count,
            "share_of_chosen": count / sizes[a],
            "same_super_class": b != 0 and super_of[a] == super_of[b],
        }
        for (a, b), count in pairs.most_common(TOP_CONFUSIONS)
    ]
    within = sum(c for (a, b), c in pairs.items() if b != 0 and super_of[a] == super_of[b])
    return SetAgreement(
        label=reference.label,
        name=reference.name,
        records=n,
        top1=k / n if n else 0.0,
        top1_lower=float(lower[0]),
        top1_upper=float(upper[0]),
        top3=float(top3.mean()) if n else 0.0,
        not_suggested=(n - statuses["suggested"]) / n if n else 0.0,
        statuses=dict(sorted(statuses.items())),
        per_cluster=per_cluster,
        confusion=confusion,
        disagreements=int(missed.sum()),
        within_super_class=within,
        to_variance=sum(c for (_, b), c in pairs.items() if b == 0),
    )
