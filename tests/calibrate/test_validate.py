"""Validation counts what `allocate()` says, record by record, against the clinicians' choices."""

from __future__ import annotations

import numpy as np

from carecluster.calibrate.history import History
from carecluster.calibrate.validate import agreement, ranked_clusters, split_holdout
from carecluster.domain.allocation import allocate
from carecluster.reference import ReferenceSet

N = 300


def test_holdout_split_is_disjoint_complete_and_seeded() -> None:
    train, test = split_holdout(1000, 0.2, seed=4)
    assert len(test) == 200
    assert len(train) == 800
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(1000))
    again = split_holdout(1000, 0.2, seed=4)
    assert np.array_equal(again[1], test)
    assert not np.array_equal(split_holdout(1000, 0.2, seed=5)[1], test)


def test_ranked_clusters_follow_the_candidates_order(reference: ReferenceSet, history: History) -> None:
    for i in range(0, 2000, 100):
        values = tuple(int(v) for v in history.codes[:, i])
        result = allocate(values, None, reference)
        assert ranked_clusters(reference, values)[:5] == [c.cluster for c in result.candidates[:5]]


def test_agreement_matches_allocate_record_by_record(
    reference: ReferenceSet, derived_reference: ReferenceSet, history: History
) -> None:
    codes, chosen = history.codes[:, :N], history.allocated[:N]
    for ref in (reference, derived_reference):
        got = agreement(ref, codes, chosen)
        results = [allocate(tuple(int(v) for v in codes[:, i]), None, ref) for i in range(N)]
        top1 = np.mean([r.suggested_cluster == c for r, c in zip(results, chosen, strict=True)])
        top3 = np.mean([c in [x.cluster for x in r.candidates[:3]] for r, c in zip(results, chosen, strict=True)])
        not_suggested = np.mean([r.status != "suggested" for r in results])
        assert got.records == N
        assert got.top1 == top1
        assert got.top3 == top3
        assert got.top1 <= got.top3
        assert got.not_suggested == not_suggested
        assert sum(got.statuses.values()) == N
        assert got.top1_lower <= got.top1 <= got.top1_upper
        assert got.disagreements == round(N * (1 - top1))
        assert sum(c["records"] for c in got.confusion) <= got.disagreements
        per = {p["cluster"]: p for p in got.per_cluster}
        assert sum(p["records"] for p in per.values()) == N
        three = chosen == 3
        assert per[3]["top1"] == np.mean([r.suggested_cluster == 3 for r, t in zip(results, three, strict=True) if t])
