"""One simulated history and its derived set, shared by the calibration tests (a few seconds)."""

from __future__ import annotations

import polars as pl
import pytest

from carecluster.calibrate.counts import tally
from carecluster.calibrate.derive import Derived, as_reference, derive
from carecluster.calibrate.history import History, check_history
from carecluster.calibrate.simulate import simulate_history
from carecluster.reference import ReferenceSet, builtin_reference

N_HISTORY = 20_000


@pytest.fixture(scope="session")
def simulated() -> pl.DataFrame:
    """20,000 allocations drawn from the built-in grids (the hidden set), default noise."""
    return simulate_history(builtin_reference(), N_HISTORY, seed=11)


@pytest.fixture(scope="session")
def history(simulated: pl.DataFrame) -> History:
    return check_history(simulated.drop("true_cluster"), builtin_reference(), "simulated")


@pytest.fixture(scope="session")
def derived(history: History) -> Derived:
    return derive(
        tally(history.codes, history.allocated, history.dates),
        builtin_reference(),
        provider="Simulated Trust",
        id="derived-simulated",
        version="2026.12-test",
    )


@pytest.fixture(scope="session")
def derived_reference(derived: Derived) -> ReferenceSet:
    return as_reference(derived, builtin_reference())
