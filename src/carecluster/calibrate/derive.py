"""Derive a grid set from a tally of a provider's history: shares, intervals, colours, provenance.

Pure: a `Tally` and the base reference set in, a `Derived` out; nothing is read or written here.

For each cluster with enough records, and each tested row (scales 7 and 8 as one, the higher of
the two), the share of the cluster's known ratings (9s left out, counted and reported) at each
rating 0-4, with a confidence interval. The colours follow `Thresholds`:

1. Red (must score): the narrowest range of 1 to `red_max_width` adjacent ratings, starting at 1
   or above, each rating of which holds at least `orange_cell`, that together hold at least
   `red_share` of the ratings while no rating outside it holds `red_outside_cell` or more. Why
   each condition: a must-range is what (nearly) everyone in the cluster scores, so its share
   is high; a rating inside it that few score is a tail, not part of the core; a rating outside
   it that a real minority scores is a 'may', which a must-rule would contradict; a range that starts at 0 ('must not score above
   x') cannot be told apart by shares from a row expected at 0, which nearly every cluster has
   on most scales, so absence rules stay orange for a clinician to promote; a range of four or
   five ratings excludes almost nobody and is not worth an exclusion rule.
2. Otherwise each rating by its own share: expected (orange) from `orange_cell`, may (yellow)
   from `yellow_cell`, unlikely below. The same tail cut (yellow_cell) applies beside red cells.

Confidence: a row is "medium" (it behaves as confirmed: its red cells may exclude) when it rests
on at least `supported_ratings` known ratings and, for a red row, the interval's lower bound of
the range's share is at least `red_lower`; otherwise "low", so the engine treats its red cells
as inferred and asks before excluding. A row with fewer than `min_row_ratings` known ratings
keeps its built-in cells; a cluster with fewer than `min_cluster_records` records keeps its whole
built-in grid. Both say so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np

from carecluster.calibrate.counts import N_ROWS, Tally
from carecluster.calibrate.intervals import Method, interval
from carecluster.domain.grid_fit import TESTED_ROWS, grid_row
from carecluster.reference.models import CONFIRMED, SCALE_CODES, ReferenceSet


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The tunable rules of `derive` (see the module docstring for why each)."""

    min_cluster_records: int = 100
    min_row_ratings: int = 30
    supported_ratings: int = 200
    red_share: float = 0.90
    red_lower: float = 0.85
    red_max_width: int = 3
    red_outside_cell: float = 0.05
    orange_cell: float = 0.15
    yellow_cell: float = 0.025
    level: float = 0.95
    method: Method = "wilson"


@dataclass(frozen=True, slots=True)
class DerivedRow:
    cluster: int
    row: str
    counts: list[int]
    """Ratings 0-4."""
    not_known: int
    share: list[float | None]
    lower: list[float | None]
    upper: list[float | None]
    colours: list[str]
    builtin: list[str]
    red_range: list[int] | None
    red_share: float | None
    red_lower: float | None
    confidence: str
    kept_builtin: bool
    note: str

    @property
    def n(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class DerivedCluster:
    cluster: int
    records: int
    derived: bool
    note: str
    rows: list[DerivedRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Derived:
    """The derived grids and everything that backs them, ready for a reference file and a report."""

    provider: str
    id: str
    version: str
    thresholds: Thresholds
    first: date | None
    last: date | None
    records: int
    clusters: list[DerivedCluster]

    def cluster(self, number: int) -> DerivedCluster:
        return next(c for c in self.clusters if c.cluster == number)

    def cells(self, number: int) -> dict[str, tuple[str, ...]]:
        """The grid cells of a derived cluster, rows 7 and 8 both holding the 7/8 row."""
        by_row = {r.row: tuple(r.colours) for r in self.cluster(number).rows}
        return {code: by_row["7/8" if code in ("7", "8") else code] for code in SCALE_CODES}

    def period(self) -> str:
        if self.first is None or self.last is None:
            return "dates not given"
        return f"{self.first.isoformat()} to {self.last.isoformat()}"

    def reference_file(self) -> dict[str, Any]:
        """A provider reference file (JSON-able) that `load_reference` lays over the built-in set."""
        grids: dict[str, Any] = {}
        for c in self.clusters:
            if not c.derived:
                continue
            row_provenance = {}
            for r in c.rows:
                entry = {
                    "source": r.note if r.kept_builtin else self._source(c.cluster, r.n),
                    "confidence": r.confidence,
                    "note": None if r.kept_builtin else self._counts_note(r),
                }
                for code in ("7", "8") if r.row == "7/8" else (r.row,):
                    row_provenance[code] = entry
            overall = "medium" if all(r.confidence == "medium" for r in c.rows) else "low"
            grids[str(c.cluster)] = {
                "cells": {code: list(colours) for code, colours in self.cells(c.cluster).items()},
                "provenance": {"source": self._source(c.cluster, c.records), "confidence": overall, "note": c.note},
                "basis": describe_thresholds(self.thresholds),
                "row_provenance": row_provenance,
            }
        kept = [c for c in self.clusters if not c.derived]
        description = (
            f"Grids derived by carecluster calibrate from {self.records} allocations of {self.provider} "
            f"({self.period()}). "
            + (
                "Built-in grids kept for: " + "; ".join(f"cluster {c.cluster} ({c.note})" for c in kept) + "."
                if kept
                else "Every allocatable cluster was derived."
            )
        )
        return {
            "id": self.id,
            "version": self.version,
            "name": f"Derived from {self.provider}'s clustering history ({self.period()})",
            "description": description,
            "provenance": {
                "source": f"carecluster calibrate: {self.records} allocations, {self.provider}, {self.period()}",
                "confidence": "low",
                "note": "derived from local clustering history; validate and sign off before clinical use",
            },
            "grids": grids,
        }

    def _source(self, cluster: int, n: int) -> str:
        return f"derived from {n} allocations to cluster {cluster}, {self.provider}, {self.period()}"

    @staticmethod
    def _counts_note(r: DerivedRow) -> str:
        shares = ", ".join(f"{s:.3f}" if s is not None else "-" for s in r.share)
        red = (
            f"; red range {r.red_range[0]}-{r.red_range[-1]} holds {r.red_share:.3f} (lower bound {r.red_lower:.3f})"
            if r.red_range
            else ""
        )
        return f"known ratings {r.n} (9s left out: {r.not_known}); counts 0-4 {r.counts}; shares {shares}{red}"

    def summary(self) -> dict[str, Any]:
        """Everything behind the grids as plain JSON (counts, shares, intervals, notes)."""
        return {
            "provider": self.provider,
            "id": self.id,
            "version": self.version,
            "records": self.records,
            "first": None if self.first is None else self.first.isoformat(),
            "last": None if self.last is None else self.last.isoformat(),
            "thresholds": asdict(self.thresholds),
            "clusters": [asdict(c) for c in self.clusters],
        }


def describe_thresholds(t: Thresholds) -> str:
    return (
        f"Red: narrowest run of 1-{t.red_max_width} ratings from 1 up, each >= {t.orange_cell:.0%}, holding "
        f">= {t.red_share:.0%} of the cluster's "
        f"known ratings, no rating outside it >= {t.red_outside_cell:.0%}; else orange >= {t.orange_cell:.0%}, "
        f"yellow >= {t.yellow_cell:.1%}, blank below. Medium confidence from {t.supported_ratings} known ratings "
        f"(red rows: {t.level:.0%} {t.method} lower bound >= {t.red_lower:.0%}), else low."
    )


def red_range(shares: np.ndarray, t: Thresholds) -> tuple[int, int] | None:
    """The must-range of one row's five shares by rule 1, or None."""
    best: tuple[int, int] | None = None
    best_key: tuple[int, float] | None = None
    cumulative = np.concatenate([[0.0], np.cumsum(shares)])
    for lo in range(1, 5):
        for hi in range(lo, min(lo + t.red_max_width, 5)):
            held = cumulative[hi + 1] - cumulative[lo]
            outside = np.concatenate([shares[:lo], shares[hi + 1 :]])
            thin = shares[lo : hi + 1].min() < t.orange_cell
            if thin or held < t.red_share or (outside.size and outside.max() >= t.red_outside_cell):
                continue
            key = (hi - lo, -held)
            if best_key is None or key < best_key:
                best, best_key = (lo, hi), key
    return best


def colour_row(shares: np.ndarray, t: Thresholds) -> tuple[list[str], tuple[int, int] | None]:
    """The five colours of one row from its shares (9s already left out)."""
    must = red_range(shares, t)
    colours = np.where(shares >= t.yellow_cell, "may", "unlikely").astype(object)
    if must is None:
        colours[shares >= t.orange_cell] = "expected"
    else:
        colours[must[0] : must[1] + 1] = "must"
    return [str(c) for c in colours], must


def derive(
    tally: Tally,
    base: ReferenceSet,
    *,
    provider: str,
    id: str,
    version: str,
    thresholds: Thresholds | None = None,
) -> Derived:
    """Derive every allocatable cluster's grid from `tally`; see the module docstring."""
    t = thresholds or Thresholds()
    ratings = tally.ratings
    n = ratings.sum(axis=2)
    lower, upper = interval(ratings, n[..., None], t.level, t.method)
    clusters = []
    for number in base.allocatable_clusters:
        records = int(tally.records[number])
        grid = base.grids[number]
        if records < t.min_cluster_records:
            note = f"built-in grid kept: only {records} records (at least {t.min_cluster_records} needed)"
            clusters.append(DerivedCluster(number, records, False, note))
            continue
        rows = []
        for i, row in enumerate(TESTED_ROWS):
            builtin: list[str] = list(grid.cells[grid_row(row)])
            known = int(n[number, i])
            counts = [int(x) for x in ratings[number, i]]
            if known < t.min_row_ratings:
                note = f"built-in row kept: only {known} known ratings (at least {t.min_row_ratings} needed)"
                nothing: list[float | None] = [None] * 5
                confidence = grid.provenance_of(grid_row(row)).confidence
                rows.append(
                    DerivedRow(
                        number,
                        row,
                        counts,
                        int(tally.not_known[number, i]),
                        nothing,
                        nothing,
                        nothing,
                        builtin,
                        builtin,
                        None,
                        None,
                        None,
                        confidence,
                        True,
                        note,
                    )
                )
                continue
            shares = ratings[number, i] / known
            colours, must = colour_row(shares, t)
            held = held_lower = None
            if must is not None:
                k = int(ratings[number, i, must[0] : must[1] + 1].sum())
                held = k / known
                held_lower = float(interval(np.array([k]), np.array([known]), t.level, t.method)[0][0])
            supported = known >= t.supported_ratings and (must is None or (held_lower or 0) >= t.red_lower)
            rows.append(
                DerivedRow(
                    cluster=number,
                    row=row,
                    counts=counts,
                    not_known=int(tally.not_known[number, i]),
                    share=[float(s) for s in shares],
                    lower=[float(x) for x in lower[number, i]],
                    upper=[float(x) for x in upper[number, i]],
                    colours=colours,
                    builtin=builtin,
                    red_range=None if must is None else list(range(must[0], must[1] + 1)),
                    red_share=held,
                    red_lower=held_lower,
                    confidence="medium" if supported else "low",
                    kept_builtin=False,
                    note="derived" if supported else f"derived, weakly supported ({known} known ratings)",
                )
            )
        weak = sum(r.confidence == "low" and not r.kept_builtin for r in rows)
        kept = sum(r.kept_builtin for r in rows)
        note = f"derived from {records} records; {weak} weakly supported row(s), {kept} built-in row(s) kept"
        if all(r.colours == r.builtin for r in rows) and grid.provenance.confidence not in CONFIRMED:
            note += (
                "; every cell equals the built-in inferred grid, so the loader reads it as inferred (low) "
                "whatever its support: its red cells keep asking before they exclude"
            )
        clusters.append(DerivedCluster(number, records, True, note, rows))
    return Derived(
        provider=provider,
        id=id,
        version=version,
        thresholds=t,
        first=tally.first,
        last=tally.last,
        records=int(tally.records[list(base.allocatable_clusters)].sum()),
        clusters=clusters,
    )


__all__ = ["N_ROWS", "Derived", "DerivedCluster", "DerivedRow", "Thresholds", "colour_row", "derive", "red_range"]


def as_reference(derived: Derived, base: ReferenceSet, source: str = "derived grids") -> ReferenceSet:
    """The derived grids laid over `base`, exactly as `load_reference` would lay the written file."""
    from carecluster.reference.loader import overlay
    from carecluster.reference.models import ReferenceFile

    return overlay(base, ReferenceFile.model_validate(derived.reference_file()), source)
