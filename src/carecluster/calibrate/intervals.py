"""Binomial confidence intervals for shares, vectorised over whole count arrays (SciPy).

Wilson's score interval is the default: it stays inside 0-1 and keeps close to its nominal
coverage for the small counts of rare clusters, where the normal approximation fails.
Clopper-Pearson (exact, conservative) is offered for a safety officer who wants a guaranteed
coverage. Both give (0, 1) where there is no rating at all.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.stats import beta, norm

Method = Literal["wilson", "clopper-pearson"]


def interval(
    k: np.ndarray, n: np.ndarray, level: float = 0.95, method: Method = "wilson"
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the share k/n, elementwise."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    empty = n == 0
    safe_n = np.where(empty, 1.0, n)
    alpha = 1 - level
    if method == "wilson":
        z = norm.ppf(1 - alpha / 2)
        p = k / safe_n
        denominator = 1 + z**2 / safe_n
        centre = (p + z**2 / (2 * safe_n)) / denominator
        half = z * np.sqrt(p * (1 - p) / safe_n + z**2 / (4 * safe_n**2)) / denominator
        lower, upper = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    elif method == "clopper-pearson":
        with np.errstate(invalid="ignore"):
            lower = np.where(k == 0, 0.0, beta.ppf(alpha / 2, np.maximum(k, 1), safe_n - k + 1))
            upper = np.where(k >= safe_n, 1.0, beta.ppf(1 - alpha / 2, k + 1, np.maximum(safe_n - k, 1)))
    else:
        raise ValueError(f"unknown interval method {method!r}; use wilson or clopper-pearson")
    return np.where(empty, 0.0, lower), np.where(empty, 1.0, upper)
