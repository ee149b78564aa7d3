"""The single-record engine's ranking tables, recompiled as NumPy arrays for whole files.

Nothing here knows a colour rule. Every number is read out of `compile_reference(...).ranking`
(the `PackedRanking` the single-record engine ranks with, itself built by
`grid_fit.evaluate_row`), and the ratings a row of a grid can hold come from
`grid_fit.possible_range` (the 7/8 "higher of the two" rule and the 9s). So a provider's
reference set, a changed rule or a new rank field reaches both engines at once.

What changes is the arrangement, chosen for a CPU doing millions of rows:

* Raw codes index the tables. A rating 0-4 or 9 is its own table index (codes 5-8 mark rows
  that must never be reached, see `KeyLayout.invalid`), so no per-record state mapping is needed.
* Groups. The 17 tested rows (16 scales and the 7/8 pair) plus the record's scope (the
  clinician's super class or heading) are packed into a few groups of input columns. Each
  group has one table with a row for every combination of its columns' codes, holding the sum
  of its tests' contributions for every cluster, side by side. A record's rank keys are the
  sum of one table row per group: 4 or 5 gathers of a 20-wide row instead of 17.
* Compact keys. Each rank field gets only the bits its largest possible total needs (for the
  built-in grids the whole key fits 32 bits), above the cluster's position, which names the
  lowest cluster number among equal keys exactly as the single engine's tie rule does. An
  out-of-scope cluster carries a penalty bit above every field, so it can never rank first.
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
from carecluster.domain.results import Status
from carecluster.reference.models import NOT_KNOWN, RATINGS, SCALE_CODES, SUPER_CLASSES, ReferenceSet

N_SCALES = len(SCALE_CODES)
SCOPE_COLUMN = N_SCALES
"""Input column index of the record's scope code (after the 18 rating columns)."""
CODES = 10
"""Rating codes 0-9 index the tables directly; only 0-4 and 9 are ratings."""
VALID_CODES: tuple[int, ...] = (*RATINGS, NOT_KNOWN)
STATUSES: tuple[str, ...] = get_args(Status)
"""Status codes of the batch engine, in the order of `results.Status`."""
GROUP_BITS = 3
"""At most 2**GROUP_BITS - 1 groups: room above the invalid bit for each to add it."""
MAX_TABLE_ROWS = 11_000
"""Largest group table (rows). 10^4 fits four rating columns; measured best on a 2 MB L2."""


@dataclass(frozen=True, slots=True)
class KeyLayout:
    """Where each rank field sits in a compact key: `shifts[f]`, `masks[f]` by field name."""

    position_bits: int
    shifts: dict[str, int]
    masks: dict[str, int]
    penalty: int
    """Bit set for a cluster outside the record's scope: above every field."""
    invalid: int
    """Bit set by a rating code that is not a rating (5-8): above everything, found by min."""
    dtype: np.dtype

    def field(self, keys: np.ndarray, name: str) -> np.ndarray:
        return (keys >> self.dtype.type(self.shifts[name])) & self.dtype.type(self.masks[name])


@dataclass(frozen=True, slots=True)
class Group:
    """One gather of the batch engine: its input columns and its table rows."""

    columns: tuple[int, ...]
    radices: tuple[int, ...]
    keys: np.ndarray
    """(rows, clusters): the group's contribution to every cluster's compact rank key."""
    index_dtype: np.dtype
    mask_offset: int
    """Where the group's rows start in `BatchTables.red_masks` and `orange_masks`."""


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
    red_masks: np.ndarray
    """uint32, all groups end to end, (group row, cluster) flattened: bit t set where tested row
    t is a red breach for that cluster. One gather per group names a cluster's breaches."""
    orange_masks: np.ndarray
    """The same for orange mismatches."""

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


def _test_contributions(index: int, fields: np.ndarray) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    """One tested row's fields for every code of its input columns: (columns, fields, valid).

    fields has one axis of `CODES` per column, then (cluster, field); valid marks the code
    combinations that are ratings. The row's state for a code is found by `possible_range`,
    the single engine's own reading of 9s and of the 7/8 pair.
    """
    columns = (SCALE_7, SCALE_8) if index == SCALE_7 else (index,)
    shape = (CODES,) * len(columns)
    out = np.zeros((*shape, *fields.shape[1:]), dtype=np.int64)
    valid = np.zeros(shape, dtype=bool)
    for codes in itertools.product(VALID_CODES, repeat=len(columns)):
        values = [0] * N_SCALES
        for column, code in zip(columns, codes, strict=True):
            values[column] = code
        out[codes] = fields[_state(*possible_range(tuple(values), index))]
        valid[codes] = True
    return columns, out, valid


def _plan_groups(n_scopes: int) -> list[tuple[int, ...]]:
    """Input columns per group: the 7/8 pair with the scope first, then the rest, greedily."""
    radix = {column: CODES for column in range(N_SCALES)} | {SCOPE_COLUMN: n_scopes}
    first = [SCALE_7, SCALE_8, SCOPE_COLUMN]
    rest = [c for c in range(N_SCALES) if c not in first]
    groups: list[list[int]] = [first]
    for column in rest:
        if reduce(mul, (radix[c] for c in groups[-1]), 1) * radix[column] > MAX_TABLE_ROWS:
            groups.append([])
        groups[-1].append(column)
    return [tuple(g) for g in groups]


def _layout(max_totals: np.ndarray, n_clusters: int) -> KeyLayout:
    position_bits = max(1, (n_clusters - 1).bit_length())
    widths = [int(m).bit_length() for m in max_totals]
    shifts, masks = {}, {}
    shift = position_bits
    for name, width in zip(reversed(RANK_FIELDS), reversed(widths), strict=True):
        shifts[name], masks[name] = shift, (1 << width) - 1
        shift += width
    penalty = shift
    invalid = shift + 1
    # several groups may each add the invalid bit: leave room for their sum
    dtype = np.dtype(np.uint32) if invalid + GROUP_BITS < 32 else np.dtype(np.uint64)
    return KeyLayout(position_bits, shifts, masks, 1 << penalty, 1 << invalid, dtype)


def _scopes(reference: ReferenceSet) -> tuple[Scope, ...]:
    scopes = [Scope(None, None, scope_of(reference, None, None)[2])]
    for sc in reference.decision_tree.super_classes:
        scopes.append(Scope(sc.id, None, scope_of(reference, sc.id, None)[2]))
    for sc in reference.decision_tree.super_classes:
        for heading in sc.headings:
            scopes.append(Scope(sc.id, heading.id, scope_of(reference, None, heading.id)[2]))
    return tuple(scopes)


@dataclass(frozen=True, slots=True)
class _Contribution:
    """One tested row: its input columns, fields per code combination and which are ratings."""

    columns: tuple[int, ...]
    fields: np.ndarray
    valid: np.ndarray


def _on_axes(array: np.ndarray, axes: list[int], radices: tuple[int, ...]) -> np.ndarray:
    """View an array indexed by some of a group's columns as broadcastable over all of them."""
    shape = [radices[a] if a in axes else 1 for a in range(len(radices))]
    return array.reshape(*shape, *array.shape[len(axes) :])


def _group(
    columns: tuple[int, ...],
    radices: tuple[int, ...],
    contributions: list[_Contribution],
    layout: KeyLayout,
    out_of_scope: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keys, red, orange) over every code combination of one group's columns."""
    n_clusters = out_of_scope.shape[1]
    shift_of = np.array([layout.shifts[name] for name in RANK_FIELDS], dtype=np.int64)
    red_field, orange_field = RANK_FIELDS.index("red_breaches"), RANK_FIELDS.index("orange_mismatches")
    keys = np.zeros((*radices, n_clusters), dtype=np.int64)
    red = np.zeros((*radices, n_clusters), dtype=np.int64)
    orange = np.zeros((*radices, n_clusters), dtype=np.int64)
    reachable = np.ones(radices, dtype=bool)
    for test, c in enumerate(contributions):
        if not set(c.columns) <= set(columns):
            continue
        axes = [columns.index(column) for column in c.columns]
        assert axes == sorted(axes), "a test's columns keep their order within a group"
        keys += _on_axes((c.fields << shift_of).sum(axis=-1), axes, radices)
        red += _on_axes((c.fields[..., red_field] > 0).astype(np.int64) << test, axes, radices)
        orange += _on_axes((c.fields[..., orange_field] > 0).astype(np.int64) << test, axes, radices)
        reachable &= _on_axes(c.valid, axes, radices)
    for axis, column in enumerate(columns):
        if column == SCOPE_COLUMN:
            keys += _on_axes(out_of_scope * layout.penalty, [axis], radices)
        else:  # a code that is not a rating (5-8) must never pass unnoticed
            reachable &= _on_axes(np.isin(np.arange(CODES), VALID_CODES), [axis], radices)
    keys[~reachable] = layout.invalid
    return keys, red, orange


def build_tables(compiled: CompiledReference) -> BatchTables:
    """Arrange the single engine's compiled ranking (see the module docstring) for NumPy."""
    reference = compiled.reference
    ranking = compiled.ranking
    numbers = np.array(ranking.numbers, dtype=np.int8)
    if list(numbers) != sorted(numbers):
        raise AssertionError("the single engine lists clusters in ascending order; the tie rule relies on it")
    n_clusters = len(numbers)
    tests = tuple(row.scale for row in compiled.clusters[0].rows)
    contributions = [_Contribution(*_test_contributions(index, fields)) for index, fields in _row_fields(ranking)]

    # the largest total each field can reach for any cluster: its bit width in the compact key
    max_totals = np.zeros((n_clusters, len(RANK_FIELDS)), dtype=np.int64)
    for c in contributions:
        max_totals += c.fields[c.valid].max(axis=0)
    layout = _layout(max_totals.max(axis=0), n_clusters)

    scopes = _scopes(reference)
    out_of_scope = np.array(
        [[number not in scope.clusters for number in ranking.numbers] for scope in scopes], dtype=np.int64
    )
    groups, reds, oranges = [], [], []
    offset = 0
    for g, columns in enumerate(_plan_groups(len(scopes))):
        radices = tuple(len(scopes) if c == SCOPE_COLUMN else CODES for c in columns)
        keys, red, orange = _group(columns, radices, contributions, layout, out_of_scope)
        if g == 0:  # each cluster's position, once: it names the lowest number among equals
            keys += np.arange(n_clusters, dtype=np.int64)
        n_rows = reduce(mul, radices, 1)
        groups.append(
            Group(
                columns=columns,
                radices=radices,
                keys=np.ascontiguousarray(keys.reshape(n_rows, n_clusters).astype(layout.dtype)),
                index_dtype=np.dtype(np.uint16) if n_rows <= 1 << 16 else np.dtype(np.uint32),
                mask_offset=offset,
            )
        )
        reds.append(red.reshape(-1).astype(np.uint32))
        oranges.append(orange.reshape(-1).astype(np.uint32))
        offset += n_rows * n_clusters
    assert len(groups) < 1 << GROUP_BITS
    covered = sorted(c for group in groups for c in group.columns)
    assert covered == [*range(N_SCALES), SCOPE_COLUMN], "every input column is read exactly once"

    position_of = np.full(22, -1, dtype=np.int8)
    position_of[numbers] = np.arange(n_clusters, dtype=np.int8)
    super_class_of = np.full(22, -1, dtype=np.int8)
    for cluster in compiled.clusters:
        super_class_of[cluster.number] = SUPER_CLASSES.index(cluster.super_class)
    digest = hashlib.sha256()
    red_masks, orange_masks = np.concatenate(reds), np.concatenate(oranges)
    for array in (*(group.keys for group in groups), red_masks, orange_masks):
        digest.update(array.tobytes())
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
        red_masks=red_masks,
        orange_masks=orange_masks,
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
