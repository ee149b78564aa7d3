"""The colour rules on single rows and whole grids, including 9s and the 7/8 rule."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecluster.domain.grid_fit import GridFit, RowTest, compile_rows, evaluate, evaluate_row, possible_range
from carecluster.domain.ranking import PackedRanking, fit_of, unpack
from carecluster.reference import ReferenceSet, builtin_reference
from tests.conftest import ALLOCATABLE

ratings_strategy = st.lists(st.sampled_from([0, 1, 2, 3, 4, 9]), min_size=18, max_size=18).map(tuple)


def row(colours: str) -> RowTest:
    """A row from letters: R must, O expected, Y may, . unlikely, g nodata."""
    words = {"R": "must", "O": "expected", "Y": "may", ".": "unlikely", "g": "nodata"}
    cells = {code: ("unlikely",) * 5 for code in builtin_reference().grids[1].cells}
    cells["6"] = tuple(words[c] for c in colours)
    from carecluster.reference.models import ClusterGrid, Provenance

    grid = ClusterGrid(cells=cells, provenance=Provenance(source="test", confidence="high"))
    return next(r for r in compile_rows(grid) if r.scale == "6")


def one(row_test: RowTest, lo: int, hi: int) -> GridFit:
    fit = GridFit()
    evaluate_row(row_test, lo, hi, fit)
    return fit


def test_red_in_range_is_met_outside_is_a_breach_with_its_distance() -> None:
    r = row("..YRR")
    assert one(r, 3, 3).fit == "fits"
    breach = one(r, 0, 0)
    assert breach.fit == "excluded"
    assert breach.red_breaches[0].distance == 3
    assert breach.red_breaches[0].expected == (3, 4)


def test_red_not_known_is_unconfirmed_never_a_guess() -> None:
    r = row("..YRR")
    assert one(r, 0, 4).fit == "unconfirmed"
    assert one(row("RRRRR"), 0, 4).fit == "fits"  # every possible rating is red: met whatever it is
    assert one(r, 3, 4).fit == "fits"  # 7/8 with one known as 3: the higher is 3 or more


def test_orange_mismatch_counts_distance_and_notes_yellow() -> None:
    r = row("YOOY.")
    assert one(r, 1, 1).fit == "fits"
    miss = one(r, 4, 4)
    assert miss.fit == "weaker_fit"
    assert miss.orange_mismatches[0].distance == 2
    assert miss.orange_mismatches[0].colour == "unlikely"
    near = one(r, 0, 0)
    assert near.orange_mismatches[0].colour == "may"
    assert near.orange_distance == 1
    assert one(r, 0, 4).orange_not_known  # not known: reported, not counted as a mismatch
    assert one(r, 0, 4).fit == "fits"


def test_red_row_with_orange_cells_accepts_red_for_orange() -> None:
    r = row(".ORR.")
    assert one(r, 2, 2).fit == "fits"
    assert one(r, 1, 1).fit == "excluded"


def test_yellow_only_rows_break_ties_through_blank_cells() -> None:
    r = row("YY...")
    assert one(r, 3, 3).unlikely
    assert one(r, 3, 3).fit == "fits"
    assert one(r, 1, 1).yellow
    assert not one(r, 1, 1).unlikely
    assert not one(row("YYgg."), 2, 2).unlikely  # grey: no data, no evidence either way


def test_the_higher_of_7_and_8_is_tested() -> None:
    values = [0] * 18
    values[6], values[7] = 1, 3
    assert possible_range(tuple(values), 6) == (3, 3)
    values[6], values[7] = 2, 9
    assert possible_range(tuple(values), 6) == (2, 4)
    values[6], values[7] = 9, 9
    assert possible_range(tuple(values), 6) == (0, 4)


def _seven_eight(fit: GridFit) -> list[tuple[str, int | None, int]]:
    kinds = {
        "red breach": fit.red_breaches,
        "red unconfirmed": fit.red_unconfirmed,
        "orange mismatch": fit.orange_mismatches,
        "orange not known": fit.orange_not_known,
    }
    return [(kind, h.rating, h.distance) for kind, hits in kinds.items() for h in hits if h.scale == "7/8"]


@pytest.mark.parametrize("number", ALLOCATABLE)
def test_7_8_rule_on_every_cluster(reference: ReferenceSet, number: int) -> None:
    """Whatever the pair, the 7/8 row sees only the higher rating."""
    rows = compile_rows(reference.grids[number])
    for a in range(5):
        for b in range(5):
            pair = [0] * 18
            pair[6], pair[7] = a, b
            top = [0] * 18
            top[6] = top[7] = max(a, b)
            got, want = evaluate(rows, tuple(pair)), evaluate(rows, tuple(top))
            assert got.rank_fields() == want.rank_fields(), (number, a, b)
            assert _seven_eight(got) == _seven_eight(want)


RED_7_8 = [n for n in ALLOCATABLE if builtin_reference().grids[n].ratings_with("7", "must")]


@pytest.mark.parametrize("number", RED_7_8)
def test_either_7_or_8_can_meet_a_red_7_8_range(reference: ReferenceSet, number: int) -> None:
    rows = compile_rows(reference.grids[number])
    red = reference.grids[number].ratings_with("7", "must")
    for carrier in (6, 7):
        values = [0] * 18
        values[carrier] = min(red)
        assert all(h.scale != "7/8" for h in evaluate(rows, tuple(values)).red_breaches)
    if max(red) < 4:
        values = [0] * 18
        values[6] = max(red) + 1  # the other in range does not help: the higher is tested
        values[7] = min(red)
        assert any(h.scale == "7/8" for h in evaluate(rows, tuple(values)).red_breaches)


_COMPILED = [(n, compile_rows(builtin_reference().grids[n])) for n in builtin_reference().allocatable_clusters]
_RANKING = PackedRanking(_COMPILED)
few_nines = st.lists(st.sampled_from([0, 1, 2, 3, 4]), min_size=18, max_size=18).flatmap(
    lambda values: st.sets(st.integers(0, 17), max_size=3).map(
        lambda nines: tuple(9 if i in nines else v for i, v in enumerate(values))
    )
)


@given(few_nines)
def test_packed_ranking_is_the_best_detailed_evaluation_over_every_filling_in_of_the_9s(
    values: tuple[int, ...],
) -> None:
    """Without 9s the packed key is the detailed evaluation; with 9s, its best over every rating
    the 9s could be (so the cluster ranked first is the answer for some filling-in)."""
    nines = [i for i, v in enumerate(values) if v == 9]
    fillings = []
    for combo in itertools.product(range(5), repeat=len(nines)):
        filled = list(values)
        for i, rating in zip(nines, combo, strict=True):
            filled[i] = rating
        fillings.append(tuple(filled))
    for (number, rows), key in zip(_COMPILED, _RANKING.keys(values), strict=True):
        best = min(evaluate(rows, filled).rank_fields() for filled in fillings)
        assert unpack(key) == best, number
        assert key & 0xFF == number
        if not nines:
            assert fit_of(key) == evaluate(rows, values).fit
