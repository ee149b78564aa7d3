"""How one reference set differs from another: grid cells one by one, other parts by field.

A clustering lead loading the official grids needs to see exactly which cells change the
engine's behaviour before switching; this is that list.
"""

from __future__ import annotations

from dataclasses import dataclass

from carecluster.reference.models import RATINGS, SCALE_CODES, ReferenceSet


@dataclass(frozen=True, slots=True)
class CellChange:
    cluster: int
    scale: str
    rating: int
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class FieldChange:
    part: str
    field: str
    before: object
    after: object


@dataclass(frozen=True, slots=True)
class ReferenceDiff:
    cells: tuple[CellChange, ...]
    fields: tuple[FieldChange, ...]
    replaced_grids: tuple[int, ...]
    kept_grids: tuple[int, ...]

    @property
    def identical(self) -> bool:
        return not self.cells and not self.fields


def diff_reference(before: ReferenceSet, after: ReferenceSet) -> ReferenceDiff:
    cells: list[CellChange] = []
    replaced: list[int] = []
    kept: list[int] = []
    for number in sorted(set(before.grids) | set(after.grids)):
        old, new = before.grids.get(number), after.grids.get(number)
        if old is not None and new is not None and old == new:
            kept.append(number)
            continue
        replaced.append(number)
        for code in SCALE_CODES:
            for rating in RATINGS:
                a = old.cells[code][rating] if old else None
                b = new.cells[code][rating] if new else None
                if a != b:
                    cells.append(CellChange(number, code, rating, a, b))
    fields: list[FieldChange] = []
    for cluster_before, cluster_after in zip(before.clusters, after.clusters, strict=True):
        for name in type(cluster_before).model_fields:
            a, b = getattr(cluster_before, name), getattr(cluster_after, name)
            if a != b:
                fields.append(FieldChange(f"cluster {cluster_before.number}", name, a, b))
    if before.decision_tree != after.decision_tree:
        fields.append(FieldChange("decision tree", "*", "built-in", "replaced"))
    if before.mhct != after.mhct:
        fields.append(FieldChange("MHCT definition", "*", before.mhct.version, after.mhct.version))
    return ReferenceDiff(tuple(cells), tuple(fields), tuple(replaced), tuple(kept))
