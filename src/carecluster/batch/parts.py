"""Where a run keeps its finished units, so that an interrupted run resumes without duplicates.

Layout of `OUTPUT.parts/`:
  manifest.json                    what the run reads and how (input identity, options, tables)
  unit-000007-0000.out.arrow       allocated rows of unit 7, piece 0 (Arrow IPC)
  unit-000007-0000.rej.arrow       rejected rows of that piece
  unit-000007.json                 the unit's marker: its pieces' record counts and summary counts

Every file is written under a temporary name and renamed into place, and a unit's marker is
renamed last: a unit is done exactly when its marker exists, and then all its pieces exist. A
run stopped at any instant leaves finished units (kept) and unfinished ones (redone whole,
overwriting any pieces they had written). Row numbers in pieces are local to the piece; the
assembler adds each piece's offset, known from the markers, so no unit needs another's count.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from carecluster.batch.schema import ROW_NUMBER
from carecluster.batch.summary import Counts

MANIFEST = "manifest.json"


def _replace(tmp: Path, final: Path) -> None:
    os.replace(tmp, final)


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")


def write_json(path: Path, data: Any) -> None:
    tmp = _tmp(path)
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    _replace(tmp, path)


def write_arrow(path: Path, table: pa.Table) -> None:
    tmp = _tmp(path)
    with pa.OSFile(str(tmp), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    _replace(tmp, path)


def read_arrow(path: Path) -> pa.Table:
    with pa.memory_map(str(path), "r") as source:
        return ipc.open_file(source).read_all()


@dataclass(frozen=True, slots=True)
class UnitRecord:
    """A finished unit, as its marker says."""

    unit: int
    pieces: list[int]
    """Records in each piece, in order (allocated + rejected)."""
    counts: Counts


class PartStore:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    # --- the manifest: is this the same run? ----------------------------------------------

    def prepare(self, manifest: dict[str, Any], *, fresh: bool) -> str:
        """Make the directory ready: 'new', 'resumed' (same manifest) or 'restarted' (it changed)."""
        existing = self.directory / MANIFEST
        state = "new"
        if self.directory.exists():
            same = False
            if existing.exists() and not fresh:
                try:
                    same = json.loads(existing.read_text(encoding="utf-8")) == json.loads(json.dumps(manifest))
                except (OSError, json.JSONDecodeError):
                    same = False
            if same:
                return "resumed"
            state = "restarted"
            shutil.rmtree(self.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        write_json(existing, manifest)
        return state

    # --- units ----------------------------------------------------------------------------

    def piece_path(self, unit: int, piece: int, kind: str) -> Path:
        return self.directory / f"unit-{unit:06d}-{piece:04d}.{kind}.arrow"

    def marker_path(self, unit: int) -> Path:
        return self.directory / f"unit-{unit:06d}.json"

    def done(self) -> set[int]:
        return {int(p.name[5:11]) for p in self.directory.glob("unit-??????.json")}

    def write_piece(self, unit: int, piece: int, output: pa.Table, rejects: pa.Table) -> None:
        write_arrow(self.piece_path(unit, piece, "out"), output)
        write_arrow(self.piece_path(unit, piece, "rej"), rejects)

    def finish_unit(self, unit: int, pieces: list[int], counts: Counts) -> None:
        write_json(self.marker_path(unit), {"unit": unit, "pieces": pieces, "counts": counts.to_json()})

    def record(self, unit: int) -> UnitRecord:
        data = json.loads(self.marker_path(unit).read_text(encoding="utf-8"))
        return UnitRecord(data["unit"], data["pieces"], Counts.from_json(data["counts"]))

    def records(self, n_units: int) -> Iterator[UnitRecord]:
        for unit in range(n_units):
            yield self.record(unit)

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


class _TableSink:
    """Appends tables to a CSV or Parquet file, one piece at a time."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        self.path, self.tmp = path, _tmp(path)
        self.writer: pq.ParquetWriter | pacsv.CSVWriter
        if fmt == "parquet":
            self.writer = pq.ParquetWriter(str(self.tmp), schema)
        else:
            self.writer = pacsv.CSVWriter(str(self.tmp), schema)

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self.writer.write_table(table)

    def close(self) -> None:
        self.writer.close()
        _replace(self.tmp, self.path)

    def abort(self) -> None:
        self.writer.close()
        self.tmp.unlink(missing_ok=True)


def _renumbered(table: pa.Table, offset: int) -> pa.Table:
    index = table.schema.get_field_index(ROW_NUMBER)
    return table.set_column(index, ROW_NUMBER, pc.add(table.column(index), pa.scalar(offset, pa.int64())))


def assemble(
    store: PartStore,
    n_units: int,
    output: tuple[Path, str, pa.Schema],
    rejects: tuple[Path, str, pa.Schema],
) -> Counts:
    """Write the output and rejects files from the finished units, in input order.

    Reads one piece at a time (bounded memory), numbers rows by the pieces' offsets, and
    renames each file into place only when complete. Returns the run's summed counts.
    """
    sinks = [_TableSink(path, schema, fmt) for path, fmt, schema in (output, rejects)]
    total = Counts()
    offset = 0
    try:
        for record in store.records(n_units):
            total = total + record.counts
            for piece, n_records in enumerate(record.pieces):
                for sink, kind, (_, _, schema) in zip(sinks, ("out", "rej"), (output, rejects), strict=True):
                    table = read_arrow(store.piece_path(record.unit, piece, kind))
                    sink.write(_renumbered(table, offset).cast(schema))
                offset += n_records
    except BaseException:
        for sink in sinks:
            sink.abort()
        raise
    for sink in sinks:
        sink.close()
    return total
