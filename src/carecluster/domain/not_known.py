"""Would some rating of the scales rated 9 (not known) change the answer?

The booklet says a 9 makes accurate clustering impractical and calls for further assessment,
but many 9s cannot change anything (a scale no near cluster tests). Trying every filling-in
costs 5^k rankings; instead, a rank key is a sum of independent rows, so for the answer `a`
and a rival `c` the largest possible lead of `c` over `a` is the sum of each row's largest
lead, found row by row. The answer changes exactly when some filling-in puts a red breach on
`a` or some rival ahead of it; the rows whose lead can vary are the scales worth re-rating.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from functools import lru_cache

from carecluster.domain.grid_fit import SCALE_7, SCALE_8
from carecluster.domain.ranking import PackedRanking, excluded
from carecluster.reference.models import NOT_KNOWN, SCALE_CODES


@dataclass(frozen=True, slots=True)
class OpenRow:
    """A tested row with a 9 in it: the ratings it could hold and the scales to re-rate."""

    index: int
    low: int
    """The row could hold any rating from `low` to 4 (for 7/8 with one known, the known one)."""
    scales: tuple[str, ...]


_NINES_ONLY = bytes(NOT_KNOWN if value == NOT_KNOWN else 0 for value in range(256))
_SINGLE_ROWS: dict[int, OpenRow] = {
    index: OpenRow(index, 0, (code,)) for index, code in enumerate(SCALE_CODES) if index not in (SCALE_7, SCALE_8)
}
"""The open row of each scale tested on its own: the same for every rating, so made once."""


@dataclass(frozen=True, slots=True)
class _AnswerTable:
    """What `open_scales` needs of one answer under one pattern of 9s, summed over the open rows.

    None of it depends on the known ratings, so it is worked out once per pattern, answer and
    ranking, and the rivals' entries once each, on first need.
    """

    spread: int
    """The answer's worst key minus its best: the sum over the open rows of worst - best."""
    red_rows: tuple[OpenRow, ...]
    """Open rows some rating of which puts a red (must score) breach on the answer."""
    best_sum: int
    """The answer's best contribution, summed over the open rows."""
    rivals: dict[int, tuple[int, tuple[OpenRow, ...]]]
    """Rival position -> (the rival's best-case gain on the answer: its best contributions'
    shortfall plus the largest leads, summed over the open rows; the rows whose lead varies)."""


@dataclass(frozen=True, slots=True)
class NinePattern:
    """Where the 9s of a rating are: the scales rated 9 and the tested rows they open.

    Tabled per pattern (see `nine_pattern`), with what `open_scales` works out per answer."""

    scales: tuple[str, ...]
    """The scales rated 9, in scale order (`Ratings.not_known`)."""
    rows: tuple[OpenRow, ...]
    tables: dict[tuple[PackedRanking, int], _AnswerTable]
    """(ranking, the answer's position in it) -> its table, filled on first need."""


def open_rows(values: tuple[int, ...]) -> tuple[OpenRow, ...]:
    """Each tested row touched by a 9; for 7/8, the higher of the two given what is known."""
    return nine_pattern(values).rows


def nine_pattern(values: tuple[int, ...]) -> NinePattern:
    """The pattern of 9s of a valid rating, tabled per pattern.

    The rows depend only on where the 9s are and, for 7/8 with one of the two rated 9, on the
    other one: the key is built by two C calls, no Python loop over the scales.
    """
    a, b = values[SCALE_7], values[SCALE_8]
    if a != NOT_KNOWN and b != NOT_KNOWN:
        a = b = 0  # the 7/8 row is not open: its ratings do not matter here
    return _nine_pattern(bytes(values).translate(_NINES_ONLY), a, b)


@lru_cache(maxsize=4096)  # about 2 kB a pattern with its tables; a sample of 8000 ratings meets ~1800
def _nine_pattern(nines: bytes, a: int, b: int) -> NinePattern:
    rows: list[OpenRow] = []
    index = nines.find(NOT_KNOWN)
    while index != -1:  # only the scales rated 9, in scale order
        single = _SINGLE_ROWS.get(index)
        if single is not None:
            rows.append(single)
        elif index == SCALE_7 or (index == SCALE_8 and a != NOT_KNOWN):
            if a == NOT_KNOWN and b == NOT_KNOWN:
                rows.append(OpenRow(SCALE_7, 0, ("7", "8")))
            else:
                known = b if a == NOT_KNOWN else a
                rows.append(OpenRow(SCALE_7, known, ("7",) if a == NOT_KNOWN else ("8",)))
        index = nines.find(NOT_KNOWN, index + 1)
    scales = tuple(code for code, mark in zip(SCALE_CODES, nines, strict=True) if mark == NOT_KNOWN)
    return NinePattern(scales, tuple(rows), {})


def _answer_table(pattern: NinePattern, ranking: PackedRanking, place: int) -> _AnswerTable:
    table = pattern.tables.get((ranking, place))
    if table is None:
        bounds = [ranking.lane_bounds[row.index][place][row.low] for row in pattern.rows]
        table = _AnswerTable(
            spread=sum(worst - best for best, worst in bounds),
            red_rows=tuple(row for row, (_, worst) in zip(pattern.rows, bounds, strict=True) if excluded(worst)),
            best_sum=sum(best for best, _ in bounds),
            rivals={},
        )
        pattern.tables[(ranking, place)] = table
    return table


def _rival_entry(
    pattern: NinePattern, ranking: PackedRanking, place: int, table: _AnswerTable, rival_place: int
) -> tuple[int, tuple[OpenRow, ...]]:
    entry = table.rivals.get(rival_place)
    if entry is None:
        rival_best = 0
        largest_sum = 0
        varying = []
        for row in pattern.rows:
            rival_best += ranking.lane_bounds[row.index][rival_place][row.low][0]
            smallest, largest = ranking.lead_bounds(row.index, row.low)[place][rival_place]
            largest_sum += largest
            if largest != smallest:
                varying.append(row)
        entry = (rival_best - table.best_sum + largest_sum, tuple(varying))
        table.rivals[rival_place] = entry
    return entry


def can_change(
    answer: int,
    rivals: Sequence[int],
    keys: Sequence[int],
    ranking: PackedRanking,
    relaxed_ranking: PackedRanking,
    relaxed: Container[int],
    pattern: NinePattern,
) -> bool:
    """Whether some rating of the 9s changes `answer`: `open_scales` non-empty, decided at the
    first scale found and without collecting which (the status needs no more)."""
    if answer == 0 or not pattern.rows:
        return False
    own_ranking = relaxed_ranking if answer in relaxed else ranking
    own_place = own_ranking.positions[answer]
    own = pattern.tables.get((own_ranking, own_place)) or _answer_table(pattern, own_ranking, own_place)
    if own.red_rows:
        return True
    answer_key = keys[answer]
    worst_own = answer_key + own.spread
    entries = own.rivals
    for rival in rivals:  # best first: once one stays behind even at its best, so do the rest
        if rival == answer:
            continue
        rival_key = keys[rival]
        if rival_key > worst_own:
            return False
        rival_ranking = relaxed_ranking if rival in relaxed else ranking
        if rival_ranking is own_ranking:
            rival_place = own_ranking.positions[rival]
            entry = entries.get(rival_place) or _rival_entry(pattern, own_ranking, own_place, own, rival_place)
            if answer_key - rival_key + entry[0] > 0 and entry[1]:
                return True
        elif _mixed_rows(answer, answer_key - own.best_sum, own_ranking, rival, rival_key, rival_ranking, pattern):
            return True
    return False


def open_scales(
    answer: int,
    rivals: Sequence[int],
    keys: Sequence[int],
    ranking: PackedRanking,
    relaxed_ranking: PackedRanking,
    relaxed: Container[int],
    pattern: NinePattern,
) -> dict[str, set[int]]:
    """Scale code -> the clusters at stake, for every 9-rated scale that could change `answer`.

    `rivals` are the clusters in scope in rank order (best key first); `keys[n]` cluster n's best
    key over every filling-in (what the suggestion was ranked by); each cluster is scored with
    `ranking`, or `relaxed_ranking` if it is in `relaxed`. Empty when no filling-in of the 9s
    changes the answer. Cluster 0 (variance) never changes: with best keys, every cluster breaks
    a red rule whatever the 9s. `can_change` says only whether this is empty.
    """
    if answer == 0 or not pattern.rows:
        return {}
    at_stake: dict[str, set[int]] = {}

    def mark(rows: Sequence[OpenRow], *clusters: int) -> None:
        for row in rows:
            for scale in row.scales:
                at_stake.setdefault(scale, set()).update(clusters)

    own_ranking = relaxed_ranking if answer in relaxed else ranking
    own_place = own_ranking.positions[answer]
    own = _answer_table(pattern, own_ranking, own_place)
    answer_key = keys[answer]
    worst_own = answer_key + own.spread
    # the answer itself ruled out: a red (must score) breach for some rating of a 9 (then another
    # cluster, or cluster 0 if every cluster is breached)
    mark(own.red_rows, answer, 0)
    for rival in rivals:  # best first: once one stays behind even at its best, so do the rest
        if rival == answer:
            continue
        rival_key = keys[rival]
        if rival_key > worst_own:
            break  # even at its best and the answer at its worst, the rival stays behind
        rival_ranking = relaxed_ranking if rival in relaxed else ranking
        if rival_ranking is own_ranking:  # the usual case: the row-by-row sums are tabled
            gain, varying = _rival_entry(pattern, own_ranking, own_place, own, own_ranking.positions[rival])
            if answer_key - rival_key + gain > 0:  # some filling-in puts the rival ahead
                mark(varying, answer, rival)
        else:
            mark(
                _mixed_rows(answer, answer_key - own.best_sum, own_ranking, rival, rival_key, rival_ranking, pattern),
                answer,
                rival,
            )
    return at_stake


def _mixed_rows(
    answer: int,
    known_own: int,
    own_ranking: PackedRanking,
    rival: int,
    rival_key: int,
    rival_ranking: PackedRanking,
    pattern: NinePattern,
) -> tuple[OpenRow, ...]:
    """The open rows whose rating decides between `answer` and a rival scored by another ranking
    (one of the two with its inferred red cells read as orange); none if the rival stays behind.

    `known_own` is the answer's key less its best contributions from the open rows."""
    rows = pattern.rows
    rival_place = rival_ranking.positions[rival]
    known_rival = rival_key - sum(rival_ranking.lane_bounds[row.index][rival_place][row.low][0] for row in rows)
    leads = []
    for row in rows:
        differences = [
            o - t for o, t in zip(_lanes(own_ranking, answer, row), _lanes(rival_ranking, rival, row), strict=True)
        ]
        leads.append((min(differences), max(differences)))
    if known_own - known_rival + sum(largest for _, largest in leads) <= 0:
        return ()  # no filling-in puts the rival ahead
    return tuple(row for row, (smallest, largest) in zip(rows, leads, strict=True) if largest != smallest)


def _lanes(ranking: PackedRanking, number: int, row: OpenRow) -> tuple[int, ...]:
    """A cluster's contribution from one row at each rating the row could hold."""
    contributions = ranking.cluster_lanes[row.index][ranking.positions[number]]
    return contributions if row.low == 0 else contributions[row.low :]
