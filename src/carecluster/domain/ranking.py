"""Rank every cluster for one rating in microseconds, from tables compiled off the grids.

A rating form asks for a suggestion on every change of a field, and an analyst for millions of
them, so ranking must not walk 20 grids cell by cell each time. Each row of each grid is
compiled, once per reference set, into what it adds to the cluster's rank key for each state
the row can be in (a rating 0-4, not known, or for 7/8 "at least k"). The table entries are
produced by `grid_fit.evaluate_row`, the one implementation of the colour rules, so ranking
and explanation cannot disagree.

Packing: a cluster's rank key (see `grid_fit.RANK_FIELDS`, then the cluster number) is one
integer whose fields occupy 8 bits each, most significant first, so comparing keys compares
fields in order. All clusters' keys sit side by side in 64-bit lanes of one Python integer, and
the contributions of the 17 rows are added in 17 integer additions. No field can overflow: a
count is at most 17 and a distance at most 17 x 4 = 68, below 256.
"""

from __future__ import annotations

from collections.abc import Sequence

from carecluster.domain.grid_fit import RANK_FIELDS, SCALE_7, SCALE_8, GridFit, RowTest, evaluate_row
from carecluster.reference.models import NOT_KNOWN

FIELD_BITS = 8
NUMBER_BITS = 8
LANE_BITS = 64
FIELD_MASK = (1 << FIELD_BITS) - 1
LANE_MASK = (1 << LANE_BITS) - 1
NOT_KNOWN_STATE = 5
AT_LEAST = 6  # states 6..10: 7/8 with one scale known as k and the other not known: "k or more"
STATES = 11


def state_range(state: int) -> tuple[int, int]:
    if state < NOT_KNOWN_STATE:
        return state, state
    if state == NOT_KNOWN_STATE:
        return 0, 4
    return state - AT_LEAST, 4


def pack(fields: Sequence[int], number: int = 0) -> int:
    key = 0
    for value in fields:
        key = (key << FIELD_BITS) | value
    return (key << NUMBER_BITS) | number


def field_of(key: int, name: str) -> int:
    """One rank field of a packed key, without unpacking the rest."""
    shift = NUMBER_BITS + FIELD_BITS * (len(RANK_FIELDS) - 1 - RANK_FIELDS.index(name))
    return (key >> shift) & FIELD_MASK


def fit_of(key: int) -> str:
    """The booklet verdict a packed key implies: excluded, unconfirmed, weaker_fit or fits."""
    if (key >> _RED_SHIFT) & FIELD_MASK:
        return "excluded"
    if (key >> _UNCONFIRMED_SHIFT) & FIELD_MASK:
        return "unconfirmed"
    return "weaker_fit" if (key >> _ORANGE_SHIFT) & FIELD_MASK else "fits"


def unpack(key: int) -> tuple[int, ...]:
    """The rank fields of a packed key, in `RANK_FIELDS` order (the cluster number dropped)."""
    key >>= NUMBER_BITS
    fields = []
    for _ in RANK_FIELDS:
        fields.append(key & FIELD_MASK)
        key >>= FIELD_BITS
    return tuple(reversed(fields))


_RED_SHIFT = NUMBER_BITS + FIELD_BITS * (len(RANK_FIELDS) - 1 - RANK_FIELDS.index("red_breaches"))
_UNCONFIRMED_SHIFT = NUMBER_BITS + FIELD_BITS * (len(RANK_FIELDS) - 1 - RANK_FIELDS.index("red_unconfirmed"))
_ORANGE_SHIFT = NUMBER_BITS + FIELD_BITS * (len(RANK_FIELDS) - 1 - RANK_FIELDS.index("orange_mismatches"))


class PackedRanking:
    """Rank keys of all clusters of one reference set, for any rating, by table look-up."""

    def __init__(self, clusters: Sequence[tuple[int, tuple[RowTest, ...]]]) -> None:
        self.numbers: tuple[int, ...] = tuple(number for number, _ in clusters)
        self.shifts: tuple[int, ...] = tuple(LANE_BITS * lane for lane in range(len(clusters)))
        self.base = sum(number << shift for number, shift in zip(self.numbers, self.shifts, strict=True))
        row_indexes = [row.index for row in clusters[0][1]]
        self.tables: list[tuple[int, list[int]]] = []
        for position, index in enumerate(row_indexes):
            table = []
            for state in range(STATES):
                lo, hi = state_range(state)
                total = 0
                for (_, rows), shift in zip(clusters, self.shifts, strict=True):
                    row = rows[position]
                    assert row.index == index, "every cluster's rows are compiled in scale order"
                    fit = GridFit()
                    evaluate_row(row, lo, hi, fit)
                    total += pack(fit.rank_fields()) << shift
                table.append(total)
            self.tables.append((index, table))

    def keys(self, values: tuple[int, ...]) -> list[int]:
        """One packed rank key per cluster, in `numbers` order; smaller is better."""
        total = self.base
        for index, table in self.tables:
            if index == SCALE_7:
                a, b = values[SCALE_7], values[SCALE_8]
                if a != NOT_KNOWN and b != NOT_KNOWN:
                    state = a if a > b else b
                elif a == NOT_KNOWN and b == NOT_KNOWN:
                    state = NOT_KNOWN_STATE
                else:
                    state = AT_LEAST + (a if a != NOT_KNOWN else b)
            else:
                value = values[index]
                state = value if value != NOT_KNOWN else NOT_KNOWN_STATE
            total += table[state]
        return [(total >> shift) & LANE_MASK for shift in self.shifts]
