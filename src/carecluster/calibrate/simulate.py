"""Simulated clustering histories drawn from a known (hidden) grid set, to prove the calibration.

The booklet's grids were statistical summaries of how people in each cluster were rated, so the
simulation reads a grid as share bands (`BandModel`): per cluster and tested row, how many of the
cluster's people are rated at each of 0-4. On top of that it adds what real histories carry:

* rater noise: each rating moves one step up or down with probability `noise` (clipped to 0-4);
* not known: each rating is 9 with probability `not_known`;
* other choices: a share `other_choice` of clinicians allocate another cluster of the same super
  class than the one the person's ratings were drawn from (an override the grid would not make).

Scales 7 and 8 are one tested row (the higher of the two): the row's rating is drawn, one of the
two scales (at random) carries it and the other is drawn uniformly at or below it.

Pure and seeded: the same arguments give the same history. NumPy-vectorised; no loop over records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from carecluster.batch.schema import ALLOCATED, RATING_COLUMNS
from carecluster.domain.grid_fit import TESTED_ROWS, grid_row
from carecluster.reference.models import NOT_KNOWN, SCALE_CODES, ReferenceSet

DATE_COLUMN = "assessed_on"
ID_COLUMN = "assessment_id"
HISTORY_START = date(2012, 4, 1)
HISTORY_END = date(2019, 3, 31)
N_ROWS = len(TESTED_ROWS)
SCALE_7 = SCALE_CODES.index("7")
SCALE_8 = SCALE_CODES.index("8")


@dataclass(frozen=True, slots=True)
class BandModel:
    """How a grid's colours translate to shares of a cluster's people (noise-free).

    Red rows: the red cells hold `red_held` of the people, evenly; the rest is a thin tail over
    the other cells (may cells `tail_may` times as likely as the others). Other rows: each may
    cell holds `may_cell`, each unlikely or no-data cell `unlikely_cell`, and the expected cells
    share the rest evenly (a row with no expected cell spreads the rest over its may cells).
    """

    red_held: float = 0.99
    tail_may: float = 5.0
    may_cell: float = 0.07
    unlikely_cell: float = 0.008

    def row_shares(self, colours: tuple[str, ...]) -> np.ndarray:
        """The five shares (ratings 0-4) of one grid row."""
        c = np.array(colours)
        red, orange, may = c == "must", c == "expected", c == "may"
        shares = np.zeros(5)
        if red.any():
            tail = np.where(may, self.tail_may, 1.0) * ~red
            shares[red] = self.red_held / red.sum()
            if tail.sum():
                shares += (1 - self.red_held) * tail / tail.sum()
            else:
                shares[red] = 1.0 / red.sum()
            return shares
        shares[~orange & ~may] = self.unlikely_cell
        core = orange if orange.any() else may
        if orange.any():
            shares[may] = self.may_cell
        shares[core] = (1 - shares.sum()) / core.sum()
        return shares


def hidden_shares(reference: ReferenceSet, model: BandModel | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Clusters with grids (ascending) and their (cluster, tested row, rating) share array."""
    model = model or BandModel()
    clusters = np.array(sorted(reference.grids), dtype=np.int64)
    shares = np.array(
        [[model.row_shares(reference.grids[int(n)].cells[grid_row(row)]) for row in TESTED_ROWS] for n in clusters]
    )
    return clusters, shares


def _prevalence(clusters: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uneven cluster sizes, as in services (some clusters several times larger than others)."""
    weights = rng.uniform(0.5, 2.0, len(clusters))
    return weights / weights.sum()


def draw_profiles(
    reference: ReferenceSet,
    n: int,
    *,
    seed: int,
    noise: float = 0.0,
    not_known: float = 0.0,
    model: BandModel | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`n` people: the cluster each was drawn from, and their (18, n) rating codes."""
    rng = np.random.default_rng(seed)
    clusters, shares = hidden_shares(reference, model)
    drawn = rng.choice(len(clusters), size=n, p=_prevalence(clusters, np.random.default_rng(seed + 1)))
    # inverse-CDF draw of every (record, row) at once
    cdf = np.cumsum(shares[drawn], axis=2)  # (n, rows, 5)
    u = rng.random((n, N_ROWS, 1))
    row_ratings = np.minimum((u > cdf).sum(axis=2), 4).astype(np.int64)  # (n, rows)
    ratings = np.empty((len(SCALE_CODES), n), np.int64)
    row_index = [TESTED_ROWS.index("7/8" if code in ("7", "8") else code) for code in SCALE_CODES]
    for scale, row in enumerate(row_index):
        ratings[scale] = row_ratings[:, row]
    higher = ratings[SCALE_7].copy()
    lower = np.floor(rng.random(n) * (higher + 1)).astype(np.int64)
    seven_high = rng.random(n) < 0.5
    ratings[SCALE_7] = np.where(seven_high, higher, lower)
    ratings[SCALE_8] = np.where(seven_high, lower, higher)
    if noise:
        moves = rng.random(ratings.shape) < noise
        step = np.where(rng.random(ratings.shape) < 0.5, -1, 1)
        ratings = np.clip(ratings + moves * step, 0, 4)
    if not_known:
        ratings = np.where(rng.random(ratings.shape) < not_known, NOT_KNOWN, ratings)
    return clusters[drawn], ratings.astype(np.uint8)


def simulate_history(
    reference: ReferenceSet,
    n: int,
    *,
    seed: int = 0,
    noise: float = 0.02,
    not_known: float = 0.02,
    other_choice: float = 0.03,
    model: BandModel | None = None,
) -> pl.DataFrame:
    """A history of `n` allocations: the batch rating columns, `allocated_cluster` (the
    clinician's choice), `true_cluster` (the cluster the ratings were drawn from, for tests),
    `assessed_on` and `assessment_id`."""
    truth, ratings = draw_profiles(reference, n, seed=seed, noise=noise, not_known=not_known, model=model)
    rng = np.random.default_rng(seed + 2)
    allocated = truth.copy()
    overridden = np.flatnonzero(rng.random(n) < other_choice)
    if len(overridden):
        super_of = {c.number: c.super_class for c in reference.clusters}
        for number in np.unique(truth[overridden]):  # at most 20 clusters: a loop over clusters, not records
            where = overridden[truth[overridden] == number]
            peers = [m for m in sorted(reference.grids) if super_of[m] == super_of[int(number)] and m != number]
            if peers:
                allocated[where] = rng.choice(peers, size=len(where))
    days = (HISTORY_END - HISTORY_START).days
    offsets = np.sort(rng.integers(0, days + 1, n))
    return pl.DataFrame(
        {
            ID_COLUMN: [f"A{i:07d}" for i in range(n)],
            **{column: ratings[i] for i, column in enumerate(RATING_COLUMNS)},
            ALLOCATED: allocated.astype(np.int64),
            "true_cluster": truth.astype(np.int64),
            DATE_COLUMN: np.datetime64(HISTORY_START, "D") + offsets.astype("timedelta64[D]"),
        }
    )
