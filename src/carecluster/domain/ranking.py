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
the contributions of the 17 rows are added in 9 integer additions (neighbouring rows tabled in
pairs, see `PackedRanking.total`). No field can overflow: a
count is at most 17 and a distance at most 17 x 4 = 68, below 256.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import add, mul

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


def excluded(key: int) -> bool:
    """True when the key carries a red breach: red breaches are the most significant field, so
    every key at or above `EXCLUDED_FROM` has one."""
    return key >= EXCLUDED_FROM


def unpack(key: int) -> tuple[int, ...]:
    """The rank fields of a packed key, in `RANK_FIELDS` order (the cluster number dropped)."""
    key >>= NUMBER_BITS
    fields = []
    for _ in RANK_FIELDS:
        fields.append(key & FIELD_MASK)
        key >>= FIELD_BITS
    return tuple(reversed(fields))


_RATED = frozenset((*range(NOT_KNOWN_STATE), NOT_KNOWN))


def _pair_state(a: int, b: int) -> int:
    """The state of the 7/8 row: the higher of two known ratings, either not known, or k or more."""
    if a != NOT_KNOWN and b != NOT_KNOWN:
        return a if a > b else b
    if a == NOT_KNOWN and b == NOT_KNOWN:
        return NOT_KNOWN_STATE
    return AT_LEAST + (a if a != NOT_KNOWN else b)


_RED_SHIFT = NUMBER_BITS + FIELD_BITS * (len(RANK_FIELDS) - 1 - RANK_FIELDS.index("red_breaches"))
_UNCONFIRMED_SHIFT = NUMBER_BITS + FIELD_BITS * (len(RANK_FIELDS) - 1 - RANK_FIELDS.index("red_unconfirmed"))
EXCLUDED_FROM = 1 << _RED_SHIFT
_ORANGE_SHIFT = NUMBER_BITS + FIELD_BITS * (len(RANK_FIELDS) - 1 - RANK_FIELDS.index("orange_mismatches"))


class PackedRanking:
    """Rank keys of all clusters of one reference set, for any rating, by table look-up.

    A 9 (not known) is read as the set of ratings it could be. The key of a cluster for a rating
    with 9s is its best key over every way of filling them in (`tables`, the per-cluster minimum
    of each row's contributions, exact because a key is a sum of independent rows). So the
    cluster ranked first is the answer for at least one filling-in, and whether some filling-in
    would change the answer can be decided row by row from `row_lanes` (see
    `not_known.open_scales`) rather than by trying all 5^k of them.
    """

    def __init__(self, clusters: Sequence[tuple[int, tuple[RowTest, ...]]]) -> None:
        self.numbers: tuple[int, ...] = tuple(number for number, _ in clusters)
        self.shifts: tuple[int, ...] = tuple(LANE_BITS * lane for lane in range(len(clusters)))
        self.base = sum(number << shift for number, shift in zip(self.numbers, self.shifts, strict=True))
        row_indexes = [row.index for row in clusters[0][1]]
        self.tables: list[tuple[int, list[int]]] = []
        self.row_lanes: dict[int, list[tuple[int, ...]]] = {}
        """Scale index -> for each known rating 0-4, every cluster's contribution (in `numbers` order)."""
        self.cluster_lanes: dict[int, tuple[tuple[int, ...], ...]] = {}
        """Scale index -> for each cluster (in `numbers` order), its contribution at ratings 0-4."""
        self.lane_bounds: dict[int, tuple[tuple[tuple[int, int], ...], ...]] = {}
        """Scale index -> per cluster, per lowest rating the row could hold: (best, worst) contribution."""
        self.positions: dict[int, int] = {number: place for place, number in enumerate(self.numbers)}
        self._lead_bounds: dict[tuple[int, int], tuple[tuple[tuple[int, int], ...], ...]] = {}
        for position, index in enumerate(row_indexes):
            lanes: list[tuple[int, ...]] = []
            for rating in range(NOT_KNOWN_STATE):
                contribution = []
                for _, rows in clusters:
                    row = rows[position]
                    assert row.index == index, "every cluster's rows are compiled in scale order"
                    fit = GridFit()
                    evaluate_row(row, rating, rating, fit)
                    contribution.append(pack(fit.rank_fields()))
                lanes.append(tuple(contribution))
            self.row_lanes[index] = lanes
            per_cluster = tuple(zip(*lanes, strict=True))
            self.cluster_lanes[index] = per_cluster
            self.lane_bounds[index] = tuple(
                tuple((min(c[low:]), max(c[low:])) for low in range(NOT_KNOWN_STATE)) for c in per_cluster
            )
            best = []
            for state in range(STATES):
                lo, hi = state_range(state)
                best.append(self._pack_lanes([min(c) for c in zip(*lanes[lo : hi + 1], strict=True)]))
            self.tables.append((index, best))
        # the same tables indexed by the ratings themselves (9 = not known), for `total`: the 16
        # rows tested on their own, taken in pairs of neighbours (1-2, 3-4, 5-6, 9-10, ..., D-E), by
        # 10 x first + second, and the 7/8 row by 10 x scale 7 + scale 8; so 9 additions, not 17
        by_rating = [
            [table[value if value != NOT_KNOWN else NOT_KNOWN_STATE] if value in _RATED else 0 for value in range(10)]
            for index, table in self.tables
            if index != SCALE_7
        ]
        assert len(by_rating) % 2 == 0, "the rows tested on their own pair up"
        self._pairs: tuple[list[int], ...] = tuple(
            [first[a] + second[b] for a in range(10) for b in range(10)]
            for first, second in zip(by_rating[0::2], by_rating[1::2], strict=True)
        )
        self._pair_78: list[int] = [0] * 100
        table_78 = next(table for index, table in self.tables if index == SCALE_7)
        for a in _RATED:
            for b in _RATED:
                self._pair_78[10 * a + b] = self.base + table_78[_pair_state(a, b)]  # the numbers too
        self._tens = (10,) * len(self._pairs)

    def _pack_lanes(self, lanes: Sequence[int]) -> int:
        return sum(lane << shift for lane, shift in zip(lanes, self.shifts, strict=True))

    def keys(self, values: tuple[int, ...]) -> list[int]:
        """One packed rank key per cluster, in `numbers` order; smaller is better.

        With 9s, each cluster's best key over the ways the 9s could be filled in.
        """
        total = self.total(values)
        return [(total >> shift) & LANE_MASK for shift in self.shifts]

    def total(self, values: tuple[int, ...]) -> int:
        """Every cluster's key side by side in one integer (see `keys`, `key_at`).

        One C-level sum of 9 table entries picked by the ratings themselves (the rows in pairs,
        see `__init__`): `plain_total` is the same sum written out row by row."""
        single = values[:SCALE_7] + values[SCALE_8 + 1 :]
        pair_index = map(add, map(mul, single[0::2], self._tens), single[1::2])
        start = self._pair_78[10 * values[SCALE_7] + values[SCALE_8]]
        return sum(map(list.__getitem__, self._pairs, pair_index), start)

    def plain_total(self, values: tuple[int, ...]) -> int:
        """`total`, row by row from `tables` (kept to test the fast one against)."""
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
        return total

    def lead_bounds(self, index: int, low: int) -> tuple[tuple[tuple[int, int], ...], ...]:
        """[a][b] -> (smallest, largest) of a's contribution minus b's, over ratings low..4 of one
        row (positions in `numbers`). Built on first use per row and lowest rating, then kept."""
        cached = self._lead_bounds.get((index, low))
        if cached is None:
            per_cluster = [c[low:] for c in self.cluster_lanes[index]]
            cached = tuple(
                tuple(
                    (
                        min(x - y for x, y in zip(mine, theirs, strict=True)),
                        max(x - y for x, y in zip(mine, theirs, strict=True)),
                    )
                    for theirs in per_cluster
                )
                for mine in per_cluster
            )
            self._lead_bounds[(index, low)] = cached
        return cached

    def key_at(self, total: int, position: int) -> int:
        """One cluster's key out of `total`, by its position in `numbers`."""
        return (total >> self.shifts[position]) & LANE_MASK
