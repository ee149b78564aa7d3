"""SNOMED CT codes of the MHSDS coded scored assessment tables, read from versioned reference data.

The codes live in `data/mhsds_assessment_codes.csv` (one row per measure, item and code, with the
source of each code), never in Python, so a provider can check them against its own copy of the
national reference data. A row with an empty `concept_code` records that no public code was
found: the export then names that item as rejected rather than invent a code.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

V6: Final = "6.0.7.1"
"""The MHSDS specification version the export targets (as the reference data spells it)."""


@dataclass(frozen=True, slots=True)
class AssessmentCode:
    measure: str
    item: str
    concept_code: str
    term: str
    values: str
    spec_versions: tuple[str, ...]
    source: str
    note: str


@dataclass(frozen=True)
class CodeTable:
    """The reference data: which code to write for a measure item, and what a code means on import."""

    rows: tuple[AssessmentCode, ...]
    version: str

    def code_for(self, measure: str, item: str) -> AssessmentCode | None:
        """The code to write for v6: one listed for v6 if any, else the first listed; None when no
        public code is known (or the item is not in the reference data at all)."""
        coded = [r for r in self.rows if r.measure == measure and r.item == item and r.concept_code]
        for row in coded:
            if V6 in row.spec_versions:
                return row
        return coded[0] if coded else None

    def why_uncoded(self, measure: str, item: str) -> str:
        """Why nothing is written for this item, in words for a rejects list."""
        for row in self.rows:
            if row.measure == measure and row.item == item and not row.concept_code:
                return f"no public SNOMED CT code ({row.note or row.source})"
        return "not in the MHSDS assessment code reference data"

    def by_code(self, concept_code: str) -> AssessmentCode | None:
        return next((r for r in self.rows if r.concept_code == concept_code), None)

    def has_total(self, measure: str) -> bool:
        return any(r.measure == measure and r.item == "total" for r in self.rows)


def parse_table(text: str, version: str) -> CodeTable:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    rows = tuple(
        AssessmentCode(
            measure=raw["measure"],
            item=raw["item"],
            concept_code=raw["concept_code"],
            term=raw["term"],
            values=raw["values"],
            spec_versions=tuple(v for v in raw["spec_versions"].split(";") if v),
            source=raw["source"],
            note=raw["note"],
        )
        for raw in csv.DictReader(lines)
    )
    return CodeTable(rows, version)


@cache
def builtin_codes() -> CodeTable:
    """The code table shipped with the package; its version is in the file's second comment line."""
    text = resources.files("carecluster.interop.nds").joinpath("data/mhsds_assessment_codes.csv").read_text("utf-8")
    version = next(
        (line.split("version ", 1)[1].split(".", 1)[0] for line in text.splitlines() if "version " in line), "unknown"
    )
    return parse_table(text, version)
