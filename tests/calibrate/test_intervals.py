"""The vectorised intervals equal SciPy's own one-at-a-time `binomtest(...).proportion_ci`."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from carecluster.calibrate.intervals import interval

CASES = [(0, 10), (1, 10), (5, 10), (10, 10), (37, 812), (800, 812), (3, 40)]


@pytest.mark.parametrize(("method", "scipy_name"), [("wilson", "wilson"), ("clopper-pearson", "exact")])
def test_intervals_match_scipy(method: str, scipy_name: str) -> None:
    k = np.array([c[0] for c in CASES])
    n = np.array([c[1] for c in CASES])
    lower, upper = interval(k, n, 0.95, method)  # type: ignore[arg-type]
    for i, (kk, nn) in enumerate(CASES):
        ci = binomtest(kk, nn).proportion_ci(0.95, method=scipy_name)
        assert lower[i] == pytest.approx(ci.low, abs=1e-9)
        assert upper[i] == pytest.approx(ci.high, abs=1e-9)


def test_no_ratings_gives_the_whole_range() -> None:
    lower, upper = interval(np.array([0]), np.array([0]))
    assert (lower[0], upper[0]) == (0.0, 1.0)
