"""Derivation recovers the hidden grids of a simulation, and says how well each row is supported."""

from __future__ import annotations

import numpy as np
import pytest

from carecluster.calibrate.counts import tally
from carecluster.calibrate.derive import Derived, Thresholds, as_reference, colour_row, derive, red_range
from carecluster.calibrate.history import History
from carecluster.calibrate.recovery import red_recovery, suggestion_agreement
from carecluster.calibrate.simulate import draw_profiles
from carecluster.reference import ReferenceSet

T = Thresholds()


def test_derived_set_recovers_the_hidden_red_cells(reference: ReferenceSet, derived_reference: ReferenceSet) -> None:
    found = red_recovery(reference, derived_reference)
    assert found.hidden > 40
    assert found.share >= 0.95, found.missed
    assert found.invented <= 2


def test_derived_suggestions_agree_with_the_hidden_sets_on_fresh_profiles(
    reference: ReferenceSet, derived_reference: ReferenceSet
) -> None:
    _, fresh = draw_profiles(reference, 20_000, seed=101, noise=0.02, not_known=0.02)
    assert suggestion_agreement(reference, derived_reference, fresh) >= 0.95


def test_recovery_falls_as_noise_rises(reference: ReferenceSet) -> None:
    from carecluster.calibrate.simulate import simulate_history

    shares = []
    for noise in (0.0, 0.3):
        df = simulate_history(reference, 8_000, seed=12, noise=noise)
        codes = df.select([c for c in df.columns if c.startswith("mhct_")]).to_numpy().T
        d = derive(tally(codes, df["allocated_cluster"].to_numpy()), reference, provider="p", id="x", version="1")
        shares.append(red_recovery(reference, as_reference(d, reference)).share)
    assert shares[1] < shares[0]


@pytest.mark.parametrize(
    ("shares", "colours", "must"),
    [
        ([0.01, 0.01, 0.97, 0.005, 0.005], ["unlikely", "unlikely", "must", "unlikely", "unlikely"], (2, 2)),
        ([0.01, 0.02, 0.48, 0.48, 0.01], ["unlikely", "unlikely", "must", "must", "unlikely"], (2, 3)),
        # a real minority outside the range: 'may', so not a must-range
        ([0.01, 0.08, 0.46, 0.44, 0.01], ["unlikely", "may", "expected", "expected", "unlikely"], None),
        # a range from 0 (an absence rule) stays orange
        ([0.6, 0.38, 0.01, 0.005, 0.005], ["expected", "expected", "unlikely", "unlikely", "unlikely"], None),
        # a thin rating inside the run is a tail, not part of the core
        ([0.005, 0.005, 0.08, 0.45, 0.46], ["unlikely", "unlikely", "may", "expected", "expected"], None),
        ([0.78, 0.17, 0.03, 0.01, 0.01], ["expected", "expected", "may", "unlikely", "unlikely"], None),
    ],
)
def test_colour_rules(shares: list[float], colours: list[str], must: tuple[int, int] | None) -> None:
    got, got_must = colour_row(np.array(shares), T)
    assert got == colours
    assert got_must == must


def test_thresholds_are_tunable() -> None:
    shares = np.array([0.01, 0.01, 0.93, 0.03, 0.02])
    assert red_range(shares, T) == (2, 2)
    assert red_range(shares, Thresholds(red_share=0.95)) is None
    assert colour_row(shares, Thresholds(yellow_cell=0.01))[0][0] == "may"


def test_rows_record_counts_nines_and_intervals(history: History, derived: Derived) -> None:
    row = next(r for r in derived.cluster(3).rows if r.row == "7/8")
    mine = history.allocated == 3
    s7, s8 = history.codes[6, mine].astype(int), history.codes[7, mine].astype(int)
    known = (s7 != 9) & (s8 != 9)
    higher = np.maximum(s7, s8)[known]
    assert row.counts == [int((higher == r).sum()) for r in range(5)]
    assert row.not_known == int((~known).sum())
    for r in range(5):
        assert row.lower[r] <= row.share[r] <= row.upper[r]
    assert row.red_range == [2, 3]
    assert row.confidence == "medium"


def test_small_clusters_keep_the_builtin_grid_and_say_so(reference: ReferenceSet, history: History) -> None:
    rare = history.allocated != 17
    keep17 = np.flatnonzero(history.allocated == 17)[:40]
    keep = np.sort(np.concatenate([np.flatnonzero(rare), keep17]))
    small = history.subset(keep)
    d = derive(tally(small.codes, small.allocated), reference, provider="p", id="x", version="1")
    c17 = d.cluster(17)
    assert not c17.derived
    assert "only 40 records" in c17.note
    assert "17" not in d.reference_file()["grids"]
    assert as_reference(d, reference).grids[17] == reference.grids[17]
    assert "cluster 17 (built-in grid kept: only 40 records" in d.reference_file()["description"]


def test_weakly_supported_rows_are_low_confidence_so_their_red_cells_stay_inferred(
    reference: ReferenceSet, history: History
) -> None:
    keep = np.flatnonzero(history.allocated == 1)[:150]
    others = np.flatnonzero(history.allocated != 1)
    small = history.subset(np.sort(np.concatenate([keep, others])))
    d = derive(tally(small.codes, small.allocated), reference, provider="p", id="x", version="1")
    row = next(r for r in d.cluster(1).rows if r.row == "7/8")
    assert row.red_range == [2]
    assert row.confidence == "low"  # 150 records < 200 supported ratings
    grid = as_reference(d, reference).grids[1]
    assert "7" in grid.inferred_red_scales
    assert not grid.red_confirmed("8")
    strong = as_reference(d, reference).grids[3]
    assert strong.red_confirmed("7")


def test_provenance_names_provider_counts_and_dates(derived: Derived, derived_reference: ReferenceSet) -> None:
    provenance = derived_reference.grids[5].provenance_of("7")
    assert provenance.source.startswith("derived from ")
    assert "Simulated Trust" in provenance.source
    assert "2012-04-" in provenance.source
    assert "9s left out" in (provenance.note or "")
    assert derived_reference.id == "derived-simulated"
    assert derived_reference.version == "2026.12-test"


def test_a_derived_grid_equal_to_the_inferred_one_is_read_as_inferred_and_says_so(
    reference: ReferenceSet, derived: Derived, derived_reference: ReferenceSet
) -> None:
    same = [c for c in derived.clusters if c.derived and derived.cells(c.cluster) == reference.grids[c.cluster].cells]
    differ = [c for c in derived.clusters if c.derived and c not in same]
    assert same
    assert differ
    for c in same:
        assert "reads it as inferred" in c.note
        assert derived_reference.grids[c.cluster].provenance.confidence == "low"
    for c in differ:
        assert "reads it as inferred" not in c.note
        assert derived_reference.grids[c.cluster].provenance.confidence == "medium"
