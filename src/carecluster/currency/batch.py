"""A file of spells and contacts in, the grouped file, a rejects file and a summary out.

One core: Polars reads, groups (vectorised) and writes. Dask: the file is read as a
`dask.dataframe`, each partition grouped by the same vectorised code, then written by the same
writer, so both give the same output. Row numbers are 1-based data rows of the input (CSV row
N is line N + 1). Codes are read as text: a CSV is read with every column as text; in Parquet
give codes as strings (an integer 1 is not the code "01" and is rejected, not guessed).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from carecluster.batch.runner import default_paths
from carecluster.batch.sources import SourceError, format_of
from carecluster.currency.reference import CurrencyReference
from carecluster.currency.vector import INPUT_COLUMNS, RESULT_COLUMNS, group_lazy, problems_lazy

if TYPE_CHECKING:
    from distributed import Client

ROW = "row"


@dataclass(frozen=True, slots=True)
class CurrencyRun:
    output: Path
    rejects: Path
    summary: Path
    document: dict[str, Any]


def _scan(path: Path) -> pl.LazyFrame:
    if format_of(path) == "parquet":
        return pl.scan_parquet(path)
    return pl.scan_csv(path, infer_schema=False)


def _check_columns(names: list[str], path: Path) -> None:
    if ROW in names:
        raise SourceError(f"{path}: has a column named {ROW!r}, which the output uses for row numbers")
    if not any(c in names for c in INPUT_COLUMNS):
        raise SourceError(f"{path}: none of the expected columns ({', '.join(INPUT_COLUMNS)}) is present")


def _read_local(path: Path) -> pl.LazyFrame:
    lf = _scan(path)
    _check_columns(lf.collect_schema().names(), path)
    return lf.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def _read_dask(path: Path, ref: CurrencyReference, client: Client, block_bytes: int) -> pl.DataFrame:
    """Group on the cluster behind `client`; returns the grouped rows in input order."""
    import dask.dataframe as dd
    import pandas as pd

    if format_of(path) == "parquet":
        ddf = dd.read_parquet(str(path))
    else:
        ddf = dd.read_csv(str(path), dtype=str, keep_default_na=False, na_values=[""], blocksize=block_bytes)
    _check_columns(list(ddf.columns), path)
    lengths = client.compute(ddf.map_partitions(len)).result().tolist()
    offsets = [1 + sum(lengths[:i]) for i in range(len(lengths))]

    def grouped(part: pd.DataFrame, offset: int) -> pd.DataFrame:
        frame = pl.from_pandas(part.reset_index(drop=True))
        frame = frame.with_row_index(ROW, offset=offset).with_columns(pl.col(ROW).cast(pl.Int64))
        out = group_lazy(frame, ref).collect()
        return out.with_columns(pl.col(list(RESULT_COLUMNS)).cast(pl.Utf8)).to_pandas()

    from dask import delayed

    tasks = [delayed(grouped)(part, offset) for part, offset in zip(ddf.to_delayed(), offsets, strict=True)]
    pieces = [
        pl.from_pandas(frame).with_columns(pl.col(list(RESULT_COLUMNS)).cast(pl.Categorical))
        for frame in client.gather(client.compute(tasks))
    ]
    return pl.concat(pieces, how="vertical_relaxed") if pieces else group_lazy(_read_local(path), ref).collect()


def _write(frame: pl.DataFrame, path: Path) -> None:
    if format_of(path) == "parquet":
        frame.write_parquet(path, compression="lz4", statistics=False)
    else:
        frame.write_csv(path)


def summary_document(result: pl.DataFrame, rejects: pl.DataFrame, ref: CurrencyReference) -> dict[str, Any]:
    """Counts an analyst checks first, and the reference year with every table's source."""

    def counts(column: str, frame: pl.DataFrame = result) -> dict[str, int]:
        if frame.height == 0:
            return {}
        rows = frame.group_by(column).len().sort(column, nulls_last=True).iter_rows()
        return {str(k): int(n) for k, n in rows if k is not None}

    by_status = counts("currency_status")
    m = ref.manifest
    return {
        "records": result.height,
        "grouped": by_status.get("grouped", 0),
        "unclassified": by_status.get("unclassified", 0),
        "rejected": by_status.get("rejected", 0),
        "by_tier": counts("currency_tier"),
        "by_population_group": counts("population_group"),
        "by_code": counts("currency_code"),
        "rejects_by_field": counts("field", rejects),
        "reference": {
            "version": m.version,
            "tables": {
                name: {
                    "file": t.file,
                    "confidence": t.confidence,
                    "sources": [
                        {"repository": m.sources[s].repository, "commit": m.sources[s].commit} for s in t.sources
                    ],
                }
                for name, t in m.tables.items()
            },
        },
    }


def run_currency(
    input_path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    reference: CurrencyReference,
    *,
    rejects: str | os.PathLike[str] | None = None,
    summary: str | os.PathLike[str] | None = None,
    client: Client | None = None,
    block_bytes: int = 16 << 20,
) -> CurrencyRun:
    """Group every row of a CSV or Parquet file; on Dask when `client` is given (CSV split every `block_bytes`)."""
    path, output = Path(input_path), Path(output)
    format_of(path)
    format_of(output)
    default_rejects, default_summary = default_paths(output)
    rejects_path = Path(rejects) if rejects is not None else default_rejects
    summary_path = Path(summary) if summary is not None else default_summary
    if format_of(rejects_path) != "csv":
        raise SourceError(f"{rejects_path}: the rejects file is CSV (.csv)")
    if path.resolve() in {p.resolve() for p in (output, rejects_path, summary_path)}:
        raise SourceError(f"{path}: the input would be overwritten by the output")
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    if client is None:
        result = group_lazy(_read_local(path), reference).collect()
    else:
        result = _read_dask(path, reference, client, block_bytes)
    problems = problems_lazy(
        result.filter(pl.col("currency_status") == "rejected").select(
            [c for c in result.columns if c not in RESULT_COLUMNS]
        ),
        reference,
    ).collect()
    _write(result, output)
    problems.write_csv(rejects_path)
    document = summary_document(result, problems, reference)
    document.update(
        input=str(path), output=str(output), rejects=str(rejects_path), engine="dask" if client else "polars"
    )
    summary_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return CurrencyRun(output, rejects_path, summary_path, document)
