"""Test ratings against one cluster's colour grid, exactly as the booklet's key says.

Red (must score): a rating outside the red cells is a breach and the cluster cannot be
suggested. Orange (expected): a rating off the orange cells is a weaker fit, by how far.
Yellow (may score): little bearing; shown, and ratings on blank cells of rows with no red or
orange break ties. Scales 7 and 8: the higher of the two is tested against the one 7/8 row.
Rating 9 (not known) is handled as the set of ratings it could be, so a test is decided where
every possibility agrees and is reported as not known otherwise; nothing is guessed.

The grid is compiled once per reference set into small tuples so that a whole allocation runs
on every keystroke of a rating form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from carecluster.domain.results import Finding
from carecluster.reference.models import NOT_KNOWN, RATINGS, SCALE_CODES, ClusterGrid

SCALE_7 = SCALE_CODES.index("7")
SCALE_8 = SCALE_CODES.index("8")
FULL_RANGE = (0, 4)
PAIRED_ROW = "7/8"
"""The name of the one tested row that scales 7 and 8 share."""
TESTED_ROWS: tuple[str, ...] = tuple(PAIRED_ROW if code == "7" else code for code in SCALE_CODES if code != "8")
"""The 17 tested rows in scale order: scales 1-6, the 7/8 pair, 9-13 and A-E."""


def tested_row(scale: str) -> str:
    """The tested row a scale belongs to: '7/8' for scales 7 and 8 (the booklet's rule), else itself."""
    return PAIRED_ROW if scale in ("7", "8") else scale


def grid_row(tested: str) -> str:
    """The grid row that holds a tested row's cells (rows 7 and 8 carry the same cells)."""
    return "7" if tested == PAIRED_ROW else tested


def higher_of_7_and_8(scale_7: int, scale_8: int) -> int | None:
    """The rating the 7/8 row is tested with when both are known: the higher. None if either is 9
    (`possible_range` then gives the range it could be)."""
    if scale_7 == NOT_KNOWN or scale_8 == NOT_KNOWN:
        return None
    return max(scale_7, scale_8)


@dataclass(frozen=True, slots=True)
class RowTest:
    """One tested row: a scale (or the 7/8 pair) and what each rating 0-4 means for it."""

    scale: str
    index: int
    colours: tuple[str, ...]
    red: tuple[int, ...]
    red_distance: tuple[int, ...]
    orange: tuple[int, ...]
    """Ratings that satisfy the orange test: orange cells, plus red cells in a row that has both."""
    orange_distance: tuple[int, ...]
    yellow_only: bool
    """True when the row has no red and no orange cells; its blank cells then break ties."""


def _distances(targets: tuple[int, ...]) -> tuple[int, ...]:
    if not targets:
        return (0,) * len(RATINGS)
    return tuple(min(abs(r - t) for t in targets) for r in RATINGS)


def compile_rows(grid: ClusterGrid) -> tuple[RowTest, ...]:
    rows = []
    for index, code in enumerate(SCALE_CODES):
        if index == SCALE_8:
            continue  # tested together with scale 7
        colours = grid.row(code)
        red = tuple(r for r in RATINGS if colours[r] == "must")
        expected = tuple(r for r in RATINGS if colours[r] == "expected")
        orange = tuple(sorted(set(expected) | set(red))) if expected else ()
        rows.append(
            RowTest(
                scale=tested_row(code),
                index=index,
                colours=colours,
                red=red,
                red_distance=_distances(red),
                orange=orange,
                orange_distance=_distances(orange),
                yellow_only=not red and not expected,
            )
        )
    return tuple(rows)


def relax_red(row: RowTest) -> RowTest:
    """The row with its red (must score) cells read as orange (expected).

    Used for inferred red cells: a rating outside them then counts as a mismatch of the same
    distance, so the cluster is ranked as it would be were the inferred rule only an
    expectation (see `allocation` on inferred-rule conflicts).
    """
    if not row.red:
        return row
    orange = tuple(sorted(set(row.orange) | set(row.red)))
    return RowTest(
        scale=row.scale,
        index=row.index,
        colours=row.colours,
        red=(),
        red_distance=_distances(()),
        orange=orange,
        orange_distance=_distances(orange),
        yellow_only=False,
    )


def possible_range(values: tuple[int, ...], index: int) -> tuple[int, int]:
    """The ratings a row could hold: (lo, hi), equal when known.

    For 7/8 the higher of the two is tested: with one of them not known, the higher is at
    least the known one; with both not known, it could be anything.
    """
    if index == SCALE_7:
        a, b = values[SCALE_7], values[SCALE_8]
        if a != NOT_KNOWN and b != NOT_KNOWN:
            top = a if a > b else b
            return top, top
        known = a if a != NOT_KNOWN else b
        return (known, 4) if known != NOT_KNOWN else FULL_RANGE
    value = values[index]
    return (value, value) if value != NOT_KNOWN else FULL_RANGE


RANK_FIELDS = (
    "red_breaches",
    "red_distance",
    "red_unconfirmed",
    "orange_mismatches",
    "orange_distance",
    "unlikely",
)


@dataclass(slots=True)
class GridFit:
    red_breaches: list[Finding] = field(default_factory=list)
    red_unconfirmed: list[Finding] = field(default_factory=list)
    orange_mismatches: list[Finding] = field(default_factory=list)
    orange_not_known: list[Finding] = field(default_factory=list)
    unlikely: list[Finding] = field(default_factory=list)
    yellow: list[Finding] = field(default_factory=list)
    red_distance: int = 0
    orange_distance: int = 0

    @property
    def fit(self) -> str:
        if self.red_breaches:
            return "excluded"
        if self.red_unconfirmed:
            return "unconfirmed"
        return "weaker_fit" if self.orange_mismatches else "fits"

    def rank_fields(self) -> tuple[int, ...]:
        """The ranking, best first: fewest red breaches, then nearest to the red ranges, then
        fewest red scales not known, fewest orange mismatches, nearest to the orange ranges,
        fewest ratings on blank cells of yellow-only rows. See `RANK_FIELDS`.

        So a confirmed cluster always outranks an unconfirmed one, which outranks an excluded
        one. The cluster number, added by the ranking, names one suggestion among equals.
        """
        return (
            len(self.red_breaches),
            self.red_distance,
            len(self.red_unconfirmed),
            len(self.orange_mismatches),
            self.orange_distance,
            len(self.unlikely),
        )


def evaluate_row(row: RowTest, lo: int, hi: int, result: GridFit) -> None:
    """Add what one row says about ratings in lo..hi (one rating when lo == hi) to `result`.

    The single source of the colour rules: the detailed evaluation and the packed ranking
    tables are both built from this function.
    """
    known = lo == hi
    rating = lo if known else None
    colour = row.colours[lo] if known else None
    if row.red:
        in_red = [r in row.red for r in range(lo, hi + 1)]
        if not any(in_red):
            distance = min(row.red_distance[lo : hi + 1])
            result.red_breaches.append(Finding(row.scale, rating, colour, row.red, distance))
            result.red_distance += distance
            return
        if not all(in_red):
            result.red_unconfirmed.append(Finding(row.scale, rating, colour, row.red, 0))
            return
    if row.orange:
        distances = row.orange_distance[lo : hi + 1]
        nearest = min(distances)
        if nearest > 0:
            result.orange_mismatches.append(Finding(row.scale, rating, colour, row.orange, nearest))
            result.orange_distance += nearest
        elif max(distances) > 0:
            result.orange_not_known.append(Finding(row.scale, None, None, row.orange, 0))
        return
    if not known:
        return
    if colour == "unlikely" and row.yellow_only:
        result.unlikely.append(Finding(row.scale, rating, colour, (), 0))
    elif colour == "may" and rating:
        result.yellow.append(Finding(row.scale, rating, colour, (), 0))


def evaluate(rows: tuple[RowTest, ...], values: tuple[int, ...]) -> GridFit:
    """Every finding of one cluster's grid against one rating, for explanation."""
    result = GridFit()
    for row in rows:
        lo, hi = possible_range(values, row.index)
        evaluate_row(row, lo, hi, result)
    return result
