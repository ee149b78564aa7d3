"""Would some rating of the scales rated 9 (not known) change the answer?

The booklet says a 9 makes accurate clustering impractical and calls for further assessment,
but many 9s cannot change anything (a scale no near cluster tests). Trying every filling-in
costs 5^k rankings; instead, a rank key is a sum of independent rows, so for the answer `a`
and a rival `c` the largest possible lead of `c` over `a` is the sum of each row's largest
lead, found row by row. The answer changes exactly when some filling-in puts a red breach on
`a` or some rival ahead of it; the rows whose lead can vary are the scales worth re-rating.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


def open_rows(values: tuple[int, ...]) -> tuple[OpenRow, ...]:
    """Each tested row touched by a 9; for 7/8, the higher of the two given what is known.

    The rows depend only on where the 9s are and, for 7/8, on the known one of the two: tabled
    per such pattern (the key is built by two C calls, no Python loop over the scales).
    """
    a, b = values[SCALE_7], values[SCALE_8]
    return _open_rows(bytes(values).translate(_NINES_ONLY), a, b)


@lru_cache(maxsize=8192)
def _open_rows(nines: bytes, a: int, b: int) -> tuple[OpenRow, ...]:
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
    return tuple(rows)


def open_scales(
    answer: int,
    rivals: Sequence[int],
    keys: Mapping[int, int],
    ranking_of: Callable[[int], PackedRanking],
    rows: Sequence[OpenRow],
    *,
    first_only: bool = False,
) -> dict[str, set[int]]:
    """Scale code -> the clusters at stake, for every 9-rated scale that could change `answer`.

    `rivals` are the clusters in scope in rank order (best key first); `keys` their best keys
    over every filling-in (what the suggestion was ranked by); `ranking_of` the ranking each
    cluster is scored with. Empty when no filling-in of the 9s changes the answer. Cluster 0
    (variance) never changes: with best keys, every cluster breaks a red rule whatever the 9s.
    `first_only` stops at the first scale found: enough to decide the status, whose questions
    are worded later, only if read.
    """
    if answer == 0 or not rows:
        return {}
    at_stake: dict[str, set[int]] = {}

    def mark(row: OpenRow, *clusters: int) -> None:
        for scale in row.scales:
            at_stake.setdefault(scale, set()).update(clusters)

    own_ranking = ranking_of(answer)
    own_place = own_ranking.positions[answer]
    own_bounds = [own_ranking.lane_bounds[row.index][own_place][row.low] for row in rows]
    worst_own = keys[answer] + sum(worst - best for best, worst in own_bounds)
    # the answer itself ruled out: a red (must score) breach for some rating of a 9 (then another
    # cluster, or cluster 0 if every cluster is breached)
    for row, (_, worst) in zip(rows, own_bounds, strict=True):
        if excluded(worst):
            mark(row, answer, 0)
            if first_only:
                return at_stake
    known_own = keys[answer] - sum(best for best, _ in own_bounds)
    # per row, looked up once: every cluster's (best, worst) and the answer's leads over each
    bounds_by_row = [(own_ranking.lane_bounds[row.index], row.low) for row in rows]
    leads_by_row: list[tuple[tuple[int, int], ...]] | None = None
    for rival in rivals:  # best first: once one stays behind even at its best, so do the rest
        if rival == answer:
            continue
        if keys[rival] > worst_own:
            break  # even at its best and the answer at its worst, the rival stays behind
        rival_ranking = ranking_of(rival)
        rival_place = rival_ranking.positions[rival]
        if rival_ranking is own_ranking:  # the usual case: the row-by-row leads are tabled
            known_rival = keys[rival] - sum(bounds[rival_place][low][0] for bounds, low in bounds_by_row)
            if leads_by_row is None:
                leads_by_row = [own_ranking.lead_bounds(row.index, row.low)[own_place] for row in rows]
            leads = [by_rival[rival_place] for by_rival in leads_by_row]
        else:
            known_rival = keys[rival] - sum(
                rival_ranking.lane_bounds[row.index][rival_place][row.low][0] for row in rows
            )  # one of the two is scored with its inferred red cells read as orange
            leads = []
            for row in rows:
                differences = [
                    o - t
                    for o, t in zip(_lanes(own_ranking, answer, row), _lanes(rival_ranking, rival, row), strict=True)
                ]
                leads.append((min(differences), max(differences)))
        if known_own - known_rival + sum(largest for _, largest in leads) <= 0:
            continue  # no filling-in puts the rival ahead
        for row, (smallest, largest) in zip(rows, leads, strict=True):
            if largest != smallest:
                mark(row, answer, rival)
        if first_only and at_stake:
            return at_stake
    return at_stake


def _lanes(ranking: PackedRanking, number: int, row: OpenRow) -> tuple[int, ...]:
    """A cluster's contribution from one row at each rating the row could hold."""
    contributions = ranking.cluster_lanes[row.index][ranking.positions[number]]
    return contributions if row.low == 0 else contributions[row.low :]
