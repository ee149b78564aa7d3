"""The vectorised allocation engine: many ratings at once, the same answers as `allocate()`.

Input is a (18, N) array of rating codes (scale-major, as columns arrive from Arrow and Polars
files), a scope code per record (the clinician's super class or heading, see
`BatchTables.scopes`) and optionally the allocated cluster per record. Records are processed in
slices of 16,384, so that what each step of a slice works on (1 to 2.5 MB, the tables 0.5 MB of
it) stays mostly in a core's L2 cache: the run is bound by table gathers and by elementwise
passes over cache-resident arrays, not by memory, and uses the same few megabytes whatever the
number of records. Nothing is done over the whole input but cheap checks of the scope and
allocated codes (1 byte a record): the ratings are checked slice by slice, while in cache.

Every NumPy call costs about a microsecond however small its arrays: a slice is long enough for
its ~70 calls to be a few per cent of its time, and each `_Kernel` carves all its arrays once,
for one slice length (`_Scratch`), rather than per slice.

Per slice (see `tables` for the layout):

1. Digits: `min(code, 5)` for the 18 rows of ratings, next to the scope codes and a pad of 0s.
   A code that is not a rating (5-8, above 9) is refused here, naming its record.
2. Each group's table row: its four digits read in pairs (uint8), the pairs as base 36 (uint16),
   once converted to intp, the index type of every `np.take` that follows.
3. Keys: per part of the key tables (16 clusters, then 4: rows of at most 32 bytes, which `take`
   copies twice as fast as 40), one row of each of the 5 groups gathered and summed
   (record-major), then transposed to clusters-major so that every reduction below runs down
   contiguous rows.
4. The smallest key is the best; below `layout.confirmed_below` it is a confirmed cluster. The
   lowest position among the keys equal to it names the suggestion (the single engine names
   the lowest cluster number among equals): the largest of (n_clusters - position) where equal,
   in uint8. More than one equal is a tie.
5. Where no cluster is free of red breaches: variance. (A 9 is ranked at its best possible
   rating, as `allocate()` ranks it, so a cluster whose red scale is only not known still ranks.)
6. The tested rows behind the suggestion's orange mismatches and the allocated cluster's red
   breaches: one gather of each group's local bits at (place of the cluster + group row) of
   `test_masks`, the bytes of groups that share one OR-ed and shifted into place; the counts
   are the bits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from carecluster.batch.tables import INPUTS, N_SCALES, NOT_KNOWN_DIGIT, PAD, RADIX, SCOPE_COLUMN, BatchTables

CHUNK_ROWS = 16_384
"""Records per slice: measured best on a 2 MB L2 (8,192 pays twice the per-call cost, 24,576 spills)."""
NOT_A_RATING = "is not a rating (use 0-4, or 9 for not known)"
VARIANCE = np.uint8(2)
"""`tables.RANKINGS` code of variance: no cluster in scope free of red breaches."""


class BatchInputError(ValueError):
    """Arrays given to the engine that are not ratings, scopes or clusters."""


@dataclass(frozen=True, slots=True)
class BatchArrays:
    """The engine's answer, one entry per record."""

    suggested: np.ndarray
    """int8: the suggested cluster, 0 when no cluster in scope is confirmed."""
    ranking: np.ndarray
    """uint8: index into `tables.RANKINGS` (one_best, tie, variance)."""
    orange_mismatches: np.ndarray
    """uint8: orange mismatches of the suggested cluster (0 when the suggestion is 0)."""
    orange_tests: np.ndarray
    """uint32: bit t set when tested row t (`BatchTables.tests`) is one of those mismatches."""
    red_breaches: np.ndarray
    """uint8: red breaches of the allocated cluster (0 where none, or 0, was allocated)."""
    red_tests: np.ndarray
    """uint32: bit t set when tested row t is one of those breaches."""

    def __len__(self) -> int:
        return len(self.suggested)


def _as_codes(ratings: np.ndarray) -> np.ndarray:
    ratings = np.asarray(ratings)
    if ratings.ndim != 2 or ratings.shape[0] != N_SCALES:
        raise BatchInputError(f"ratings must have shape (18, N), scale-major; got {ratings.shape}")
    if ratings.dtype != np.uint8:
        if not np.issubdtype(ratings.dtype, np.integer):
            raise BatchInputError(f"ratings must be integers; got {ratings.dtype}")
        if ratings.size and (ratings.min() < 0 or ratings.max() > 9):
            raise BatchInputError(f"a value below 0 or above 9 {NOT_A_RATING}")
        ratings = ratings.astype(np.uint8)
    # uint8 codes 5-8 and above 9 are found slice by slice, while in cache (`_Kernel._digits`)
    return ratings if ratings.strides[1] == 1 else np.ascontiguousarray(ratings)


def _allocated_codes(allocated: np.ndarray, n_records: int) -> np.ndarray:
    """Allocated cluster numbers as uint8 (-1, none, as 255): indexes of `_Kernel.red_place`."""
    allocated = np.asarray(allocated)
    if allocated.ndim != 1 or len(allocated) != n_records:
        raise BatchInputError("allocated clusters must be one per record")
    if not np.issubdtype(allocated.dtype, np.integer):
        raise BatchInputError(f"allocated clusters must be integers; got {allocated.dtype}")
    if n_records and (allocated.min() < -1 or allocated.max() > 21):
        raise BatchInputError("allocated clusters must be 0-21 (or -1 for none)")
    return np.ascontiguousarray(allocated, dtype=np.int8).view(np.uint8)


def allocate_arrays(
    tables: BatchTables,
    ratings: np.ndarray,
    scope: np.ndarray | None = None,
    allocated: np.ndarray | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> BatchArrays:
    """Allocate every record; see the module docstring. Raises BatchInputError on non-ratings.

    `scope`: uint8 codes into `tables.scopes` (default 0: every cluster, as allocate() without
    a super class). `allocated`: cluster numbers (-1 or 0 where there is none to check).
    """
    codes = _as_codes(ratings)
    n_records = codes.shape[1]
    scopes = np.zeros(n_records, np.uint8) if scope is None else np.ascontiguousarray(scope, dtype=np.uint8)
    if scopes.ndim != 1 or len(scopes) != n_records or (n_records and int(scopes.max()) >= len(tables.scopes)):
        raise BatchInputError("scope codes must be one per record and index tables.scopes")
    alloc = None if allocated is None else _allocated_codes(allocated, n_records)
    return _Kernel(tables, min(chunk_rows, max(n_records, 1))).run(codes, scopes, alloc)


_View = tuple[str, "np.dtype | type", tuple[int, ...]]


class _Scratch:
    """One block of memory carved into the named views of each step of a slice. The steps run one
    after another and their temporaries die with them, so every step's views start again at the
    block's start: a slice's scratch is the largest step's, not the sum, and stays in cache."""

    def __init__(self, steps: dict[str, list[_View]]) -> None:
        self.block = np.empty(max(self._layout(views)[1] for views in steps.values()), np.uint8)
        self.views: dict[str, np.ndarray] = {}
        for views in steps.values():
            for (name, dtype, shape), offset in zip(views, self._layout(views)[0], strict=True):
                assert name not in self.views, "view names are unique across steps"
                size = math.prod(shape) * np.dtype(dtype).itemsize
                self.views[name] = self.block[offset : offset + size].view(dtype).reshape(shape)

    @staticmethod
    def _layout(views: list[_View]) -> tuple[list[int], int]:
        offsets, used = [], 0
        for _, dtype, shape in views:
            used = -(-used // 64) * 64  # cache-line aligned
            offsets.append(used)
            used += math.prod(shape) * np.dtype(dtype).itemsize
        return offsets, used


class _Kernel:
    """Arrays and views for slices of exactly `chunk` records, reused slice after slice."""

    def __init__(self, tables: BatchTables, chunk: int) -> None:
        self.tables = tables
        self.chunk = n = chunk
        n_clusters = tables.n_clusters
        n_groups = len(tables.groups)
        pairs = len(tables.groups[0].inputs) // 2
        key_dtype = tables.layout.dtype
        self.scratch = _Scratch(
            {
                "rows": [
                    ("digits", np.uint8, (len(INPUTS), n)),
                    ("check", np.uint8, (N_SCALES, n)),
                    ("pairs", np.uint8, (n_groups, pairs, n)),
                    ("rows16", np.uint16, (n_groups, n)),
                ],
                "keys": [("acc", key_dtype, (n * 16,)), ("part", key_dtype, (n * 16,))],
                "rank": [
                    ("best", key_dtype, (n,)),
                    ("equal", bool, (n_clusters, n)),
                    ("weighted", np.uint8, (n_clusters, n)),
                    ("count", np.uint8, (n,)),
                ],
                "tests": [
                    ("orange_place", np.intp, (n,)),
                    ("local", np.uint8, (n_groups, n)),
                    ("shifted", np.uint32, (n,)),
                ],
            }
        ).views
        # the digits of step 1, in `INPUTS` order; pads are zeroed again each slice (shared memory)
        digits = self.scratch["digits"]
        first = INPUTS.index(0)
        assert INPUTS[first : first + N_SCALES] == tuple(range(N_SCALES))
        self.ratings = digits[first : first + N_SCALES]
        self.scope_digits = digits[INPUTS.index(SCOPE_COLUMN)]
        self.pad_digits = [digits[i] for i, column in enumerate(INPUTS) if column == PAD]
        self.digit_pairs = digits.reshape(n_groups, pairs, 2, n)  # (group, pair, first/second, record)
        # constant operands as arrays: NumPy's uint8 minimum and compare are SIMD array-array only
        self.not_known = np.full((1, n), NOT_KNOWN_DIGIT, np.uint8)
        self.nines = np.full((1, n), 9, np.uint8)
        self.first_rows = np.array([g.first_row for g in tables.groups], np.uint16)[:, None]
        self.rows = np.empty((n_groups, n), np.intp)  # step 2; becomes the test masks' places in step 6
        self.keys = np.empty((n_clusters, n), key_dtype)
        self.parts = []  # per table of `tables.keys`: (table, sum, one group's rows, its rows of `keys`)
        start = 0
        for table in tables.keys:
            width = table.shape[1]
            assert width <= 16
            acc = self.scratch["acc"][: n * width].reshape(n, width)
            part = self.scratch["part"][: n * width].reshape(n, width)
            self.parts.append((table, acc, part, self.keys[start : start + width]))
            start += width
        self.position = np.empty(n, np.uint8)  # of the suggestion, n_clusters for none
        # the lowest position among equal keys has the largest weight
        self.low_weight = n_clusters - np.arange(n_clusters, dtype=np.uint8)[:, None]
        self.confirmed_below = key_dtype.type(tables.layout.confirmed_below)
        self.numbers = np.append(tables.numbers, np.int8(0))  # position n_clusters: no cluster
        # allocated cluster code (uint8, -1 as 255) -> where its red masks start in test_masks:
        # the all-0 position n_clusters for none or 0, -1 for a number that is never allocated
        self.n_rows = np.intp(tables.test_masks.shape[2])
        position = np.full(256, -1, np.intp)
        position[[0, 255]] = n_clusters
        allocatable = np.flatnonzero(tables.position_of >= 0)
        position[allocatable] = tables.position_of[allocatable]
        self.red_place = np.where(position < 0, -1, (n_clusters + 1 + position) * self.n_rows)
        self.test_masks = tables.test_masks.reshape(-1)
        shifts = [g.test_shift for g in tables.groups]
        # the groups sharing a byte of test bits: (first group, stop, the byte's shift)
        self.test_bytes = [
            (shifts.index(shift), len(shifts) - shifts[::-1].index(shift), np.uint32(1 << shift))
            for shift in sorted(set(shifts))
        ]

    def run(self, codes: np.ndarray, scopes: np.ndarray, alloc: np.ndarray | None) -> BatchArrays:
        n_records = codes.shape[1]
        out = BatchArrays(
            suggested=np.empty(n_records, np.int8),
            ranking=np.empty(n_records, np.uint8),
            orange_mismatches=np.empty(n_records, np.uint8),
            orange_tests=np.empty(n_records, np.uint32),
            red_breaches=np.zeros(n_records, np.uint8) if alloc is None else np.empty(n_records, np.uint8),
            red_tests=np.zeros(n_records, np.uint32) if alloc is None else np.empty(n_records, np.uint32),
        )
        kernel = self
        for start in range(0, n_records, self.chunk):
            where = slice(start, min(start + self.chunk, n_records))
            if where.stop - start < self.chunk:  # the last, shorter slice: arrays of its own length
                kernel = _Kernel(self.tables, where.stop - start)
            kernel._slice(codes[:, where], scopes[where], None if alloc is None else alloc[where], out, where)
        return out

    def _slice(
        self, codes: np.ndarray, scopes: np.ndarray, alloc: np.ndarray | None, out: BatchArrays, where: slice
    ) -> None:
        self._digits(codes, scopes, where.start)
        self._rows()
        self._keys()
        unconfirmed = self._rank(out, where)
        out.ranking[where][unconfirmed] = VARIANCE
        red_place = None if alloc is None else self._allocated(alloc)
        self._tests(red_place, out, where)

    def _digits(self, codes: np.ndarray, scopes: np.ndarray, start: int) -> None:
        """Step 1: min(code, 5) for the ratings, the scope codes, the pads (0)."""
        np.minimum(codes, self.not_known, out=self.ratings)
        self.scope_digits[...] = scopes
        for pad in self.pad_digits:
            pad[...] = 0
        # digit - (code == 9) is at most 4 for a rating, 5 for any other code
        check = self.scratch["check"]
        np.equal(codes, self.nines, out=check.view(bool))
        np.subtract(self.ratings, check, out=check)
        if check.max() >= NOT_KNOWN_DIGIT:
            bad = (codes > 4) & (codes != 9)
            record = int(np.flatnonzero(bad.any(axis=0))[0])
            code = int(codes[:, record][bad[:, record]][0])
            what = "a rating code 5-8 is not a rating" if code < 9 else f"a value above 9 {NOT_A_RATING}"
            raise BatchInputError(f"record {start + record + 1}: {what}")

    def _rows(self) -> None:
        """Step 2: `rows` (groups, n), each group's row in the tables: its digits read as base 6."""
        pairs, rows = self.scratch["pairs"], self.scratch["rows16"]
        np.multiply(self.digit_pairs[:, :, 0], RADIX, out=pairs)  # at most 255 (see build_tables)
        pairs += self.digit_pairs[:, :, 1]
        np.copyto(rows, pairs[:, 0])
        for k in range(1, pairs.shape[1]):
            rows *= RADIX * RADIX
            rows += pairs[:, k]
        rows += self.first_rows
        np.copyto(self.rows, rows)

    def _keys(self) -> None:
        """Step 3: `keys` (clusters, n), every cluster's compact key: one row of each group, summed."""
        rows = self.rows
        for table, acc, part, keys in self.parts:
            # mode="clip": every row is in range by construction (digits <= 5, scopes checked)
            np.take(table, rows[0], axis=0, out=acc, mode="clip")
            for group_rows in rows[1:]:
                np.take(table, group_rows, axis=0, out=part, mode="clip")
                acc += part
            np.copyto(keys, acc.T)

    def _rank(self, out: BatchArrays, where: slice) -> np.ndarray:
        """Step 4: suggestion, tie and `position`; returns the records with no cluster confirmed."""
        keys, scratch = self.keys, self.scratch
        n_clusters = len(keys)
        best = np.minimum.reduce(keys, axis=0, out=scratch["best"])
        equal = np.equal(keys, best, out=scratch["equal"]).view(np.uint8)
        weighted = np.multiply(equal, self.low_weight, out=scratch["weighted"])
        lowest = np.maximum.reduce(weighted, axis=0, out=self.position)  # n_clusters - lowest position
        count = np.add.reduce(equal, axis=0, out=scratch["count"])
        np.greater(count, 1, out=out.ranking[where])  # a tie (ranking 1) where several are the best
        (unconfirmed,) = np.nonzero(best >= self.confirmed_below)
        lowest[unconfirmed] = 0  # no cluster: position n_clusters
        np.subtract(n_clusters, lowest, out=self.position)
        np.take(self.numbers, self.position, out=out.suggested[where])
        return unconfirmed

    def _allocated(self, alloc: np.ndarray) -> np.ndarray:
        """Where each record's allocated cluster's red masks start in `test_masks`."""
        place = np.take(self.red_place, alloc)
        if place.min() < 0:
            raise BatchInputError(f"cluster {int(alloc[place < 0][0])} is never allocated")
        return place

    def _tests(self, red_place: np.ndarray | None, out: BatchArrays, where: slice) -> None:
        """Step 6: the tested rows behind the suggestion's orange mismatches and the red breaches."""
        scratch = self.scratch
        orange_place = np.multiply(self.position, self.n_rows, out=scratch["orange_place"])
        kinds = [(orange_place, out.orange_tests, out.orange_mismatches)]
        if red_place is not None:
            kinds.append((red_place, out.red_tests, out.red_breaches))
        local, shifted = scratch["local"], scratch["shifted"]
        flat, previous = self.rows, None  # the rows are not needed any more: they become the places
        for place, tests_out, count_out in kinds:
            if previous is not None:
                place -= previous  # from the previous kind's places to this one's
            flat += place
            previous = place
            np.take(self.test_masks, flat, out=local, mode="clip")
            tests = tests_out[where]
            for first, stop, shift in self.test_bytes:
                byte = np.bitwise_or.reduce(local[first:stop], axis=0) if stop - first > 1 else local[first]
                if first == 0:
                    np.copyto(tests, byte)
                else:
                    tests |= np.multiply(byte, shift, out=shifted)
            np.bitwise_count(tests, out=count_out[where])
