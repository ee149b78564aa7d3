"""Read a batch file in independent units: CSV byte blocks and Parquet row groups.

A unit can be read by any process from the file alone (its number says where it is), so the
same units are processed one after another on one machine or side by side on Dask workers,
and a restarted run can skip the units already done. Each unit yields pieces of at most
`chunk_rows` records, which bounds memory whatever the file size.

Row numbers are 1-based data rows of the input. In CSV, row N is line N + 1 of the file (the
header is line 1): every line is a record, an empty line included (it is rejected as missing
ratings), so a row number points straight at the line to correct. A CSV row with too few or
too many fields is a reject with its text, never dropped. Line breaks inside quoted fields are
not part of a ratings file; a block that holds one is read line by line, and such lines are
rejected rather than misnumbered.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

Format = Literal["csv", "parquet"]
BLOCK_BYTES = 8 << 20
"""CSV bytes per unit: about 200,000 records of 18 ratings."""
CHUNK_ROWS = 131_072
"""Records per piece: the unit of work held in memory at once."""


class SourceError(ValueError):
    """The file cannot be read as a batch file at all (not a row problem: those are rejects)."""


def format_of(path: str | os.PathLike[str]) -> Format:
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise SourceError(f"{path}: unknown file type {suffix or '(none)'}; use .csv or .parquet")


@dataclass(frozen=True, slots=True)
class Unit:
    index: int
    """CSV: the block's number. Parquet: the row group."""
    start: int
    """CSV: nominal first byte (the block starts at the first line starting at or after it).
    Parquet: 0."""
    stop: int
    """CSV: nominal end byte. Parquet: the row group's number of rows."""

    @property
    def weight(self) -> int:
        """Progress units: bytes (CSV) or records (Parquet)."""
        return self.stop - self.start if self.stop > self.start else 0


@dataclass(frozen=True, slots=True)
class Piece:
    """Up to `chunk_rows` records of one unit, in file order."""

    number: int
    table: pl.DataFrame
    """Records that parsed into the file's columns (CSV: all text; Parquet: as stored)."""
    positions: np.ndarray
    """0-based position in the piece of each row of `table`."""
    n_records: int
    """Every record of the piece, including `broken` ones."""
    broken: list[tuple[int, str]] = field(default_factory=list)
    """(position, reason) of records that could not be parsed into the columns (CSV only)."""


@dataclass(frozen=True, slots=True)
class Source:
    path: str
    format: Format
    columns: tuple[str, ...]
    schema: pa.Schema
    """The columns as read (CSV: all text)."""
    size: int
    mtime_ns: int
    data_start: int
    """CSV: the byte after the header line."""
    units: tuple[Unit, ...]

    @property
    def total_weight(self) -> int:
        return sum(unit.weight for unit in self.units)

    def identity(self) -> dict[str, object]:
        """What a restarted run compares to know it reads the same file."""
        return {"path": self.path, "format": self.format, "size": self.size, "mtime_ns": self.mtime_ns}


def open_source(path: str | os.PathLike[str], *, block_bytes: int = BLOCK_BYTES) -> Source:
    fmt = format_of(path)
    resolved = str(Path(path).resolve())
    try:
        stat = os.stat(resolved)
    except OSError as error:
        raise SourceError(f"{path}: cannot read the file: {error.strerror or error}") from None
    if fmt == "parquet":
        try:
            metadata = pq.ParquetFile(resolved).metadata
            schema = pq.read_schema(resolved)
        except (OSError, pa.ArrowException) as error:
            raise SourceError(f"{path}: not a readable Parquet file: {error}") from None
        units = tuple(Unit(g, 0, metadata.row_group(g).num_rows) for g in range(metadata.num_row_groups))
        return Source(resolved, fmt, tuple(schema.names), schema, stat.st_size, stat.st_mtime_ns, 0, units)
    with open(resolved, "rb") as handle:
        header = handle.readline()
    if not header.strip():
        raise SourceError(f"{path}: no header line; batch CSV files start with the column names")
    text = header.decode("utf-8-sig").rstrip("\r\n")
    names = tuple(next(csv.reader([text])))
    if len(set(names)) != len(names):
        raise SourceError(f"{path}: repeated column name(s) in the header")
    data_start = len(header)
    span = max(stat.st_size - data_start, 0)
    count = max(1, -(-span // block_bytes))
    units = tuple(
        Unit(i, data_start + i * block_bytes, min(data_start + (i + 1) * block_bytes, stat.st_size))
        for i in range(count)
    )
    schema = pa.schema([(name, pa.string()) for name in names])
    return Source(resolved, fmt, names, schema, stat.st_size, stat.st_mtime_ns, data_start, units)


def read_unit(source: Source, unit: Unit, chunk_rows: int = CHUNK_ROWS) -> Iterator[Piece]:
    if source.format == "parquet":
        yield from _parquet_pieces(source, unit, chunk_rows)
    else:
        yield from _csv_pieces(source, unit, chunk_rows)


def _parquet_pieces(source: Source, unit: Unit, chunk_rows: int) -> Iterator[Piece]:
    parquet = pq.ParquetFile(source.path)
    number = 0
    for batch in parquet.iter_batches(batch_size=chunk_rows, row_groups=[unit.index]):
        table = pl.from_arrow(pa.Table.from_batches([batch], schema=source.schema))
        assert isinstance(table, pl.DataFrame)
        yield Piece(number, table, np.arange(table.height), table.height)
        number += 1
    if number == 0:
        empty = pl.from_arrow(source.schema.empty_table())
        assert isinstance(empty, pl.DataFrame)  # an Arrow table gives a frame (as above)
        yield Piece(0, empty, np.arange(0), 0)


def _line_start(handle: io.BufferedReader, position: int, data_start: int, size: int) -> int:
    """The first line start at or after `position`: where a block boundary really falls."""
    if position <= data_start:
        return data_start
    if position >= size:
        return size
    handle.seek(position - 1)
    handle.readline()  # to the end of the line holding byte position - 1
    return handle.tell()


def _csv_pieces(source: Source, unit: Unit, chunk_rows: int) -> Iterator[Piece]:
    with open(source.path, "rb") as handle:
        begin = _line_start(handle, unit.start, source.data_start, source.size)
        end = _line_start(handle, unit.stop, source.data_start, source.size)
        handle.seek(begin)
        block = handle.read(max(end - begin, 0))
    table, positions, broken, n_records = _parse_block(block, source.columns)
    # one piece per chunk_rows lines, so memory is bounded for any block size
    for number, first in enumerate(range(0, max(n_records, 1), chunk_rows)):
        last = min(first + chunk_rows, n_records)
        lo, hi = np.searchsorted(positions, [first, last])
        yield Piece(
            number,
            table.slice(int(lo), int(hi - lo)),
            positions[lo:hi] - first,
            last - first,
            [(p - first, reason) for p, reason in broken if first <= p < last],
        )


def _lines_in(block: bytes) -> int:
    if not block:
        return 0
    return block.count(b"\n") + (0 if block.endswith(b"\n") else 1)


def _parse_block(block: bytes, names: tuple[str, ...]) -> tuple[pl.DataFrame, np.ndarray, list[tuple[int, str]], int]:
    """Parse whole lines of CSV: (table, position of each row, broken rows, number of lines)."""
    n_lines = _lines_in(block)
    schema = pa.schema([(name, pa.string()) for name in names])
    if n_lines == 0:
        empty = pl.from_arrow(schema.empty_table())
        assert isinstance(empty, pl.DataFrame)  # an Arrow table gives a frame
        return empty, np.arange(0), [], 0
    broken: list[tuple[int, str]] = []

    def invalid_row(row: pacsv.InvalidRow) -> str:
        broken.append((row.number - 1, _field_count_reason(row.actual_columns, len(names), row.text)))
        return "skip"

    try:
        parsed = pacsv.read_csv(
            io.BytesIO(block),
            read_options=pacsv.ReadOptions(column_names=list(names), use_threads=False, block_size=len(block) + 1),
            parse_options=pacsv.ParseOptions(invalid_row_handler=invalid_row, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names}, strings_can_be_null=False
            ),
        )
        exact = parsed.num_rows + len(broken) == n_lines and all(p is not None for p, _ in broken)
    except pa.ArrowInvalid:
        exact = False
    if not exact:  # a quoted line break or a malformed quote: read each line on its own
        return _parse_lines(block, names)
    rows_at = np.ones(n_lines, bool)
    for position, _ in broken:
        rows_at[position] = False
    table = pl.from_arrow(parsed)
    assert isinstance(table, pl.DataFrame)
    return table, np.flatnonzero(rows_at), sorted(broken), n_lines


def _field_count_reason(actual: int, expected: int, text: str) -> str:
    shown = text if len(text) <= 200 else text[:200] + "..."
    return f"expected {expected} fields, found {actual}: {shown}"


def _parse_lines(block: bytes, names: tuple[str, ...]) -> tuple[pl.DataFrame, np.ndarray, list[tuple[int, str]], int]:
    lines = block.split(b"\n")
    if block.endswith(b"\n"):
        lines.pop()
    rows: list[list[str]] = []
    positions: list[int] = []
    broken: list[tuple[int, str]] = []
    for position, raw in enumerate(lines):
        text = raw.decode("utf-8", errors="replace").rstrip("\r")
        try:
            fields = next(csv.reader([text], strict=True), [])
        except csv.Error as error:
            broken.append((position, f"not a complete CSV record ({error}): {text[:200]}"))
            continue
        if not fields:
            fields = [""] * len(names)  # an empty line: a record of blanks, as pyarrow reads it
        if len(fields) != len(names):
            broken.append((position, _field_count_reason(len(fields), len(names), text)))
            continue
        rows.append(fields)
        positions.append(position)
    table = pl.DataFrame(
        {name: [row[i] for row in rows] for i, name in enumerate(names)},
        schema={name: pl.String for name in names},
    )
    return table, np.array(positions, dtype=np.int64), broken, len(lines)
