"""The single-record engine's ranking tables, recompiled as NumPy arrays for whole files.

Nothing here knows a colour rule. Every number is read out of `compile_reference(...).ranking`
(the `PackedRanking` the single-record engine ranks with, itself built by
`grid_fit.evaluate_row`), and the ratings a row of a grid can hold come from
`grid_fit.possible_range` (the 7/8 "higher of the two" rule and the 9s). So a provider's
reference set, a changed rule or a new rank field reaches both engines at once.

What changes is the arrangement, chosen for one CPU core doing millions of records, where every
byte gathered and every pass over a slice of records counts (see `engine` for the passes):

* Digits. A rating 0-4 is its own digit and 9 (not known) is digit 5 (`digit = min(code, 5)`),
  so a record is 18 base-6 digits plus its scope code (the clinician's super class or heading).
  Codes 5-8 and above 9 are refused by the engine before any table is read.
* Groups. The digits, in the fixed order `INPUTS` (an always-0 pad, the scope, then the 18
  scales in order), are cut into groups of four. Each group has a table with one row per
  combination of its digits (6^4 = 1,296 rows; 11 x 6^2 for the group of the pad and the
  scope), holding the sum of its tests' contributions for every cluster side by side. A
  record's keys are the sum of one row of each group: 5 gathers instead of 17. The 7/8 pair
  falls in one group, as its test reads both. Four digits, not five, measured faster: 4 groups
  of 6^5 rows would need 1 MB of key tables and as much of test masks, more than a core's L2
  holds next to a slice's arrays; 5 groups of 6^4 need 0.5 MB in all. All groups' rows are
  stored end to end, so one row index per group serves every table.
* Compact keys, without red detail or position. The batch answer never shows a red distance,
  and a cluster with any red breach or red scale not known can never be suggested; what the
  engine must still know about it is only that it is blocked. So a key is
  [blocked][orange_mismatches][orange_distance][unlikely], each field just wide enough for its
  largest possible total: "blocked" counts the groups in which the cluster has a red breach or
  a red scale not known (or, for the scope's group, lies outside the record's scope). A key of
  blocked 0 is a confirmed cluster and compares exactly as the single engine's rank fields do
  (its red fields are all 0, which `build_tables` checks). For the built-in grids the key fits
  16 bits (uint16); a reference set needing more gets uint32 keys. The lowest cluster number
  among equal keys, the single engine's tie rule, is found by the engine from positions.
  The key tables are split by clusters into parts of at most 32 bytes a row (16 clusters, then
  4): NumPy's take copies rows of up to 32 bytes with fixed-size moves, twice as fast as 40.
* Bit sets for what the key drops. "Needs further assessment" versus "variance" asks whether
  some cluster in scope has no red breach: `breaches` holds, per group row, the clusters with a
  red breach from that group's tests, and `in_scope` the clusters of each scope. The tested
  rows behind an orange mismatch or red breach (`orange_tests`, `red_tests`) come from
  `test_masks`: per group row and cluster, one byte of test bits; consecutive groups whose tests
  fit in 8 bits share a byte's shift (`Group.test_shift`), so the engine ORs their bytes and
  shifts once.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from functools import reduce
from operator import mul
from typing import get_args

import numpy as np

from carecluster.domain.allocation import CompiledReference, compile_reference, scope_of
from carecluster.domain.grid_fit import RANK_FIELDS, SCALE_7, SCALE_8, possible_range
from carecluster.domain.ranking import LANE_MASK, STATES, PackedRanking, state_range, unpack
from carecluster.domain.results import Ranking
from carecluster.reference.models import NOT_KNOWN, RATINGS, SCALE_CODES, SUPER_CLASSES, ReferenceSet

N_SCALES = len(SCALE_CODES)
SCOPE_COLUMN = N_SCALES
"""Input id of the record's scope code (after the 18 rating columns)."""
PAD = -1
"""Input id of a digit that is always 0: fills the scope's group (the engine reads digit pairs)."""
INPUTS: tuple[int, ...] = (PAD, SCOPE_COLUMN, *range(N_SCALES))
"""The engine's digit rows, in this order; groups are consecutive runs of `DIGITS` of them."""
DIGITS = 4
"""Digits per group (even: the engine reads them in pairs). See the module docstring."""
RADIX = 6
NOT_KNOWN_DIGIT = 5
"""The digit of rating 9: `digit = min(code, NOT_KNOWN_DIGIT)` for every valid code."""
VALID_CODES: tuple[int, ...] = (*RATINGS, NOT_KNOWN)
RANKINGS: tuple[str, ...] = get_args(Ranking)
"""Ranking codes of the batch engine (one_best, tie, variance), in the order of `results.Ranking`.

The batch gives what the grids alone say. The status with its questions (a 9 that could change
the answer, a decision-tree fact, an inferred red cell) comes from `allocate()` and the API."""
TEST_BITS = 8
"""Test bits of groups sharing a shift are one uint8 in `BatchTables.test_masks`."""
KEY_PART_BYTES = 32
"""Largest row of a part of the key tables (see the module docstring)."""

_BLOCKING = ("red_breaches", "red_unconfirmed")
"""A cluster with either is not confirmed (`GridFit.fit`): it is only counted as blocked."""
_KEY_FIELDS = tuple(f for f in RANK_FIELDS if f not in (*_BLOCKING, "red_distance"))
"""The rank fields confirmed clusters are ranked by, most significant first (the others are 0)."""


def digit_of(code: int) -> int:
    return min(code, NOT_KNOWN_DIGIT)


@dataclass(frozen=True, slots=True)
class KeyLayout:
    """Where each field sits in a compact key: `shifts[f]`, `masks[f]` by field name.

    Fields: "blocked" (most significant), then orange_mismatches, orange_distance, unlikely.
    """

    shifts: dict[str, int]
    masks: dict[str, int]
    dtype: np.dtype

    @property
    def confirmed_below(self) -> int:
        """A key below this has blocked 0: a confirmed cluster."""
        return 1 << self.shifts["blocked"]

    def field(self, keys: np.ndarray, name: str) -> np.ndarray:
        return (keys >> self.dtype.type(self.shifts[name])) & self.dtype.type(self.masks[name])


@dataclass(frozen=True, slots=True)
class Group:
    """One gathered row per record: its digits' inputs and where its rows sit in the tables."""

    inputs: tuple[int, ...]
    """Input id of each digit, most significant first (`PAD`, `SCOPE_COLUMN` or a scale)."""
    radices: tuple[int, ...]
    first_row: int
    """Where the group's rows start in every table (`keys`, `breaches`, `test_masks`)."""
    n_rows: int
    test_shift: int
    """The group's test bits (`BatchTables.test_masks`) are relative to this global bit. Groups
    whose tested rows all fit in the 8 bits from one shift share it (consecutive groups hold
    consecutive tested rows, so their bits never overlap): the engine ORs their bytes first."""


@dataclass(frozen=True, slots=True)
class Scope:
    super_class: str | None
    heading: str | None
    clusters: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BatchTables:
    """Everything the vectorised engine needs for one reference set."""

    reference_id: str
    reference_version: str
    fingerprint: str
    """Hash of the compiled tables: a restarted run only reuses parts built from the same."""
    numbers: np.ndarray
    """Cluster number at each key position (ascending, as the single engine's tie rule needs)."""
    position_of: np.ndarray
    """(22,) int8: key position of each cluster number, -1 where not allocatable."""
    super_class_of: np.ndarray
    """(22,) int8: index into SUPER_CLASSES of each cluster number, -1 for 0, 9 and none."""
    tests: tuple[str, ...]
    """Label of each tested row ('1'..'6', '7/8', '9'..'E'), by bit of the red/orange masks."""
    scopes: tuple[Scope, ...]
    layout: KeyLayout
    groups: tuple[Group, ...]
    keys: tuple[np.ndarray, ...]
    """Parts of (all groups' rows, clusters) `layout.dtype`, the clusters in order across the
    parts: each row's contribution to every cluster's key. Each part's row is at most
    `KEY_PART_BYTES`: NumPy's take copies such rows with fixed-size moves, wider ones (40 bytes
    for 20 uint16 keys) with a memmove per row, at twice the cost."""
    breaches: np.ndarray
    """(all groups' rows,) uint32: bit c set when one of the group's tests is a red breach for
    the cluster at position c."""
    in_scope: np.ndarray
    """(scopes,) uint32: bit c set when the cluster at position c is in the scope."""
    test_masks: np.ndarray
    """(2, clusters + 1, all groups' rows) uint8, [orange mismatches, red breaches]: bit
    t - `Group.test_shift` set when tested row t (of the row's group) is one for the cluster at
    that position. Position `n_clusters` (no cluster) is all 0. Cluster-major, so that the
    engine finds a record's bytes at (its cluster's place + its group rows)."""

    @property
    def n_clusters(self) -> int:
        return len(self.numbers)

    def scope_code(self, super_class: str | None, heading: str | None) -> int:
        for code, scope in enumerate(self.scopes):
            if scope.super_class == super_class and scope.heading == heading:
                return code
        raise KeyError((super_class, heading))

    def describe(self, masks: np.ndarray) -> list[str]:
        """'7/8;D' for each bit mask: the tested rows it names, in scale order."""
        return [";".join(t for bit, t in enumerate(self.tests) if int(mask) >> bit & 1) for mask in masks]


def _state(lo: int, hi: int) -> int:
    """The `PackedRanking` state whose rating range is lo..hi (the inverse of `state_range`)."""
    return _STATE_OF[(lo, hi)]


_STATE_OF = {state_range(state): state for state in reversed(range(STATES))}


def _row_fields(ranking: PackedRanking) -> list[tuple[int, np.ndarray]]:
    """Per tested row: (scale index, fields[state, cluster, field]) read from the packed tables."""
    out = []
    for index, table in ranking.tables:
        fields = np.array(
            [[unpack((total >> shift) & LANE_MASK) for shift in ranking.shifts] for total in table], dtype=np.int64
        )
        out.append((index, fields))
    return out


@dataclass(frozen=True, slots=True)
class _Contribution:
    """One tested row: its input columns and its fields for every digit of them."""

    columns: tuple[int, ...]
    fields: np.ndarray
    """One axis of `RADIX` digits per column, then (cluster, field) in `RANK_FIELDS` order."""


def _test_contribution(index: int, fields: np.ndarray) -> _Contribution:
    """One tested row's fields for every digit of its input columns.

    The row's state for a combination of codes is found by `possible_range`, the single
    engine's own reading of 9s and of the 7/8 pair.
    """
    columns = (SCALE_7, SCALE_8) if index == SCALE_7 else (index,)
    out = np.zeros(((RADIX,) * len(columns)) + fields.shape[1:], dtype=np.int64)
    for codes in itertools.product(VALID_CODES, repeat=len(columns)):
        values = [0] * N_SCALES
        for column, code in zip(columns, codes, strict=True):
            values[column] = code
        out[tuple(digit_of(code) for code in codes)] = fields[_state(*possible_range(tuple(values), index))]
    return _Contribution(columns, out)


def _plan_groups(digits: int) -> list[tuple[int, ...]]:
    """The digits of each group: consecutive runs of `INPUTS` (see the module docstring)."""
    assert len(INPUTS) % digits == 0
    groups = [INPUTS[i : i + digits] for i in range(0, len(INPUTS), digits)]
    assert any({SCALE_7, SCALE_8} <= set(g) for g in groups), "the 7/8 test reads both scales: one group"
    return groups


def _layout(max_totals: dict[str, int], n_groups: int, dtype: np.dtype | type | None) -> KeyLayout:
    shifts, masks = {}, {}
    shift = 0
    for name in (*reversed(_KEY_FIELDS), "blocked"):
        width = (n_groups if name == "blocked" else max_totals[name]).bit_length()
        shifts[name], masks[name] = shift, (1 << width) - 1
        shift += width
    if dtype is None:
        dtype = np.dtype(np.uint16) if shift <= 16 else np.dtype(np.uint32)
    if shift > 8 * np.dtype(dtype).itemsize:
        raise ValueError(f"compact keys need {shift} bits; {np.dtype(dtype)} is too narrow")
    return KeyLayout(shifts, masks, np.dtype(dtype))


def _scopes(reference: ReferenceSet) -> tuple[Scope, ...]:
    scopes = [Scope(None, None, scope_of(reference, None, None)[2])]
    for sc in reference.decision_tree.super_classes:
        scopes.append(Scope(sc.id, None, scope_of(reference, sc.id, None)[2]))
    for sc in reference.decision_tree.super_classes:
        for heading in sc.headings:
            scopes.append(Scope(sc.id, heading.id, scope_of(reference, None, heading.id)[2]))
    return tuple(scopes)


def _on_axes(array: np.ndarray, axes: list[int], radices: tuple[int, ...]) -> np.ndarray:
    """View an array indexed by some of a group's digits as broadcastable over all of them."""
    shape = [radices[a] if a in axes else 1 for a in range(len(radices))]
    return array.reshape(*shape, *array.shape[len(axes) :])


@dataclass(frozen=True, slots=True)
class _GroupTables:
    keys: np.ndarray
    breaches: np.ndarray
    orange: np.ndarray
    red: np.ndarray


def _group(
    inputs: tuple[int, ...],
    radices: tuple[int, ...],
    tests: list[tuple[int, _Contribution]],
    layout: KeyLayout,
    out_of_scope: np.ndarray,
) -> _GroupTables:
    """Keys, breach bit sets and test bytes over every digit combination of one group.

    `tests`: (bit in the group's byte of test bits, contribution) of each tested row it reads.
    """
    n_clusters = out_of_scope.shape[1]
    field = {name: RANK_FIELDS.index(name) for name in RANK_FIELDS}
    keys = np.zeros((*radices, n_clusters), dtype=np.int64)
    blocked = np.zeros((*radices, n_clusters), dtype=bool)
    breached = np.zeros((*radices, n_clusters), dtype=bool)
    orange = np.zeros((*radices, n_clusters), dtype=np.int64)
    red = np.zeros((*radices, n_clusters), dtype=np.int64)
    for bit, c in tests:
        axes = [inputs.index(column) for column in c.columns]
        assert axes == sorted(axes), "a test's columns keep their order within a group"
        f = c.fields
        for name in _KEY_FIELDS:
            keys += _on_axes(f[..., field[name]] << layout.shifts[name], axes, radices)
        breach = f[..., field["red_breaches"]] > 0
        blocked |= _on_axes(np.logical_or.reduce([f[..., field[name]] > 0 for name in _BLOCKING]), axes, radices)
        breached |= _on_axes(breach, axes, radices)
        orange += _on_axes((f[..., field["orange_mismatches"]] > 0).astype(np.int64) << bit, axes, radices)
        red += _on_axes(breach.astype(np.int64) << bit, axes, radices)
    if SCOPE_COLUMN in inputs:
        blocked |= _on_axes(out_of_scope, [inputs.index(SCOPE_COLUMN)], radices)
    keys += blocked.astype(np.int64) << layout.shifts["blocked"]
    n_rows = reduce(mul, radices, 1)
    bits = np.left_shift(np.int64(1), np.arange(n_clusters, dtype=np.int64))
    zero = np.zeros((n_rows, 1), np.uint8)
    return _GroupTables(
        keys=keys.reshape(n_rows, n_clusters),
        breaches=(breached.reshape(n_rows, n_clusters) * bits).sum(axis=1),
        orange=np.hstack([orange.reshape(n_rows, n_clusters).astype(np.uint8), zero]),
        red=np.hstack([red.reshape(n_rows, n_clusters).astype(np.uint8), zero]),
    )


def build_tables(
    compiled: CompiledReference, key_dtype: np.dtype | type | None = None, digits: int = DIGITS
) -> BatchTables:
    """Arrange the single engine's compiled ranking (see the module docstring) for NumPy.

    `key_dtype` forces the key width (uint16 or uint32); by default the narrowest that fits.
    """
    reference = compiled.reference
    ranking = compiled.ranking
    numbers = np.array(ranking.numbers, dtype=np.int8)
    if list(numbers) != sorted(numbers):
        raise AssertionError("the single engine lists clusters in ascending order; the tie rule relies on it")
    n_clusters = len(numbers)
    assert n_clusters <= 32, "cluster bit sets are uint32"
    tests = tuple(row.scale for row in compiled.clusters[0].rows)
    contributions = [_test_contribution(index, fields) for index, fields in _row_fields(ranking)]

    field = {name: RANK_FIELDS.index(name) for name in RANK_FIELDS}
    # what the compact key leaves out cannot rank two confirmed clusters: the fields that are
    # neither blocking nor in the key are 0 for them, and rank above the key's fields
    assert RANK_FIELDS[len(RANK_FIELDS) - len(_KEY_FIELDS) :] == _KEY_FIELDS
    for c in contributions:
        confirmed = np.logical_and.reduce([c.fields[..., field[name]] == 0 for name in _BLOCKING])
        for name in set(RANK_FIELDS) - {*_BLOCKING, *_KEY_FIELDS}:
            if (c.fields[..., field[name]][confirmed] != 0).any():
                raise AssertionError(f"{name} without a red breach: the compact keys would rank wrongly")
        for name in ("red_breaches", "orange_mismatches"):  # counted as the bits of the test masks
            assert c.fields[..., field[name]].max() <= 1, "a tested row counts at most once"

    # the largest total each field can reach for any cluster: its bit width in the compact key
    max_totals = np.zeros((n_clusters, len(RANK_FIELDS)), dtype=np.int64)
    for c in contributions:
        max_totals += c.fields.reshape(-1, n_clusters, len(RANK_FIELDS)).max(axis=0)
    plan = _plan_groups(digits)
    layout = _layout({name: int(max_totals[:, field[name]].max()) for name in _KEY_FIELDS}, len(plan), key_dtype)

    scopes = _scopes(reference)
    out_of_scope = np.array([[number not in scope.clusters for number in ranking.numbers] for scope in scopes])
    radix = {PAD: 1, SCOPE_COLUMN: len(scopes)} | dict.fromkeys(range(N_SCALES), RADIX)
    groups, built = [], []
    first_row, assigned, shift = 0, 0, 0
    for inputs in plan:
        radices = tuple(radix[i] for i in inputs)
        # the engine computes every group's row as a base-6 number of its digits: a wider digit
        # (the scope) may only follow digits that are always 0
        for d, r in enumerate(radices):
            assert r <= RADIX or all(radices[e] == 1 for e in range(d)), "a wide digit must lead its group"
        # the engine reads the digits in pairs (uint8: first * 6 + second), then the pairs in base 36
        assert len(radices) % 2 == 0
        assert all((radices[i] - 1) * RADIX + radices[i + 1] - 1 < 256 for i in range(0, len(radices), 2))
        mine = [(t, c) for t, c in enumerate(contributions) if set(c.columns) <= set(inputs)]
        bits = [t for t, _ in mine]
        assert bits == list(range(assigned, assigned + len(bits))), "a group's tested rows are consecutive"
        if bits and bits[-1] - shift >= TEST_BITS:
            shift = bits[0]  # a new byte of test bits
        assert not bits or bits[-1] - shift < TEST_BITS
        assigned += len(bits)
        built.append(_group(inputs, radices, [(t - shift, c) for t, c in mine], layout, out_of_scope))
        n_rows = reduce(mul, radices, 1)
        groups.append(Group(inputs, radices, first_row, n_rows, shift))
        first_row += n_rows
    assert assigned == len(contributions), "every tested row is in exactly one group"
    covered = sorted(i for g in groups for i in g.inputs if i != PAD)
    assert covered == [*range(N_SCALES), SCOPE_COLUMN], "every input column is read exactly once"
    assert first_row < 1 << 16, "group rows are indexed by uint16"

    all_keys = np.concatenate([b.keys for b in built])
    assert all_keys.max() < 1 << (8 * layout.dtype.itemsize)
    part = KEY_PART_BYTES // layout.dtype.itemsize
    keys = tuple(
        np.ascontiguousarray(all_keys[:, c : c + part].astype(layout.dtype)) for c in range(0, n_clusters, part)
    )
    breaches = np.concatenate([b.breaches for b in built]).astype(np.uint32)
    bit_of = np.left_shift(np.int64(1), np.arange(n_clusters, dtype=np.int64))
    in_scope = ((~out_of_scope) * bit_of).sum(axis=1).astype(np.uint32)
    test_masks = np.ascontiguousarray(
        np.stack([np.concatenate([b.orange for b in built]).T, np.concatenate([b.red for b in built]).T])
    )

    position_of = np.full(22, -1, dtype=np.int8)
    position_of[numbers] = np.arange(n_clusters, dtype=np.int8)
    super_class_of = np.full(22, -1, dtype=np.int8)
    for cluster in compiled.clusters:
        super_class_of[cluster.number] = SUPER_CLASSES.index(cluster.super_class)
    digest = hashlib.sha256()
    for array in (*keys, breaches, in_scope, test_masks):
        digest.update(array.dtype.str.encode())
        digest.update(array.tobytes())
    digest.update(repr([(g.inputs, g.radices, g.first_row, g.test_shift) for g in groups]).encode())
    digest.update(repr(sorted(layout.shifts.items())).encode())
    digest.update(repr([(s.super_class, s.heading, s.clusters) for s in scopes]).encode())
    digest.update(numbers.tobytes())
    digest.update(super_class_of.tobytes())
    digest.update(repr(tests).encode())
    return BatchTables(
        reference_id=reference.id,
        reference_version=reference.version,
        fingerprint=digest.hexdigest()[:16],
        numbers=numbers,
        position_of=position_of,
        super_class_of=super_class_of,
        tests=tests,
        scopes=scopes,
        layout=layout,
        groups=tuple(groups),
        keys=keys,
        breaches=breaches,
        in_scope=in_scope,
        test_masks=test_masks,
    )


_tables: dict[str, BatchTables] = {}
_by_identity: dict[int, tuple[ReferenceSet, BatchTables]] = {}


def _content_key(reference: ReferenceSet) -> str:
    """Reference sets arrive pickled on Dask workers (new objects each task): key by content."""
    return hashlib.sha256(reference.model_dump_json().encode()).hexdigest()


def tables_for(reference: ReferenceSet) -> BatchTables:
    """The batch tables of a reference set, compiled once per process per distinct content."""
    held = _by_identity.get(id(reference))
    if held is not None and held[0] is reference:
        return held[1]
    key = _content_key(reference)
    tables = _tables.get(key)
    if tables is None:
        if len(_tables) > 16:  # a handful of sets per process at most; never grow without bound
            _tables.clear()
            _by_identity.clear()
        tables = _tables[key] = build_tables(compile_reference(reference))
    _by_identity[id(reference)] = (reference, tables)
    return tables
