"""One batch run, described so that any process can do any unit of it.

`plan()` opens the input, checks its columns and the options, and fixes the output and rejects
schemas; the resulting `BatchJob` is a plain picklable value shipped to Dask workers as is.
`run_unit()` reads one unit, allocates its pieces and writes them to the part store. The single
machine path and the Dask path both call it, so their outputs are the same by construction.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from carecluster.batch.frame import allocate_polars
from carecluster.batch.parts import PartStore, UnitRecord
from carecluster.batch.schema import ALLOCATED, RATING_COLUMNS, REASON, ROW_NUMBER, check_no_reserved, find_columns
from carecluster.batch.sources import BLOCK_BYTES, CHUNK_ROWS, Piece, Source, SourceError, open_source, read_unit
from carecluster.batch.summary import Counts, count
from carecluster.batch.tables import tables_for
from carecluster.domain.allocation import scope_of
from carecluster.reference.models import ReferenceSet


@dataclass(frozen=True, slots=True)
class BatchJob:
    source: Source
    reference: ReferenceSet
    columns: dict[str, str]
    """Our column names (schema.RATING_COLUMNS, optional ones) -> the input's."""
    super_class: str | None
    heading: str | None
    chunk_rows: int
    parts_dir: str
    output_schema: pa.Schema
    rejects_schema: pa.Schema

    def manifest(self) -> dict[str, Any]:
        """Everything that decides the parts' content: a restart reuses parts only if all match."""
        from carecluster import __version__

        return {
            "carecluster": __version__,
            "input": self.source.identity(),
            "units": len(self.source.units),
            "unit_bounds": [[u.start, u.stop] for u in self.source.units],
            "chunk_rows": self.chunk_rows,
            "super_class": self.super_class,
            "heading": self.heading,
            "reference": {
                "id": self.reference.id,
                "version": self.reference.version,
                "tables": tables_for(self.reference).fingerprint,
            },
            "output_schema": self.output_schema.to_string(),
        }


def plan(
    input_path: str | os.PathLike[str],
    parts_dir: str | os.PathLike[str],
    reference: ReferenceSet,
    *,
    super_class: str | None = None,
    heading: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    block_bytes: int = BLOCK_BYTES,
) -> BatchJob:
    """Check the input and the options once, before any unit runs. Raises SourceError."""
    if chunk_rows < 1 or block_bytes < 1:
        raise SourceError("chunk rows and block bytes must be positive")
    source = open_source(input_path, block_bytes=block_bytes)
    try:
        check_no_reserved(source.columns)
        columns = find_columns(source.columns)
    except (KeyError, ValueError) as error:
        raise SourceError(f"{input_path}: {error.args[0]}") from None
    scope_of(reference, super_class, heading)  # AllocationError now, not once per row
    job = BatchJob(
        source=source,
        reference=reference,
        columns=columns,
        super_class=super_class,
        heading=heading,
        chunk_rows=chunk_rows,
        parts_dir=str(Path(parts_dir).resolve()),
        output_schema=pa.schema([]),
        rejects_schema=pa.schema([]),
    )
    # the schemas are those of an empty piece: every piece, even an empty one, is cast to them
    empty = pl.from_arrow(source.schema.empty_table())
    assert isinstance(empty, pl.DataFrame)
    output, rejects, _ = process_piece(job, Piece(0, empty, np.arange(0), 0), cast=False)
    return BatchJob(**{**_fields(job), "output_schema": output.schema, "rejects_schema": rejects.schema})


def _fields(job: BatchJob) -> dict[str, Any]:
    return {name: getattr(job, name) for name in job.__slots__}


def _arrow(frame: pl.DataFrame) -> pa.Table:
    return frame.to_arrow(compat_level=pl.CompatLevel.oldest())


def process_piece(job: BatchJob, piece: Piece, *, cast: bool = True) -> tuple[pa.Table, pa.Table, Counts]:
    """Allocate one piece: (output rows, rejected rows, counts), row numbers local to the piece."""
    table = piece.table
    result = allocate_polars(
        table, job.reference, super_class=job.super_class, heading=job.heading, columns=job.columns
    )
    parsed = result.parsed
    valid = ~parsed.invalid
    numbers = pl.Series(ROW_NUMBER, piece.positions + 1, dtype=pl.Int64)
    typed = [pl.Series(job.columns[ours], parsed.codes[i]).cast(pl.Int8) for i, ours in enumerate(RATING_COLUMNS)]
    if parsed.allocated is not None:
        allocated = pa.array(parsed.allocated, mask=parsed.allocated < 0)
        typed.append(pl.Series(job.columns[ALLOCATED], allocated))
    output = pl.concat([numbers.to_frame(), table.with_columns(typed), result.columns], how="horizontal")
    output = output.filter(pl.Series(valid))

    invalid_rows = np.flatnonzero(parsed.invalid)
    as_text = table[invalid_rows].select(pl.all().cast(pl.String))
    rejects = pl.concat(
        [
            pl.DataFrame(
                {ROW_NUMBER: piece.positions[invalid_rows] + 1, REASON: parsed.reason_list()},
                schema={ROW_NUMBER: pl.Int64, REASON: pl.String},
            ),
            as_text,
        ],
        how="horizontal",
    )
    if piece.broken:
        broken = pl.DataFrame(
            {ROW_NUMBER: [p + 1 for p, _ in piece.broken], REASON: [r for _, r in piece.broken]},
            schema={ROW_NUMBER: pl.Int64, REASON: pl.String},
        )
        rejects = pl.concat([rejects, broken], how="diagonal_relaxed").sort(ROW_NUMBER)
    counts = count(result.arrays, valid, parsed.allocated, piece.n_records)
    out, rej = _arrow(output), _arrow(rejects)
    if cast:
        out, rej = out.cast(job.output_schema), rej.cast(job.rejects_schema)
    return out, rej, counts


def run_unit(job: BatchJob, unit: int) -> UnitRecord:
    """Allocate one unit into the part store (idempotent: a finished unit is left as it is)."""
    store = PartStore(job.parts_dir)
    if store.marker_path(unit).exists():
        return store.record(unit)
    pieces: list[int] = []
    total = Counts()
    for piece in read_unit(job.source, job.source.units[unit], job.chunk_rows):
        output, rejects, counts = process_piece(job, piece)
        store.write_piece(unit, piece.number, output, rejects)
        pieces.append(piece.n_records)
        total = total + counts
    store.finish_unit(unit, pieces, total)
    return UnitRecord(unit, pieces, total)
