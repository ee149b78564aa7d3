"""Profile drift: a population built to drift on known scales is flagged there and nowhere else."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from fractions import Fraction

from carecluster.reference import SCALE_CODES, ReferenceSet
from carecluster.reports import Filters, build_report
from carecluster.reports.drift import benjamini_hochberg, binomial_upper_tail, profile_drift
from carecluster.store.db import Database
from tests.conftest import prototype
from tests.reports.population import Population

PERIOD = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))


def _set(ratings: list[int], code: str, value: int) -> list[int]:
    out = list(ratings)
    out[SCALE_CODES.index(code)] = value
    return out


def build_drifting(db: Database, reference: ReferenceSet) -> None:
    rng = random.Random(3)
    with db.transaction() as session:
        p = Population(session)
        p.team("A")
        p.person("c1", "clinician", "A")
        n = 0

        def allocate(cluster: int, ratings: list[int], chosen: int | None = None) -> None:
            nonlocal n
            n += 1
            label = f"P{n}"
            p.su(label, "A", "c1")
            on = date(2026, 1, 1) + timedelta(days=rng.randrange(300))
            chosen = cluster if chosen is None else chosen
            p.assess(label, on, ratings, suggested=cluster, chosen=chosen, rater="c1")

        base4, base11 = prototype(reference, 4), prototype(reference, 11)
        for i in range(60):  # cluster 4: scale 3 rated 3 (off the orange 0) half the time; scale A off it 10%
            r = _set(base4, "3", 3) if i % 2 == 0 else base4
            allocate(4, _set(r, "A", 2) if i % 10 == 0 else r)
        for i in range(60):  # cluster 11: the higher of 7 and 8 rated 3 (orange is 0-1) two thirds of the time
            r = _set(_set(base11, "7", 0), "8", 3) if i % 3 == 0 else base11
            r = _set(r, "7", 3) if i % 3 == 1 else r
            allocate(11, _set(r, "B", 1) if i % 5 == 0 else r)  # scale B off orange 20%: within tolerance
        for _ in range(10):  # too few to test, however far off
            allocate(14, _set(prototype(reference, 14), "1", 4))
        for _ in range(30):  # cluster 0 and cluster 9 choices have no grid to drift from
            allocate(4, _set(base4, "3", 4), chosen=0)


def test_population_built_to_drift_is_flagged_where_it_drifts(db: Database, reference: ReferenceSet) -> None:
    build_drifting(db, reference)
    with db.transaction(write=False) as session:
        result = profile_drift(session, PERIOD, reference)
        report = build_report(session, "drift", PERIOD, reference)
    assert {(c.cluster, c.scale) for c in result.flagged()} == {(4, "3"), (11, "7/8")}
    assert {c.cluster for c in result.cells} == {4, 11, 14}  # cluster 0 left out
    scale3 = result.cell(4, "3")
    assert (scale3.n, scale3.outside, scale3.counts) == (60, 30, [30, 0, 0, 30, 0])
    assert scale3.q_value is not None
    assert scale3.q_value <= 0.05
    a = result.cell(4, "A")
    assert (a.outside, a.tested, a.drifts) == (6, True, False)
    b = result.cell(11, "B")
    assert (b.outside, b.tested, b.drifts) == (12, True, False)
    assert result.cell(11, "7/8").outside == 40
    assert all(not c.tested for c in result.cells if c.cluster == 14)
    assert result.cell(14, "1").share_outside == 1.0
    assert all(not c.drifts for c in result.cells if (c.cluster, c.scale) not in {(4, "3"), (11, "7/8")})
    flagged = report.table("drift_flagged")
    assert [(row[0], row[1]) for row in flagged.rows] == [(4, "3"), (11, "7/8")]
    assert "25%" in (flagged.note or "")
    assert "Benjamini-Hochberg" in (flagged.note or "")
    assert report.table("drift_4").shading is not None


def test_exact_binomial_tail_and_benjamini_hochberg() -> None:
    n, p = 40, 0.25
    for k in (0, 1, 10, 11, 25, 40, 41):
        exact = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))
        assert math.isclose(binomial_upper_tail(k, n, p), exact, rel_tol=1e-9, abs_tol=1e-15)
    adjusted = benjamini_hochberg([0.01, 0.04, 0.03, 0.2])
    assert all(math.isclose(a, b) for a, b in zip(adjusted, [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2], strict=True))
    assert benjamini_hochberg([]) == []
    # large counts, as a year of a provider's ratings gives: exact against the sum of terms
    n, k = 3000, 800
    exact = Fraction(sum(math.comb(n, i) * 3 ** (n - i) for i in range(k, n + 1)), 4**n)  # p = 1/4 exactly
    assert math.isclose(binomial_upper_tail(k, n, 0.25), float(exact), rel_tol=1e-9)
