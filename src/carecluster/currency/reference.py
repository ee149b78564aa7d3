"""Currency reference tables: one folder per year, a manifest naming every table's source.

A year is a folder holding `manifest.json` and one CSV per table (see data/2026-27). Adding a
year means adding a folder; nothing here changes. Every row is validated (pydantic) and every
row names its source key, which the manifest resolves to a repository, path and commit.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_VERSION = "2026-27"
ENV_VAR = "CARECLUSTER_CURRENCY_TABLES"
"""A folder of tables to use instead of the built-in year."""

TABLES = (
    "population_groups",
    "families",
    "icd10_ranges",
    "team_types",
    "bed_types",
    "referral_reasons",
    "crisis_priorities",
)
ICD10_3 = re.compile(r"^[A-Z][0-9]{2}$")


class CurrencyReferenceError(ValueError):
    """A table folder cannot be used: says which file, row and field."""


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    source: str = Field(min_length=1)


R = TypeVar("R", bound=_Row)


def _blank_to_none(value: object) -> object:
    return None if value == "" else value


class PopulationGroup(_Row):
    category: str | None = Field(default=None, pattern=r"^[A-Z]$")
    group_code: str = Field(pattern=r"^M[A-Z]{2}$")
    name: str = Field(min_length=1)
    available_to_cyp: bool
    role: Literal["cascade", "cyp_fallback", "adult_fallback"]

    _blank = field_validator("category", mode="before")(_blank_to_none)


class FamilySetting(_Row):
    family: str = Field(pattern=r"^9[6-9]$")
    unit: str = Field(min_length=1)
    setting: str = Field(pattern=r"^[A-Z]$")
    setting_name: str = Field(min_length=1)


class Icd10Range(_Row):
    first: str = Field(pattern=ICD10_3.pattern)
    last: str = Field(pattern=ICD10_3.pattern)
    category: str = Field(pattern=r"^[A-Z]$")

    @model_validator(mode="after")
    def _ordered(self) -> Icd10Range:
        if self.first[0] != self.last[0] or self.first > self.last:
            raise ValueError(f"range {self.first}-{self.last} must run forwards within one letter")
        return self


class TeamType(_Row):
    code: str = Field(pattern=r"^[A-Z][0-9]{2}$")
    category: str | None = Field(default=None, pattern=r"^[A-Z]$")
    crisis: bool
    crisis_if_urgent: bool
    setting_group: Literal["community", "crisis"] | None = None
    setting: str | None = Field(default=None, pattern=r"^[A-Z]$")

    _blank = field_validator("category", "setting_group", "setting", mode="before")(_blank_to_none)

    @model_validator(mode="after")
    def _paired(self) -> TeamType:
        if (self.setting_group is None) != (self.setting is None):
            raise ValueError("setting_group and setting are given together or not at all")
        return self


class BedType(_Row):
    code: str = Field(pattern=r"^[0-9]{2,3}$")
    data_set_version: str = Field(pattern=r"^v[0-9]+$")
    category: str | None = Field(default=None, pattern=r"^[A-Z]$")
    setting: str = Field(pattern=r"^[A-Z]$")

    _blank = field_validator("category", mode="before")(_blank_to_none)


class ReferralReason(_Row):
    code: str = Field(pattern=r"^[0-9]{2}$")
    category: str | None = Field(default=None, pattern=r"^[A-Z]$")

    _blank = field_validator("category", mode="before")(_blank_to_none)


class CrisisPriority(_Row):
    code: str = Field(pattern=r"^[0-9]$")
    meaning: str = Field(min_length=1)


class SourceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    repository: str
    paths: tuple[str, ...]
    commit: str = Field(pattern=r"^[0-9a-f]{40}$")
    note: str = ""


class TableEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    file: str
    sources: tuple[str, ...] = Field(min_length=1)
    confidence: Literal["high", "medium", "low"]
    note: str = ""


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(min_length=1)
    title: str
    valid_from: str
    valid_to: str
    adult_from_age: int = Field(ge=1, le=25)
    sources: dict[str, SourceEntry]
    tables: dict[str, TableEntry]

    @model_validator(mode="after")
    def _complete(self) -> Manifest:
        missing = [t for t in TABLES if t not in self.tables]
        extra = [t for t in self.tables if t not in TABLES]
        if missing or extra:
            raise ValueError(f"tables missing {missing} or unknown {extra}")
        for name, table in self.tables.items():
            unknown = [s for s in table.sources if s not in self.sources]
            if unknown:
                raise ValueError(f"table {name} names unknown source(s) {unknown}")
        return self


class CurrencyReference(BaseModel):
    """One year's validated tables, with lookups the grouping needs built once."""

    model_config = ConfigDict(frozen=True)
    manifest: Manifest
    population_groups: tuple[PopulationGroup, ...]
    families: tuple[FamilySetting, ...]
    icd10_ranges: tuple[Icd10Range, ...]
    team_types: tuple[TeamType, ...]
    bed_types: tuple[BedType, ...]
    referral_reasons: tuple[ReferralReason, ...]
    crisis_priorities: tuple[CrisisPriority, ...]

    @property
    def version(self) -> str:
        return self.manifest.version

    @model_validator(mode="after")
    def _consistent(self) -> CurrencyReference:
        cats = {g.category for g in self.population_groups if g.category}
        roles = [g.role for g in self.population_groups]
        if roles.count("cyp_fallback") != 1 or roles.count("adult_fallback") != 1:
            raise ValueError("population_groups needs exactly one cyp_fallback and one adult_fallback row")
        for table in ("icd10_ranges", "team_types", "bed_types", "referral_reasons"):
            for row in getattr(self, table):
                if row.category is not None and row.category not in cats:
                    raise ValueError(f"{table}: category {row.category} is not a population group")
        for table in ("team_types", "bed_types", "referral_reasons", "crisis_priorities"):
            codes = [row.code for row in getattr(self, table)]
            if len(codes) != len(set(codes)):
                raise ValueError(f"{table}: a code appears twice")
        settings = {(f.family, f.setting) for f in self.families}
        for t in self.team_types:
            if t.setting and (("96" if t.setting_group == "community" else "97"), t.setting) not in settings:
                raise ValueError(f"team_types {t.code}: setting {t.setting} has no families row")
        for b in self.bed_types:
            if ("98", b.setting) not in settings:
                raise ValueError(f"bed_types {b.code}: setting {b.setting} has no families row")
        spans = sorted((r.first, r.last) for r in self.icd10_ranges)
        for (_, a_last), (b_first, _) in itertools.pairwise(spans):
            if b_first <= a_last:
                raise ValueError(f"icd10_ranges overlap at {b_first}")
        return self


def _read_table(folder: Path, model: type[R], entry: TableEntry, sources: dict[str, SourceEntry]) -> tuple[R, ...]:
    path = folder / entry.file
    rows: list[R] = []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            expected = set(model.model_fields)
            if set(reader.fieldnames or ()) != expected:
                raise CurrencyReferenceError(f"{path}: columns {reader.fieldnames} should be {sorted(expected)}")
            for line, raw in enumerate(reader, start=2):
                try:
                    row = model.model_validate(raw)
                except ValidationError as error:
                    first = error.errors()[0]
                    where = ".".join(str(p) for p in first["loc"]) or "row"
                    raise CurrencyReferenceError(f"{path}: line {line}, {where}: {first['msg']}") from None
                if row.source not in entry.sources or row.source not in sources:
                    raise CurrencyReferenceError(
                        f"{path}: line {line}, source: {row.source!r} is not a source the manifest gives this table"
                    )
                rows.append(row)
    except OSError as error:
        raise CurrencyReferenceError(f"{path}: cannot read: {error.strerror or error}") from None
    if not rows:
        raise CurrencyReferenceError(f"{path}: the table is empty")
    return tuple(rows)


def load_tables(folder: str | os.PathLike[str]) -> CurrencyReference:
    """Read and validate a year's folder; raises CurrencyReferenceError naming file, line and field."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    try:
        manifest = Manifest.model_validate(json.loads(manifest_path.read_text(encoding="utf-8")))
    except OSError as error:
        raise CurrencyReferenceError(f"{manifest_path}: cannot read: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise CurrencyReferenceError(f"{manifest_path}: not valid JSON: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        raise CurrencyReferenceError(f"{manifest_path}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None

    def table(name: str, model: type[R]) -> tuple[R, ...]:
        return _read_table(folder, model, manifest.tables[name], manifest.sources)

    # keyword arguments are evaluated in order: tables are read in TABLES order, as before
    try:
        return CurrencyReference(
            manifest=manifest,
            population_groups=table("population_groups", PopulationGroup),
            families=table("families", FamilySetting),
            icd10_ranges=table("icd10_ranges", Icd10Range),
            team_types=table("team_types", TeamType),
            bed_types=table("bed_types", BedType),
            referral_reasons=table("referral_reasons", ReferralReason),
            crisis_priorities=table("crisis_priorities", CrisisPriority),
        )
    except ValidationError as error:
        raise CurrencyReferenceError(f"{folder}: {error.errors()[0]['msg']}") from None


def available_versions() -> list[str]:
    """The built-in years (folders under data/ with a manifest)."""
    return sorted(p.name for p in DATA_DIR.iterdir() if (p / "manifest.json").is_file())


@cache
def _builtin(version: str) -> CurrencyReference:
    return load_tables(DATA_DIR / version)


def currency_reference(version: str | None = None, folder: str | os.PathLike[str] | None = None) -> CurrencyReference:
    """A folder's tables, else $CARECLUSTER_CURRENCY_TABLES, else the built-in year (default 2026-27)."""
    if folder is not None:
        return load_tables(folder)
    if version is None:
        from carecluster.settings import current_settings

        configured = current_settings().currency_tables
        if configured:
            return load_tables(configured)
    version = version or DEFAULT_VERSION
    if version not in available_versions():
        raise CurrencyReferenceError(f"no built-in currency tables for {version!r}; have {available_versions()}")
    return _builtin(version)
