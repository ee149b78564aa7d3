"""The vectorised allocation engine: many ratings at once, the same answers as `allocate()`.

Input is a (18, N) array of rating codes (scale-major, as columns arrive from Arrow and Polars
files), a scope code per record (the clinician's super class or heading, see
`BatchTables.scopes`) and optionally the allocated cluster per record. Records are processed
in slices of a few thousand so that the (slice x clusters) key matrices stay in the CPU's L2
cache: the run is bound by table gathers, not by memory, and uses the same few megabytes
whatever the number of records.

Per slice: one row of each group table per record is gathered and summed into every cluster's
compact rank key (see `tables`); the smallest key names the best cluster in scope, its lowest
position among equals being the lowest cluster number; the smallest key with the position bits
reversed names the highest, and the two differ exactly when the single engine reports a tie.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carecluster.batch.tables import N_SCALES, BatchTables

CHUNK_ROWS = 8192
"""Records per slice: its three (slice x 20) uint32 buffers stay near a 2 MB L2 cache (measured)."""


class BatchInputError(ValueError):
    """Arrays given to the engine that are not ratings, scopes or clusters."""


@dataclass(frozen=True, slots=True)
class BatchArrays:
    """The engine's answer, one entry per record."""

    suggested: np.ndarray
    """int8: the suggested cluster, 0 when no cluster in scope is confirmed."""
    status: np.ndarray
    """uint8: index into `tables.STATUSES` (suggested, tie, variance, needs_further_assessment)."""
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
            raise BatchInputError("a value below 0 or above 9 is not a rating (use 0-4, or 9 for not known)")
        ratings = ratings.astype(np.uint8)
    if ratings.size and ratings.max() > 9:
        raise BatchInputError("a value above 9 is not a rating (use 0-4, or 9 for not known)")
    return np.ascontiguousarray(ratings)


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
    if len(scopes) != n_records or (n_records and int(scopes.max()) >= len(tables.scopes)):
        raise BatchInputError("scope codes must be one per record and index tables.scopes")
    alloc_pos = None
    if allocated is not None:
        allocated = np.asarray(allocated)
        if len(allocated) != n_records:
            raise BatchInputError("allocated clusters must be one per record")
        if n_records and (allocated.min() < -1 or allocated.max() > 21):
            raise BatchInputError("allocated clusters must be 0-21 (or -1 for none)")
        alloc_pos = tables.position_of[np.where(allocated < 0, 0, allocated)]
        known = (allocated > 0) & (alloc_pos < 0)
        if known.any():
            raise BatchInputError(f"cluster {int(allocated[known][0])} is never allocated")
    return _Kernel(tables, min(chunk_rows, max(n_records, 1))).run(codes, scopes, alloc_pos)


class _Kernel:
    """Buffers for one run, reused slice after slice (no allocation inside the loop)."""

    def __init__(self, tables: BatchTables, chunk: int) -> None:
        self.tables = tables
        self.chunk = chunk
        layout = tables.layout
        n_clusters = tables.n_clusters
        key_dtype = layout.dtype
        self.acc = np.empty((chunk, n_clusters), key_dtype)
        self.tmp = np.empty((chunk, n_clusters), key_dtype)
        self.keys = np.empty((n_clusters, chunk), key_dtype)  # clusters-major: fast reductions
        index_dtype = max((g.index_dtype for g in tables.groups), key=lambda d: d.itemsize)
        self.index = np.empty((len(tables.groups), chunk), index_dtype)
        k = key_dtype.type
        self.position_mask = k((1 << layout.position_bits) - 1)
        self.confirmed_mask = k(
            (layout.masks["red_breaches"] << layout.shifts["red_breaches"])
            | (layout.masks["red_unconfirmed"] << layout.shifts["red_unconfirmed"])
        )
        self.invalid = k(layout.invalid)
        offsets = [group.mask_offset for group in tables.groups]
        self.mask_offsets = np.array(offsets, dtype=np.uint32)[:, None]
        self.red_masks, self.orange_masks = tables.red_masks, tables.orange_masks

    def run(self, codes: np.ndarray, scopes: np.ndarray, alloc_pos: np.ndarray | None) -> BatchArrays:
        n_records = codes.shape[1]
        out = BatchArrays(
            suggested=np.zeros(n_records, np.int8),
            status=np.zeros(n_records, np.uint8),
            orange_mismatches=np.zeros(n_records, np.uint8),
            orange_tests=np.zeros(n_records, np.uint32),
            red_breaches=np.zeros(n_records, np.uint8),
            red_tests=np.zeros(n_records, np.uint32),
        )
        for start in range(0, n_records, self.chunk):
            stop = min(start + self.chunk, n_records)
            self._slice(
                codes[:, start:stop],
                scopes[start:stop],
                None if alloc_pos is None else alloc_pos[start:stop],
                out,
                slice(start, stop),
            )
        return out

    def _gather(self, codes: np.ndarray, scopes: np.ndarray, n: int) -> np.ndarray:
        """Every cluster's compact rank key for every record of the slice: (clusters, n)."""
        acc, tmp = self.acc[:n], self.tmp[:n]
        for g, group in enumerate(self.tables.groups):
            index = self.index[g, :n]
            for i, (column, radix) in enumerate(zip(group.columns, group.radices, strict=True)):
                values = scopes if column == N_SCALES else codes[column]
                if i == 0:
                    np.copyto(index, values, casting="unsafe")
                else:
                    index *= radix
                    index += values
            # mode="clip": every index is in range by construction (codes <= 9 were checked)
            np.take(group.keys, index, axis=0, out=acc if g == 0 else tmp, mode="clip")
            if g:
                acc += tmp
        keys = self.keys[:, :n]
        np.copyto(keys, acc.T)  # clusters-major: the reductions below run down contiguous rows
        return keys

    def _slice(
        self, codes: np.ndarray, scopes: np.ndarray, alloc_pos: np.ndarray | None, out: BatchArrays, where: slice
    ) -> None:
        tables, layout = self.tables, self.tables.layout
        n = codes.shape[1]
        keys = self._gather(codes, scopes, n)
        best = keys.min(axis=0)
        if best.max() >= self.invalid:
            row = int(np.flatnonzero(best >= self.invalid)[0])
            raise BatchInputError(f"record {where.start + row + 1}: a rating code 5-8 is not a rating")
        np.bitwise_xor(keys, self.position_mask, out=keys)
        highest = keys.min(axis=0)
        highest ^= best
        position = best & self.position_mask
        # tie: the lowest and highest positions among the smallest keys differ
        tie = (highest & self.position_mask) != self.position_mask
        confirmed = (best & self.confirmed_mask) == 0
        # status: suggested 0 / tie 1 when confirmed; else variance 2 / needs assessment 3
        unconfirmed = layout.field(best, "red_breaches") == 0  # (if not confirmed)
        status = np.add(unconfirmed, 2, dtype=np.uint8)
        np.copyto(status, tie, where=confirmed)
        out.status[where] = status
        suggested = np.take(tables.numbers, position)
        suggested *= confirmed
        out.suggested[where] = suggested
        orange = layout.field(best, "orange_mismatches").astype(np.uint8)
        orange *= confirmed
        out.orange_mismatches[where] = orange
        # which tested rows: the suggestion's orange mismatches, the allocation's red breaches
        base = self._base(n)
        if orange.any():
            tests = self._tests(base, self.orange_masks, position)
            tests *= orange != 0
            out.orange_tests[where] = tests
        if alloc_pos is not None:
            tests = self._tests(base, self.red_masks, alloc_pos)
            tests *= alloc_pos >= 0
            out.red_tests[where] = tests
            out.red_breaches[where] = np.bitwise_count(tests)

    def _base(self, n: int) -> np.ndarray:
        """Per group and record, where its gathered table row starts in the mask tables."""
        base = self.index[:, :n].astype(np.uint32)
        base *= self.tables.n_clusters
        base += self.mask_offsets
        return base

    def _tests(self, base: np.ndarray, masks: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The tested rows that make up one cluster's red breaches (orange mismatches) per record."""
        flat = base + np.maximum(positions, 0).astype(np.uint32)
        return np.bitwise_or.reduce(np.take(masks, flat), axis=0)
