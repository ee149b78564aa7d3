"""Load the built-in reference set, or a provider's own file laid over it.

A provider's file (JSON or CSV) replaces the parts it defines and keeps the rest of the
built-in set, under the provider's own id and version, so every result names the set it came
from. Selection order: an explicit path, then `CARECLUSTER_REFERENCE`, then the built-in set.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from carecluster.reference.csv_grids import read_csv_grids
from carecluster.reference.errors import ReferenceError, problems_from
from carecluster.reference.models import (
    CONFIRMED,
    ClusterGrid,
    ProtocolSet,
    Provenance,
    ReferenceFile,
    ReferenceSet,
)

ENV_VAR = "CARECLUSTER_REFERENCE"


def _read_data(name: str) -> Any:
    return json.loads(resources.files("carecluster.reference.data").joinpath(name).read_text(encoding="utf-8"))


@cache
def builtin_reference() -> ReferenceSet:
    """The set shipped with carecluster: MHCT v3.1, booklet cluster data, inferred grids."""
    manifest = _read_data("reference_set.json")
    return ReferenceSet.model_validate(
        {
            "id": manifest["id"],
            "version": manifest["version"],
            "name": manifest["name"],
            "description": manifest["description"],
            "mhct": _read_data("mhct_v3_1.json"),
            "clusters": _read_data("clusters.json")["clusters"],
            "grids": _read_data("grids.json")["grids"],
            "decision_tree": _read_data("decision_tree.json"),
            "protocols": _read_data("protocols.json"),
        }
    )


def overlay(base: ReferenceSet, provider: ReferenceFile, source: str) -> ReferenceSet:
    """Lay a provider's parts over `base`; any inconsistency is reported against `source`."""
    problems: list[str] = []
    grids: dict[int, ClusterGrid] = dict(base.grids)
    for number, grid in provider.grids.items():
        provenance = grid.provenance or provider.provenance
        if provenance is None:
            problems.append(
                f"cluster {number}: no provenance; give the grid one, or the file a top-level "
                "'provenance' (source and confidence)"
            )
            continue
        doubt = _copied_inferred(base, number, grid.cells, provenance)
        if doubt is not None:  # a claim of confirmation for cells identical to inferred ones is not credible
            provenance = Provenance(source=provenance.source, confidence="low", note=doubt)
            grids[number] = ClusterGrid(cells=grid.cells, provenance=provenance, basis=grid.basis)
            continue
        grids[number] = ClusterGrid(
            cells=grid.cells, provenance=provenance, basis=grid.basis, row_provenance=grid.row_provenance
        )
    if problems:
        raise ReferenceError(source, problems)
    try:
        protocols = base.protocols
        if provider.protocols or provider.facts:
            protocols = ProtocolSet(
                facts={**base.protocols.facts, **(provider.facts or {})},
                clusters={**base.protocols.clusters, **(provider.protocols or {})},
                provenance=base.protocols.provenance,
            )
        return ReferenceSet(
            id=provider.id,
            version=provider.version,
            name=provider.name,
            description=provider.description or base.description,
            mhct=provider.mhct or base.mhct,
            clusters=provider.clusters or base.clusters,
            grids=grids,
            decision_tree=provider.decision_tree or base.decision_tree,
            protocols=protocols,
        )
    except ValidationError as error:
        raise ReferenceError(source, problems_from(error)) from None


COPIED_INFERRED = (
    "every cell is identical to the built-in inferred grid, so it is read as inferred (low confidence) "
    "whatever the file says: correct the cells from the official booklet first"
)


def _copied_inferred(base: ReferenceSet, number: int, cells: Mapping[str, Any], provenance: Provenance) -> str | None:
    """Why a provider grid claiming confirmation is still the built-in inferred one (None if it is not)."""
    inferred = base.grids.get(number)
    if inferred is None or provenance.confidence not in CONFIRMED:
        return None
    if inferred.provenance.confidence in CONFIRMED or inferred.cells != cells:
        return None
    return COPIED_INFERRED


def same_as_inferred(base: ReferenceSet, provider: ReferenceFile) -> list[tuple[int, str]]:
    """Clusters whose grid in a provider's file only repeats the built-in inferred cells."""
    found = []
    for number, grid in sorted(provider.grids.items()):
        provenance = grid.provenance or provider.provenance
        if provenance is None:
            continue
        inferred = base.grids.get(number)
        if inferred is not None and inferred.cells == grid.cells and inferred.provenance.confidence not in CONFIRMED:
            found.append(
                (number, COPIED_INFERRED if provenance.confidence in CONFIRMED else "still the built-in inferred cells")
            )
    return found


def read_reference_file(path: Path) -> ReferenceFile:
    """Parse and validate a provider's JSON or CSV file, without combining it with anything."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ReferenceError(source, [f"cannot read the file: {error.strerror or error}"]) from None
    if path.suffix.lower() == ".csv":
        return read_csv_grids(raw, source=source, default_id=path.stem, digest=_digest(raw))
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ReferenceError(source, [f"not valid JSON: {error}"]) from None
    if not isinstance(data, dict):
        raise ReferenceError(source, ["the file must hold one JSON object with id, version, name and grids"])
    try:
        return ReferenceFile.model_validate(data)
    except ValidationError as error:
        raise ReferenceError(source, problems_from(error)) from None


def load_reference(path: str | os.PathLike[str] | None = None) -> ReferenceSet:
    """The reference set to use: `path`, else `$CARECLUSTER_REFERENCE`, else the built-in set."""
    if path is None:
        from carecluster.settings import current_settings

        path = current_settings().reference
    chosen = path
    if chosen is None:
        return builtin_reference()
    resolved = Path(chosen).resolve()
    try:
        stat = resolved.stat()
    except OSError as error:
        raise ReferenceError(str(resolved), [f"cannot read the file: {error.strerror or error}"]) from None
    return _load_path(resolved, stat.st_mtime_ns, stat.st_size)


@cache
def _load_path(path: Path, mtime_ns: int, size: int) -> ReferenceSet:
    """Cached per file state, so an edited file is read again but an unchanged one is not."""
    return overlay(builtin_reference(), read_reference_file(path), str(path))


def _digest(raw: bytes) -> str:
    return "sha256-" + hashlib.sha256(raw).hexdigest()[:12]
