"""The plain CSV form of a grid set: one row per cell, as a clustering lead fills it in.

Columns `cluster,scale,rating,colour`; colour as the booklet's key names it (red / orange /
yellow / blank / grey) or as carecluster does (must / expected / may / unlikely / nodata).
Optional `# key: value` lines before the header give id, version, name, source and confidence.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from pydantic import ValidationError

from carecluster.reference.errors import ReferenceError, problems_from
from carecluster.reference.models import RATINGS, SCALE_CODES, ClusterGrid, ProviderGrid, ReferenceFile

COLOUR_WORDS: dict[str, str] = {
    "must": "must", "red": "must", "r": "must",
    "expected": "expected", "orange": "expected", "amber": "expected", "o": "expected",
    "may": "may", "yellow": "may", "y": "may",
    "unlikely": "unlikely", "blank": "unlikely", "white": "unlikely", "": "unlikely", "-": "unlikely",
    "nodata": "nodata", "no data": "nodata", "grey": "nodata", "gray": "nodata", "g": "nodata",
}  # fmt: skip
HEADER = ("cluster", "scale", "rating", "colour")
META_KEYS = ("id", "version", "name", "description", "source", "confidence")


def read_csv_grids(raw: bytes, *, source: str, default_id: str, digest: str) -> ReferenceFile:
    """Parse the CSV form; every fault is reported with its line, cluster, scale and rating."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReferenceError(source, [f"not UTF-8 text: {error}"]) from None
    lines = text.splitlines()
    meta: dict[str, str] = {}
    start = 0
    for start, line in enumerate(lines):  # noqa: B007 - the header's index is needed below
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        key, sep, value = stripped.lstrip("#").partition(":")
        if sep and key.strip().lower() in META_KEYS:
            meta[key.strip().lower()] = value.strip()
    else:
        start = len(lines)
    reader = csv.reader(io.StringIO("\n".join(lines[start:])))
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != HEADER:
        raise ReferenceError(source, [f"line {start + 1}: the header must be {','.join(HEADER)}; got {header}"])

    problems: list[str] = []
    cells: dict[int, dict[str, list[str | None]]] = {}
    seen: dict[tuple[int, str, int], int] = {}
    faulty: set[tuple[int, str, int]] = set()  # cells already reported: not reported again as missing
    for offset, row in enumerate(reader):
        line_no = start + 2 + offset
        if not any(field.strip() for field in row):
            continue
        if len(row) != 4:
            problems.append(f"line {line_no}: expected 4 fields (cluster,scale,rating,colour), got {len(row)}")
            continue
        cluster_text, scale_text, rating_text, colour_text = (field.strip() for field in row)
        where = f"line {line_no} (cluster {cluster_text}, scale {scale_text}, rating {rating_text})"
        if not cluster_text.isdigit() or not 0 <= int(cluster_text) <= 21:
            problems.append(f"{where}: cluster must be a number 1-21, got {cluster_text!r}")
            continue
        cluster = int(cluster_text)
        if cluster in (0, 9):
            problems.append(f"{where}: cluster {cluster} has no grid (0 is variance, 9 is never used)")
            continue
        scale = scale_text.upper()
        if scale not in SCALE_CODES:
            problems.append(f"{where}: unknown scale {scale_text!r}; use one of {', '.join(SCALE_CODES)}")
            continue
        if rating_text not in {str(r) for r in RATINGS}:
            problems.append(f"{where}: rating must be 0-4 (grids have no column for 9), got {rating_text!r}")
            continue
        rating = int(rating_text)
        colour = COLOUR_WORDS.get(colour_text.lower())
        if colour is None:
            faulty.add((cluster, scale, rating))
            problems.append(
                f"{where}: unknown colour {colour_text!r}; use red, orange, yellow, blank or grey "
                "(or must, expected, may, unlikely, nodata)"
            )
            continue
        cell = (cluster, scale, rating)
        if cell in seen:
            problems.append(f"{where}: the same cell is already given on line {seen[cell]}")
            continue
        seen[cell] = line_no
        cells.setdefault(cluster, {code: [None] * 5 for code in SCALE_CODES})[scale][rating] = colour

    for cluster, rows in sorted(cells.items()):
        missing = [
            f"scale {code} rating {r}"
            for code in SCALE_CODES
            for r in RATINGS
            if rows[code][r] is None and (cluster, code, r) not in faulty
        ]
        if missing:
            shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
            problems.append(f"cluster {cluster}: no colour for {shown}")
    if not cells and not problems:
        problems.append("no grid rows: the file needs one row per cluster, scale and rating")
    if problems:
        raise ReferenceError(source, problems)

    provenance = {
        "source": meta.get("source") or f"provider CSV {source}",
        "confidence": meta.get("confidence", "low"),  # a claim of confirmation must be made, never assumed
    }
    data = {
        "id": meta.get("id") or _safe_id(default_id),
        "version": meta.get("version") or digest,
        "name": meta.get("name") or f"Grids from {default_id}.csv",
        "description": meta.get("description", ""),
        "provenance": provenance,
        "grids": {number: {"cells": rows} for number, rows in cells.items()},
    }
    try:
        return ReferenceFile.model_validate(data)
    except ValidationError as error:
        raise ReferenceError(source, problems_from(error)) from None


def grids_to_csv(grids: Mapping[int, ClusterGrid | ProviderGrid], *, meta: dict[str, str]) -> str:
    """Write grids in the CSV form: a template a clustering lead can correct cell by cell."""
    out = io.StringIO()
    for key in META_KEYS:
        if meta.get(key):
            out.write(f"# {key}: {meta[key]}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    colour_word = {"must": "red", "expected": "orange", "may": "yellow", "unlikely": "blank", "nodata": "grey"}
    for number in sorted(grids):
        for code in SCALE_CODES:
            for rating in RATINGS:
                writer.writerow((number, code, rating, colour_word[grids[number].cells[code][rating]]))
    return out.getvalue()


def _safe_id(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in text)
    return cleaned.strip("-") or "provider-grids"
