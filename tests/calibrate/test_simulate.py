"""The simulation draws what its band model says, adds the noise it is asked for, and is seeded."""

from __future__ import annotations

import numpy as np
import polars as pl

from carecluster.batch.schema import RATING_COLUMNS
from carecluster.calibrate.counts import row_digits
from carecluster.calibrate.simulate import (
    HISTORY_END,
    HISTORY_START,
    BandModel,
    draw_profiles,
    hidden_shares,
    simulate_history,
)
from carecluster.reference import ReferenceSet


def test_band_model_rows_are_distributions_ordered_by_colour() -> None:
    model = BandModel()
    for colours in [
        ("unlikely", "may", "must", "unlikely", "unlikely"),
        ("expected", "may", "unlikely", "unlikely", "unlikely"),
        ("may", "may", "may", "may", "unlikely"),
        ("unlikely", "unlikely", "may", "must", "must"),
    ]:
        shares = model.row_shares(colours)
        assert abs(shares.sum() - 1) < 1e-12
        rank = {"must": 3, "expected": 2, "may": 1, "unlikely": 0}
        for a in range(5):
            for b in range(5):
                if rank[colours[a]] > rank[colours[b]]:
                    assert shares[a] > shares[b], (colours, a, b)
    red = model.row_shares(("unlikely", "may", "must", "must", "unlikely"))
    assert abs(red[2:4].sum() - model.red_held) < 1e-12


def test_noise_free_draws_match_the_hidden_shares(reference: ReferenceSet) -> None:
    clusters, shares = hidden_shares(reference)
    truth, codes = draw_profiles(reference, 20_000, seed=3)
    digits = row_digits(codes)
    for i, number in enumerate(clusters):
        mine = digits[:, truth == number]
        n = mine.shape[1]
        observed = np.stack([(mine == r).mean(axis=1) for r in range(5)], axis=1)
        se = np.sqrt(shares[i] * (1 - shares[i]) / n)
        assert np.all(np.abs(observed - shares[i]) <= 5 * se + 1e-9), number


def test_noise_not_known_and_other_choices_come_in_the_asked_shares(reference: ReferenceSet) -> None:
    history = simulate_history(reference, 20_000, seed=4, noise=0.0, not_known=0.05, other_choice=0.1)
    ratings = history.select(RATING_COLUMNS).to_numpy()
    assert abs((ratings == 9).mean() - 0.05) < 0.005
    assert set(np.unique(ratings)) <= {0, 1, 2, 3, 4, 9}
    allocated, truth = history["allocated_cluster"].to_numpy(), history["true_cluster"].to_numpy()
    moved = allocated != truth
    assert abs(moved.mean() - 0.1) < 0.01
    super_of = {c.number: c.super_class for c in reference.clusters}
    assert all(super_of[a] == super_of[t] for a, t in zip(allocated[moved], truth[moved], strict=True))
    assert history["assessed_on"].min() >= HISTORY_START
    assert history["assessed_on"].max() <= HISTORY_END
    assert history["assessment_id"].n_unique() == history.height


def test_rater_noise_moves_ratings_by_one_step(reference: ReferenceSet) -> None:
    _, clean = draw_profiles(reference, 5_000, seed=8)
    _, noisy = draw_profiles(reference, 5_000, seed=8, noise=0.2)
    step = np.abs(clean.astype(int) - noisy.astype(int))
    assert step.max() == 1
    assert 0.1 < (step == 1).mean() < 0.2  # at most the 20% asked; less where 0 or 4 clip the step


def test_the_same_seed_gives_the_same_history(reference: ReferenceSet) -> None:
    a = simulate_history(reference, 500, seed=9)
    assert a.equals(simulate_history(reference, 500, seed=9))
    assert not a.equals(simulate_history(reference, 500, seed=10))
    assert isinstance(a, pl.DataFrame)
