"""The drift report and the calibration read the same data the same way.

The same simulated allocations go into the service's database (as the drift report reads them)
and through the calibration's tally: per cluster and scale, the known ratings and the share
outside the grid's red and orange cells must be equal.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from carecluster.batch.schema import RATING_COLUMNS
from carecluster.calibrate.compare import outside_expected
from carecluster.calibrate.counts import tally
from carecluster.calibrate.simulate import simulate_history
from carecluster.reference import ReferenceSet
from carecluster.reports import Filters
from carecluster.reports.drift import profile_drift
from carecluster.store import migrate
from carecluster.store.db import Database
from tests.reports.population import Population

N = 250


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'drift.db'}"
    migrate.upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


def test_drift_report_and_calibration_agree_on_shares_outside_red_and_orange(
    db: Database, reference: ReferenceSet
) -> None:
    df = simulate_history(reference, N, seed=31, noise=0.1, not_known=0.05, other_choice=0.1)
    codes = df.select(RATING_COLUMNS).to_numpy().T
    chosen = df["allocated_cluster"].to_numpy()
    numbers = itertools.count()
    with db.transaction() as session:
        p = Population(session)
        p.team("A")
        p.person("c1", "clinician", "A")
        for i in range(N):
            label = f"P{next(numbers)}"
            p.su(label, "A", "c1")
            ratings = [int(v) for v in codes[:, i]]
            on = date(2026, 1, 1) + timedelta(days=i % 300)
            p.assess(label, on, ratings, suggested=int(chosen[i]), chosen=int(chosen[i]), rater="c1")
        session.flush()
    with db.transaction(write=False) as session:
        drift = profile_drift(session, Filters(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31)), reference)
    ours = {(c["cluster"], c["row"]): c for c in outside_expected(tally(codes, chosen), reference)}
    theirs = {(c.cluster, c.scale): c for c in drift.cells}
    assert set(ours) == set(theirs)
    assert len(ours) == 17 * len(np.unique(chosen))
    for key, cell in theirs.items():
        mine = ours[key]
        assert (mine["known"], mine["outside"]) == (cell.n, cell.outside), key
        assert mine["share_outside"] == cell.share_outside
    assert sum(c["outside"] for c in ours.values()) > 0
