"""`run_batch`: a whole file in, the allocated file, the rejects and a summary out.

Plan, then do the units not yet done (here one after another, or on a Dask cluster), then
assemble the parts in input order. Memory is bounded by one piece whatever the file size; an
interrupted run started again with the same arguments resumes from its finished units.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carecluster.batch.job import BatchJob, plan, run_unit
from carecluster.batch.parts import PartStore, UnitRecord, assemble
from carecluster.batch.sources import BLOCK_BYTES, CHUNK_ROWS, SourceError, format_of
from carecluster.batch.summary import Counts, summary_document
from carecluster.batch.tables import tables_for
from carecluster.reference.models import ReferenceSet

if TYPE_CHECKING:
    from distributed import Client

Progress = Callable[[int, int], None]
"""Called as units finish: (progress units done so far, records done so far)."""


@dataclass(frozen=True, slots=True)
class BatchRun:
    output: Path
    rejects: Path
    summary: Path
    state: str
    """'new', 'resumed' (finished units of an interrupted run were kept) or 'restarted'."""
    counts: Counts
    document: dict[str, Any]


def default_paths(output: Path) -> tuple[Path, Path]:
    """Rejects and summary beside the output: out.parquet -> out.rejects.csv, out.summary.json."""
    stem = output.with_suffix("")
    return stem.with_name(stem.name + ".rejects.csv"), stem.with_name(stem.name + ".summary.json")


def run_batch(
    input_path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    reference: ReferenceSet,
    *,
    super_class: str | None = None,
    heading: str | None = None,
    rejects: str | os.PathLike[str] | None = None,
    summary: str | os.PathLike[str] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    block_bytes: int = BLOCK_BYTES,
    client: Client | None = None,
    fresh: bool = False,
    keep_parts: bool = False,
    on_start: Callable[[BatchJob, int], None] | None = None,
    on_progress: Progress | None = None,
) -> BatchRun:
    """Allocate every row of a CSV or Parquet file; see the module docstring.

    `client`: a Dask distributed Client; units then run on its workers, which must see the
    input file and the parts directory (OUTPUT.parts) at the same paths. `on_start(job, done)`
    is called once planned, with the progress units already done by an interrupted run.
    """
    output = Path(output)
    out_format = format_of(output)
    default_rejects, default_summary = default_paths(output)
    rejects_path = Path(rejects) if rejects is not None else default_rejects
    summary_path = Path(summary) if summary is not None else default_summary
    if format_of(rejects_path) != "csv":
        raise SourceError(f"{rejects_path}: the rejects file is CSV (.csv)")
    if Path(input_path).resolve() in {p.resolve() for p in (output, rejects_path, summary_path)}:
        raise SourceError(f"{input_path}: the input would be overwritten by the output")
    parts_dir = output.with_name(output.name + ".parts")
    job = plan(
        input_path,
        parts_dir,
        reference,
        super_class=super_class,
        heading=heading,
        chunk_rows=chunk_rows,
        block_bytes=block_bytes,
    )
    store = PartStore(parts_dir)
    state = store.prepare(job.manifest(), fresh=fresh)
    done = store.done()
    units = job.source.units
    progress = sum(units[u].weight for u in done)
    records = sum(sum(store.record(u).pieces) for u in done)
    if on_start is not None:
        on_start(job, progress)

    def finished(record: UnitRecord) -> None:
        nonlocal progress, records
        progress += units[record.unit].weight
        records += sum(record.pieces)
        if on_progress is not None:
            on_progress(progress, records)

    todo = [unit.index for unit in units if unit.index not in done]
    if client is None:
        for unit in todo:
            finished(run_unit(job, unit))
    else:
        from carecluster.batch.distributed import run_units

        run_units(job, todo, client, finished)

    counts = assemble(
        store,
        len(units),
        (output, out_format, job.output_schema),
        (rejects_path, "csv", job.rejects_schema),
    )
    document = summary_document(
        counts,
        tables_for(reference),
        input=str(input_path),
        output=str(output),
        rejects=str(rejects_path),
    )
    summary_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if not keep_parts:
        store.remove()
    return BatchRun(output, rejects_path, summary_path, state, counts, document)
