"""The vectorised engine gives the single-record engine's answer: hand cases, 100,000 records, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecluster.batch.engine import BatchArrays, BatchInputError, allocate_arrays
from carecluster.batch.tables import RANKINGS, BatchTables, build_tables, tables_for
from carecluster.domain.allocation import compile_reference, scope_of
from carecluster.reference import SCALE_CODES, ReferenceSet, builtin_reference
from carecluster.reference.csv_grids import grids_to_csv
from carecluster.reference.loader import load_reference
from tests.batch.oracle import Expected, sample, single
from tests.conftest import ALLOCATABLE, prototype

SEVEN, EIGHT = SCALE_CODES.index("7"), SCALE_CODES.index("8")


def batch_answers(
    reference: ReferenceSet,
    codes: np.ndarray,
    scope: np.ndarray,
    allocated: np.ndarray,
    chunk_rows: int = 8192,
    tables: BatchTables | None = None,
) -> list[Expected]:
    tables = tables_for(reference) if tables is None else tables
    arrays = allocate_arrays(tables, codes, scope, allocated, chunk_rows=chunk_rows)
    out = []
    for i in range(codes.shape[1]):
        suggested = int(arrays.suggested[i])
        a = int(allocated[i])
        sc = int(tables.super_class_of[suggested])
        out.append(
            Expected(
                suggested_cluster=suggested,
                ranking=RANKINGS[arrays.ranking[i]],
                super_class=None if suggested == 0 else ["non-psychotic", "psychotic", "organic"][sc],
                orange_mismatches=int(arrays.orange_mismatches[i]) if suggested else None,
                orange_mismatch_scales=tables.describe([arrays.orange_tests[i]])[0] if suggested else None,
                red_breaches=int(arrays.red_breaches[i]) if a > 0 else None,
                red_breach_scales=tables.describe([arrays.red_tests[i]])[0] if a > 0 else None,
                agrees=None if a < 0 else a == suggested,
            )
        )
    return out


def single_answers(
    reference: ReferenceSet, codes: np.ndarray, scope: np.ndarray, allocated: np.ndarray
) -> list[Expected]:
    tables = tables_for(reference)
    out = []
    for i in range(codes.shape[1]):
        s = tables.scopes[int(scope[i])]
        a = int(allocated[i])
        out.append(single(codes[:, i].tolist(), reference, s.super_class, s.heading, None if a < 0 else a))
    return out


# --- hand-written cases ---------------------------------------------------------------------


def hand_cases(reference: ReferenceSet) -> list[tuple[str, list[int], str | None, str | None, int | None]]:
    """(name, ratings, super class, heading, allocated): every rule the single engine tests."""
    cases = []
    for number in ALLOCATABLE:
        sc = reference.cluster(number).super_class
        values = prototype(reference, number)
        cases.append((f"prototype {number}", values, sc, None, number))
        cases.append((f"prototype {number}, no super class", values, None, None, 1 if number != 1 else 2))
        grid = reference.grids[number]
        red = next((c for c in SCALE_CODES if "must" in grid.cells[c] and c != "8"), None)
        if red is not None:
            unknown = list(values)
            unknown[SCALE_CODES.index(red)] = 9
            if red == "7":
                unknown[EIGHT] = 9
            cases.append((f"prototype {number}, red scale {red} not known", unknown, sc, None, number))
            outside = next(r for r in range(5) if grid.cells[red][r] != "must")
            breach = list(values)
            breach[SCALE_CODES.index(red)] = outside
            cases.append((f"prototype {number}, red breach on {red}", breach, sc, None, number))
    tie = [0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    nfa = prototype(reference, 14)
    nfa[SCALE_CODES.index("6")] = 9
    cases += [
        ("tie", tie, "non-psychotic", None, 3),
        ("variance", [0] * 18, "non-psychotic", None, 4),
        ("needs further assessment", nfa, None, "B3", 14),
        ("all not known", [9] * 18, None, None, 11),
        ("all 4", [4] * 18, None, None, 0),
        ("example from the README", [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1], None, None, 4),
    ]
    for a, b in ((9, 3), (3, 9), (9, 9), (0, 4), (4, 0), (9, 0), (2, 2)):  # the 7/8 rule with 9s
        for number in (4, 11, 14, 18):
            values = prototype(reference, number)
            values[SEVEN], values[EIGHT] = a, b
            cases.append((f"7/8 = ({a}, {b}) on prototype {number}", values, None, None, number))
    return cases


def test_hand_cases_agree_with_the_single_record_engine(reference: ReferenceSet) -> None:
    tables = tables_for(reference)
    cases = hand_cases(reference)
    codes = np.array([c[1] for c in cases], np.uint8).T.copy()
    scope = np.array([tables.scope_code(*scope_of(reference, c[2], c[3])[:2]) for c in cases], np.uint8)
    allocated = np.array([-1 if c[4] is None else c[4] for c in cases], np.int8)
    got = batch_answers(reference, codes, scope, allocated)
    for (name, values, sc, heading, alloc), answer in zip(cases, got, strict=True):
        expected = single(values, reference, sc, heading, alloc, via_candidates=True)
        assert answer == expected, name
    rankings = {a.ranking for a in got}
    assert rankings == set(RANKINGS), "the hand cases cover every ranking"
    assert any(a.red_breaches for a in got)
    assert any(a.red_breach_scales and "7/8" in a.red_breach_scales for a in got)


def test_a_tie_names_the_lowest_cluster_number(reference: ReferenceSet) -> None:
    tie = [0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    result = single(tie, reference, "non-psychotic")
    arrays = allocate_arrays(
        tables_for(reference),
        np.array([tie], np.uint8).T,
        np.array([tables_for(reference).scope_code("non-psychotic", None)]),
    )
    assert RANKINGS[arrays.ranking[0]] == "tie" == result.ranking
    assert int(arrays.suggested[0]) == result.suggested_cluster


# --- a large random sample ------------------------------------------------------------------


def test_100000_random_records_agree_with_the_single_record_engine(reference: ReferenceSet) -> None:
    tables = tables_for(reference)
    codes, scope, allocated = sample(reference, tables, 100_000, seed=20261123)
    got = batch_answers(reference, codes, scope, allocated, chunk_rows=4093)  # slices end mid-sample
    expected = single_answers(reference, codes, scope, allocated)
    mismatches = [i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e]
    assert not mismatches, (
        f"{len(mismatches)} differ, first {mismatches[0]}: {got[mismatches[0]]} != {expected[mismatches[0]]}"
    )
    counts = {s: sum(e.ranking == s for e in expected) for s in RANKINGS}
    assert all(n >= 1000 for n in counts.values()), counts  # ties, 9s and variance all well represented
    assert sum(e.red_breaches or 0 for e in expected) > 10_000
    assert (codes == 9).any(axis=0).mean() > 0.5


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([0, 1, 2, 3, 4, 9]), min_size=18, max_size=18),
    st.integers(min_value=0, max_value=10),
    st.sampled_from([-1, 0, *ALLOCATABLE]),
)
def test_any_rating_scope_and_allocation_agree(values: list[int], scope: int, allocated: int) -> None:
    reference = builtin_reference()
    codes = np.array([values], np.uint8).T.copy()
    got = batch_answers(reference, codes, np.array([scope], np.uint8), np.array([allocated], np.int8))
    assert got == single_answers(reference, codes, np.array([scope], np.uint8), np.array([allocated], np.int8))


# --- the tables come from the single engine's, for any reference set ------------------------


def test_a_providers_reference_set_is_compiled_from_its_own_grids(tmp_path, reference: ReferenceSet) -> None:
    """Change cells of one grid in a provider file: both engines change, and still agree."""
    text = grids_to_csv(
        reference.grids, meta={"id": "trust-x", "version": "1", "name": "x", "source": "test", "confidence": "high"}
    )
    lines = text.splitlines()
    # cluster 4's red 7/8 range widens to 2-4; cluster 14's red scale 6 becomes orange
    changed = [line.replace(",red", ",orange") if line.startswith("14,6,") else line for line in lines]
    changed = [
        line.replace(",yellow", ",red").replace(",orange", ",red") if line.startswith(("4,7,2,", "4,8,2,")) else line
        for line in changed
    ]
    assert changed != lines
    path = tmp_path / "grids.csv"
    path.write_text("\n".join(changed) + "\n", encoding="utf-8")
    provider = load_reference(path)
    assert tables_for(provider).fingerprint != tables_for(reference).fingerprint
    codes, scope, allocated = sample(provider, tables_for(provider), 3000, seed=7)
    assert batch_answers(provider, codes, scope, allocated) == single_answers(provider, codes, scope, allocated)


def test_the_compact_keys_rank_as_the_packed_keys(reference: ReferenceSet) -> None:
    """Field order and widths: confirmed clusters' keys compare as the single engine's rank fields do."""
    tables = build_tables(compile_reference(reference))
    layout = tables.layout
    shifts = [layout.shifts[f] for f in ("unlikely", "orange_distance", "orange_mismatches", "blocked")]
    assert shifts == sorted(shifts)
    assert layout.masks["blocked"] >= len(tables.groups), "every group may block a cluster"
    assert layout.confirmed_below > max(layout.masks[f] << layout.shifts[f] for f in layout.shifts if f != "blocked")
    assert layout.dtype == np.uint16, "the built-in grids' keys fit 16 bits"
    assert tables.numbers.tolist() == list(reference.allocatable_clusters)


def same_arrays(a: BatchArrays, b: BatchArrays) -> list[str]:
    """The fields in which two answers differ."""
    return [name for name in BatchArrays.__slots__ if not np.array_equal(getattr(a, name), getattr(b, name))]


@pytest.mark.parametrize(
    "options",
    [
        {"key_dtype": np.uint32},  # the fallback for reference sets whose keys need more than 16 bits
        {"digits": 2},  # 10 groups: a wider blocked field, groups without tests, more shared test bytes
        {"digits": 2, "key_dtype": np.uint32},
    ],
)
def test_other_table_layouts_give_the_same_answers(reference: ReferenceSet, options: dict) -> None:
    """The engine reads its layout from the tables: forced uint32 keys and other group sizes agree."""
    compiled = compile_reference(reference)
    default, other = build_tables(compiled), build_tables(compiled, **options)
    assert other.fingerprint != default.fingerprint
    if "key_dtype" in options:
        assert other.layout.dtype == np.uint32
        assert all(table.dtype == np.uint32 and table.nbytes // len(table) <= 32 for table in other.keys)
    codes, scope, allocated = sample(reference, default, 20_000, seed=11)
    expected = allocate_arrays(default, codes, scope, allocated, chunk_rows=3001)
    assert not same_arrays(allocate_arrays(other, codes, scope, allocated, chunk_rows=3001), expected)
    assert not same_arrays(allocate_arrays(other, codes, scope, allocated), expected)
    few = slice(0, 1500)
    got = batch_answers(reference, codes[:, few], scope[few], allocated[few], tables=other)
    assert got == single_answers(reference, codes[:, few], scope[few], allocated[few])


def test_a_providers_set_with_wide_fields_gets_uint32_keys(tmp_path, reference: ReferenceSet) -> None:
    """Grids whose totals need more than 16 bits of key: uint32 keys, and both engines still agree."""
    text = grids_to_csv(
        reference.grids, meta={"id": "trust-y", "version": "1", "name": "y", "source": "test", "confidence": "high"}
    )
    # cluster 12 loses every red and orange cell: all its rows are yellow-only, so a rating on any
    # blank cell is "unlikely", up to 17 of them where the built-in grids reach 1
    lines = [
        line.replace(",red", ",blank").replace(",orange", ",blank") if line.startswith("12,") else line
        for line in text.splitlines()
    ]
    path = tmp_path / "grids.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    provider = load_reference(path)
    tables = tables_for(provider)
    assert tables.layout.dtype == np.uint32
    assert tables.layout.masks["unlikely"] > 1
    with pytest.raises(ValueError, match="too narrow"):
        build_tables(compile_reference(provider), key_dtype=np.uint16)
    codes, scope, allocated = sample(provider, tables, 4000, seed=13)
    codes[:, :500] = np.where(codes[:, :500] == 9, 4, codes[:, :500])  # ratings on cluster 12's blank cells
    got = batch_answers(provider, codes, scope, allocated, chunk_rows=1499)
    assert got == single_answers(provider, codes, scope, allocated)
    assert any(g.suggested_cluster == 12 for g in got)


def test_without_allocated_clusters_there_are_no_red_breaches(reference: ReferenceSet) -> None:
    tables = tables_for(reference)
    codes, scope, allocated = sample(reference, tables, 5000, seed=17)
    with_allocation = allocate_arrays(tables, codes, scope, allocated, chunk_rows=2048)
    without = allocate_arrays(tables, codes, scope, chunk_rows=2048)
    assert same_arrays(with_allocation, without) == ["red_breaches", "red_tests"]
    assert not without.red_breaches.any()
    assert not without.red_tests.any()


# --- what is not a rating is refused, never allocated ---------------------------------------


@pytest.mark.parametrize("bad", [5, 6, 7, 8, 10, 255])
def test_codes_that_are_not_ratings_are_refused(reference: ReferenceSet, bad: int) -> None:
    codes = np.zeros((18, 5000), np.uint8)
    codes[3, 4321] = bad
    with pytest.raises(BatchInputError, match="not a rating"):
        allocate_arrays(tables_for(reference), codes)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (5, "a rating code 5-8 is not a rating"),
        (8, "a rating code 5-8 is not a rating"),
        (10, "a value above 9 is not a rating"),
        (255, "a value above 9 is not a rating"),
    ],
)
@pytest.mark.parametrize("chunk_rows", [1000, 8192])
def test_a_code_that_is_not_a_rating_names_its_record(
    reference: ReferenceSet, bad: int, message: str, chunk_rows: int
) -> None:
    """The first bad record is named (1-based), in whichever slice it falls; 9 is a rating."""
    codes = np.full((18, 5000), 9, np.uint8)
    codes[:, ::2] = 4
    codes[3, 4321] = bad
    codes[17, 4400] = 7  # a later one is not the one named
    with pytest.raises(BatchInputError, match=rf"^record 4322: {message}"):
        allocate_arrays(tables_for(reference), codes, chunk_rows=chunk_rows)
    codes[17, 4400] = 4
    codes[3, 4321] = 9
    assert len(allocate_arrays(tables_for(reference), codes, chunk_rows=chunk_rows)) == 5000


def test_a_cluster_that_is_never_allocated_is_refused_in_any_slice(reference: ReferenceSet) -> None:
    tables = tables_for(reference)
    allocated = np.full(5000, -1, np.int8)
    allocated[4999] = 9
    with pytest.raises(BatchInputError, match="cluster 9 is never allocated"):
        allocate_arrays(tables, np.zeros((18, 5000), np.uint8), None, allocated, chunk_rows=1000)
    with pytest.raises(BatchInputError, match="allocated clusters must be 0-21"):
        allocate_arrays(tables, np.zeros((18, 5000), np.uint8), None, np.full(5000, 22), chunk_rows=1000)


def test_arrays_of_the_wrong_shape_or_kind_are_refused(reference: ReferenceSet) -> None:
    tables = tables_for(reference)
    with pytest.raises(BatchInputError, match="shape"):
        allocate_arrays(tables, np.zeros((17, 3), np.uint8))
    with pytest.raises(BatchInputError, match="integers"):
        allocate_arrays(tables, np.zeros((18, 3), float))
    with pytest.raises(BatchInputError, match="below 0 or above 9 is not a rating"):
        allocate_arrays(tables, np.full((18, 3), -1, np.int64))
    with pytest.raises(BatchInputError, match="scope"):
        allocate_arrays(tables, np.zeros((18, 3), np.uint8), np.array([0, 0, 99], np.uint8))
    with pytest.raises(BatchInputError, match="never allocated"):
        allocate_arrays(tables, np.zeros((18, 3), np.uint8), None, np.array([0, 9, 1], np.int8))


def test_no_records_is_no_answers(reference: ReferenceSet) -> None:
    arrays = allocate_arrays(tables_for(reference), np.zeros((18, 0), np.uint8))
    assert len(arrays) == 0
