"""The speed-ups of the single-record engine give exactly what the plain code they replaced gave.

`open_rows` is tabled per pattern of 9s and the rank keys are read out of the packed total in
one call; the plain versions are kept here and compared on random ratings with 9s. Likewise the
total summed in one C call against the row-by-row sum, and the status's `can_change` against the
full `open_scales` it stands in for.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from carecluster.domain.allocation import SLOTS, allocate, compile_reference, scope_of
from carecluster.domain.grid_fit import SCALE_7, SCALE_8
from carecluster.domain.not_known import OpenRow, can_change, nine_pattern, open_rows, open_scales
from carecluster.domain.ranking import NUMBER_BITS, excluded
from carecluster.domain.ratings import Ratings
from carecluster.reference import SCALE_CODES, builtin_reference
from carecluster.reference.models import NOT_KNOWN

ratings = st.lists(st.sampled_from([0, 1, 2, 3, 4, 9]), min_size=18, max_size=18).map(tuple)


def plain_open_rows(values: tuple[int, ...]) -> list[OpenRow]:
    """`open_rows` as it was before it was tabled (engine 2026.12)."""
    rows = []
    a, b = values[SCALE_7], values[SCALE_8]
    for index, code in enumerate(SCALE_CODES):
        if index == SCALE_8:
            continue
        if index == SCALE_7:
            if a == NOT_KNOWN and b == NOT_KNOWN:
                rows.append(OpenRow(index, 0, ("7", "8")))
            elif a == NOT_KNOWN or b == NOT_KNOWN:
                known = b if a == NOT_KNOWN else a
                rows.append(OpenRow(index, known, ("7",) if a == NOT_KNOWN else ("8",)))
        elif values[index] == NOT_KNOWN:
            rows.append(OpenRow(index, 0, (code,)))
    return rows


@settings(max_examples=500)
@given(ratings)
def test_tabled_open_rows_match_the_plain_ones(values: tuple[int, ...]) -> None:
    assert list(open_rows(values)) == plain_open_rows(values)
    assert list(open_rows(values)) == plain_open_rows(values)  # again: now from the table


@settings(max_examples=300)
@given(ratings, st.sampled_from([None, "non-psychotic", "psychotic", "organic"]))
def test_keys_read_in_one_call_match_the_shifted_lanes(values: tuple[int, ...], super_class: str | None) -> None:
    reference = builtin_reference()
    compiled = compile_reference(reference)
    plain = compiled.ranking.keys(values)  # the plain shift-and-mask read-out of every key
    _, _, scope = scope_of(reference, super_class, None)
    ranked = sorted(scope, key=lambda n: plain[compiled.ranking.positions[n]])
    top_key = plain[compiled.ranking.positions[ranked[0]]]
    result = allocate(list(values), super_class, reference)
    assert result.suggested_cluster == (0 if excluded(top_key) else ranked[0])
    tied = [n for n in ranked[1:] if plain[compiled.ranking.positions[n]] >> NUMBER_BITS == top_key >> NUMBER_BITS]
    assert result.tied_with == ([] if excluded(top_key) else tied)
    best = {
        sc: min(members, key=lambda n: plain[compiled.ranking.positions[n]]) for sc, members in compiled.super_classes
    }
    assert result.best_by_super_class == {
        sc: None if excluded(plain[compiled.ranking.positions[n]]) else n for sc, n in best.items()
    }


@settings(max_examples=500)
@given(ratings)
def test_the_total_summed_in_one_call_matches_the_row_by_row_sum(values: tuple[int, ...]) -> None:
    compiled = compile_reference(builtin_reference())
    for ranking in (compiled.ranking, compiled.both, compiled.relaxed):
        assert ranking is not None
        assert ranking.total(values) == ranking.plain_total(values)


@settings(max_examples=300)
@given(ratings)
def test_the_tabled_pattern_names_the_scales_rated_9(values: tuple[int, ...]) -> None:
    assert nine_pattern(values).scales == Ratings.of(list(values)).not_known


@settings(max_examples=400)
@given(
    ratings,
    st.sampled_from([None, "non-psychotic", "psychotic", "organic"]),
    st.sets(st.sampled_from(range(1, 22)), max_size=4),
)
def test_can_change_is_open_scales_found_non_empty(
    values: tuple[int, ...], super_class: str | None, accepted_wish: set[int]
) -> None:
    """Also with clusters read relaxed (an inferred rule answered yes), where the rivals are scored
    by two rankings."""
    reference = builtin_reference()
    compiled = compile_reference(reference)
    assert compiled.relaxed is not None
    accepted = accepted_wish & set(compiled.inferred_clusters)
    plain = compiled.ranking.keys(values)
    relaxed = compiled.relaxed.keys(values)
    positions = compiled.ranking.positions
    keys = {n: (relaxed if n in accepted else plain)[positions[n]] for n in compiled.ranking.numbers}
    _, _, scope = scope_of(reference, super_class, None)
    ranked = sorted(scope, key=keys.__getitem__)
    answer = 0 if excluded(keys[ranked[0]]) else ranked[0]
    pattern = nine_pattern(values)
    args = (answer, ranked, keys, compiled.ranking, compiled.relaxed, accepted, pattern)
    found = open_scales(*args)
    assert can_change(*args) == bool(found)
    assert open_scales(*args) == found  # again, now from the per-pattern tables


@settings(max_examples=300)
@given(ratings)
def test_the_number_indexed_lanes_hold_each_clusters_keys(values: tuple[int, ...]) -> None:
    """`both` puts cluster n in lane n (and its relaxed key in lane SLOTS + n); the lanes of 0 and
    9, which have no grid, add nothing to their number."""
    compiled = compile_reference(builtin_reference())
    assert compiled.relaxed is not None
    lanes = compiled.both.keys(values)
    plain, relaxed = compiled.ranking.keys(values), compiled.relaxed.keys(values)
    for place, number in enumerate(compiled.ranking.numbers):
        assert lanes[number] == plain[place]
        assert lanes[SLOTS + number] == relaxed[place]
    assert [lanes[0], lanes[9], lanes[SLOTS], lanes[SLOTS + 9]] == [0, 9, 0, 9]
