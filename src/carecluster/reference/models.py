"""Pydantic models of a reference set: the MHCT, the clusters, their grids and the decision tree.

Reference data is data, not code: a provider holding the official booklet grids swaps them in
without touching the engine. These models are the single definition of what a valid reference
file looks like, so every loader (built-in JSON, provider JSON, provider CSV) ends up here and
every error is reported in the same words.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

SCALE_CODES: tuple[str, ...] = (
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13",
    "A", "B", "C", "D", "E",
)  # fmt: skip
"""MHCT v3.1 scale codes in rating order: Part 1 (current) then Part 2 (historical)."""

RATINGS: tuple[int, ...] = (0, 1, 2, 3, 4)
NOT_KNOWN = 9

Colour = Literal["must", "expected", "may", "unlikely", "nodata"]
COLOURS: tuple[str, ...] = ("must", "expected", "may", "unlikely", "nodata")
COLOUR_NAMES: dict[str, str] = {
    "must": "red (must score)",
    "expected": "orange (expected)",
    "may": "yellow (may score)",
    "unlikely": "blank (unlikely to score)",
    "nodata": "grey (no data available)",
}
Confidence = Literal["high", "medium", "low"]
CONFIRMED: frozenset[str] = frozenset({"high", "medium"})
"""Confidence of a confirmed source (a transcription of the official grids, published red-rule
text). A red cell of lower confidence is inferred: it may never silently remove a cluster."""
SuperClassId = Literal["non-psychotic", "psychotic", "organic"]
SUPER_CLASSES: tuple[str, ...] = ("non-psychotic", "psychotic", "organic")


class Frozen(BaseModel):
    """Base for reference models: immutable and strict about unknown keys.

    Unknown keys are rejected because a misspelt key in a provider's file would otherwise be
    silently ignored and the built-in value used instead.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


class Provenance(Frozen):
    """Where a part of the reference data came from and how far it can be trusted."""

    source: str = Field(min_length=1)
    confidence: Confidence
    note: str | None = None


# --- MHCT -----------------------------------------------------------------------------------


class Scale(Frozen):
    code: str
    name: str = Field(min_length=1)
    part: Literal["current", "historical"]
    honos_item: int | None = Field(default=None, ge=1, le=12)
    scope: str = Field(min_length=1, description="What the scale covers, in a sentence.")
    guide: tuple[str, str, str, str, str] = Field(
        description="Short rating guide for ratings 0-4, in carecluster's own words."
    )

    @field_validator("code")
    @classmethod
    def _known_code(cls, code: str) -> str:
        if code not in SCALE_CODES:
            raise ValueError(f"unknown scale code {code!r}; expected one of {', '.join(SCALE_CODES)}")
        return code


class ProblemType(Frozen):
    """Scale 8 asks which kind of 'other' problem was rated (A-J)."""

    code: Literal["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"]
    label: str = Field(min_length=1)
    needs_description: bool = False


class MhctDefinition(Frozen):
    version: str
    rating_anchors: tuple[str, str, str, str, str]
    not_known: str
    scales: tuple[Scale, ...]
    problem_types: tuple[ProblemType, ...]
    provenance: Provenance

    @model_validator(mode="after")
    def _all_scales_in_order(self) -> MhctDefinition:
        codes = tuple(s.code for s in self.scales)
        if codes != SCALE_CODES:
            raise ValueError(f"scales must be {', '.join(SCALE_CODES)} in that order; got {', '.join(codes)}")
        if tuple(p.code for p in self.problem_types) != tuple("ABCDEFGHIJ"):
            raise ValueError("scale 8 problem types must be A-J in order")
        return self

    def scale(self, code: str) -> Scale:
        return self.scales[SCALE_CODES.index(code)]


# --- Clusters -------------------------------------------------------------------------------


class Duration(Frozen):
    value: int = Field(ge=1)
    unit: Literal["weeks", "months", "years"]

    def __str__(self) -> str:
        unit = self.unit[:-1] if self.value == 1 else self.unit
        return f"{self.value} {unit}"


class Episode(Frozen):
    """Indicative episode of care: a range, or open-ended ('3 years +')."""

    text: str
    minimum: Duration
    maximum: Duration | None = None


class Diagnosis(Frozen):
    code: str = Field(min_length=1, description="ICD-10 code or range, e.g. F32 or F20-F29")
    label: str = Field(min_length=1)


class Transitions(Frozen):
    """Possible moves from a cluster at review, from its care transition protocol page.

    The booklet coloured each list 'most likely' or 'possible'; the colours did not survive
    extraction, so lists other than `rare` carry `likely_or_possible`.
    """

    step_up: tuple[int, ...] = ()
    similar: tuple[int, ...] = ()
    step_down: tuple[int, ...] = ()
    rare: tuple[int, ...] = ()
    discharge: bool = True
    provenance: Provenance

    def likelihood(self, cluster: int) -> Literal["likely_or_possible", "rare", "not_listed"]:
        if cluster in self.step_up or cluster in self.similar or cluster in self.step_down:
            return "likely_or_possible"
        if cluster in self.rare:
            return "rare"
        return "not_listed"


class Cluster(Frozen):
    number: int = Field(ge=0, le=21)
    title: str = Field(min_length=1)
    super_class: Literal["non-psychotic", "psychotic", "organic", "variance", "none"]
    allocatable: bool = True
    description: str = Field(min_length=1)
    impairment: str | None = None
    risk: str | None = None
    course: str | None = None
    likely_diagnoses: tuple[Diagnosis, ...] = ()
    unlikely_diagnoses: tuple[Diagnosis, ...] = ()
    review_interval: Duration | None = None
    indicative_episode: Episode | None = None
    transitions: Transitions | None = None
    provenance: Provenance


# --- Grids ----------------------------------------------------------------------------------


def check_grid_cells(cells: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Every scale has a row; rows 7 and 8 agree, since the higher of the two meets one range."""
    missing = [code for code in SCALE_CODES if code not in cells]
    extra = [code for code in cells if code not in SCALE_CODES]
    if extra:
        raise ValueError(f"unknown scale(s) {', '.join(extra)}")
    if missing:
        raise ValueError(f"no row for scale(s) {', '.join(missing)}: every scale needs a colour for ratings 0-4")
    if cells["7"] != cells["8"]:
        differ = [r for r in RATINGS if cells["7"][r] != cells["8"][r]]
        raise ValueError(
            "rows 7 and 8 differ at rating(s) "
            + ", ".join(f"{r} ({cells['7'][r]} vs {cells['8'][r]})" for r in differ)
            + ": the booklet tests the higher of scales 7 and 8 against one range, so the rows must match"
        )
    return {code: cells[code] for code in SCALE_CODES}


GridCells = Annotated[dict[str, tuple[Colour, Colour, Colour, Colour, Colour]], AfterValidator(check_grid_cells)]
"""Scale code -> the colours of ratings 0, 1, 2, 3 and 4."""


def _check_row_provenance(rows: dict[str, Provenance]) -> dict[str, Provenance]:
    unknown = [code for code in rows if code not in SCALE_CODES]
    if unknown:
        raise ValueError(f"row_provenance names unknown scale(s) {', '.join(unknown)}")
    if ("7" in rows or "8" in rows) and rows.get("7") != rows.get("8"):
        raise ValueError(
            "row_provenance: rows 7 and 8 are one test (the higher of the two) and need the same provenance"
        )
    return rows


class ClusterGrid(Frozen):
    """One cluster's colour grid: for every scale, the colour of ratings 0, 1, 2, 3 and 4.

    Every cell carries a provenance: its row's entry in `row_provenance`, else the grid's own.
    So a provider who has confirmed some rows from the official booklet marks just those.
    """

    cells: GridCells
    provenance: Provenance
    basis: str | None = Field(default=None, description="How the cells were arrived at.")
    row_provenance: Annotated[dict[str, Provenance], AfterValidator(_check_row_provenance)] = Field(
        default_factory=dict, description="Scale code -> provenance of that row's cells, where it differs."
    )

    def row(self, scale: str) -> tuple[Colour, ...]:
        return self.cells[scale]

    def provenance_of(self, scale: str) -> Provenance:
        """Where the cells of one row came from."""
        return self.row_provenance.get(scale, self.provenance)

    def red_confirmed(self, scale: str) -> bool:
        """True when the row's red (must score) cells come from a confirmed source."""
        return self.provenance_of(scale).confidence in CONFIRMED

    @property
    def inferred_red_scales(self) -> tuple[str, ...]:
        """Scales whose red cells are inferred (low confidence): they may not silently exclude."""
        return tuple(code for code in SCALE_CODES if "must" in self.cells[code] and not self.red_confirmed(code))

    def ratings_with(self, scale: str, colour: str) -> tuple[int, ...]:
        return tuple(r for r in RATINGS if self.cells[scale][r] == colour)


# --- Decision tree --------------------------------------------------------------------------


class Heading(Frozen):
    id: str
    label: str
    clusters: tuple[int, ...]
    provenance: Provenance


class SuperClass(Frozen):
    id: SuperClassId
    code: Literal["A", "B", "C"]
    label: str
    clusters: tuple[int, ...]
    headings: tuple[Heading, ...]
    provenance: Provenance


class DecisionFact(Frozen):
    """A fact of the decision tree or a cluster's page that the ratings cannot carry.

    First presentation of psychosis is what separates cluster 10 from 11-13, whatever the
    ratings; the engine asks it only when the answer would change the suggestion, and an answer
    removes the clusters it rules out.
    """

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(min_length=1)
    hint: str | None = None
    if_yes_exclude: tuple[int, ...] = ()
    if_no_exclude: tuple[int, ...] = ()
    provenance: Provenance

    @model_validator(mode="after")
    def _decides_something(self) -> DecisionFact:
        if not self.if_yes_exclude and not self.if_no_exclude:
            raise ValueError(f"fact {self.id}: rules out no cluster on either answer")
        both = set(self.if_yes_exclude) & set(self.if_no_exclude)
        if both:
            raise ValueError(f"fact {self.id}: cluster(s) {sorted(both)} ruled out by both answers")
        return self

    def excluded_by(self, answer: bool) -> tuple[int, ...]:
        return self.if_yes_exclude if answer else self.if_no_exclude


class DecisionTree(Frozen):
    question: str
    heading_question: str
    super_classes: tuple[SuperClass, ...]
    variance_code: Literal["Z"] = "Z"
    provenance: Provenance
    facts: tuple[DecisionFact, ...] = ()
    """Facts only the clinician can answer; see `DecisionFact`."""

    @model_validator(mode="after")
    def _facts_unique(self) -> DecisionTree:
        ids = [f.id for f in self.facts]
        doubled = sorted({i for i in ids if ids.count(i) > 1})
        if doubled:
            raise ValueError(f"decision-tree fact(s) {', '.join(doubled)} defined twice")
        return self

    def fact(self, ident: str) -> DecisionFact:
        for fact in self.facts:
            if fact.id == ident:
                return fact
        raise KeyError(ident)

    def super_class(self, ident: str) -> SuperClass:
        for sc in self.super_classes:
            if sc.id == ident:
                return sc
        raise KeyError(ident)

    def heading(self, ident: str) -> tuple[SuperClass, Heading]:
        for sc in self.super_classes:
            for heading in sc.headings:
                if heading.id.lower() == ident.lower() or heading.label.lower() == ident.lower():
                    return sc, heading
        raise KeyError(ident)


# --- Care transition protocols -------------------------------------------------------------


class RatingRule(Frozen):
    """A condition on one scale of the new rating, optionally held over a period of history."""

    scale: str
    min: int = Field(default=0, ge=0, le=4)
    max: int = Field(default=4, ge=0, le=4)
    over_months: int | None = Field(default=None, ge=1, le=60)
    """Also required of every rating in this many months before the review."""
    stable: bool = False
    """The rating must not have changed over `over_months`."""

    @model_validator(mode="after")
    def _sensible(self) -> RatingRule:
        if self.scale not in SCALE_CODES:
            raise ValueError(f"unknown scale {self.scale!r}")
        if self.min > self.max:
            raise ValueError(f"scale {self.scale}: min {self.min} is above max {self.max}")
        if self.stable and self.over_months is None:
            raise ValueError("a stable rating needs over_months")
        return self


class ProfileRule(Frozen):
    """'Fits the scoring profile of ...': the allocation engine restricted to some clusters."""

    target: Literal["step_up", "step_down", "current", "clusters"]
    clusters: tuple[int, ...] = ()
    over_months: int | None = Field(default=None, ge=1, le=60)

    @model_validator(mode="after")
    def _clusters_when_named(self) -> ProfileRule:
        if (self.target == "clusters") != bool(self.clusters):
            raise ValueError("give clusters exactly when target is 'clusters'")
        return self


class Criterion(Frozen):
    """One step-up, discharge or step-down criterion of a cluster's protocol."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(min_length=1)
    kind: Literal["rating", "profile", "fact", "all_of"]
    rating: RatingRule | None = None
    profile: ProfileRule | None = None
    fact: str | None = None
    parts: tuple[Criterion, ...] = ()

    @model_validator(mode="after")
    def _payload_matches_kind(self) -> Criterion:
        given = {
            "rating": self.rating is not None,
            "profile": self.profile is not None,
            "fact": self.fact is not None,
            "all_of": bool(self.parts),
        }
        if not given[self.kind] or sum(given.values()) != 1:
            raise ValueError(
                f"criterion {self.id}: kind {self.kind!r} needs exactly its own '{self.kind if self.kind != 'all_of' else 'parts'}'"
            )
        return self


class ClusterProtocol(Frozen):
    """Step-up (any one met), discharge (all met; local and editable) and step-down (all met)."""

    step_up: tuple[Criterion, ...] = ()
    discharge: tuple[Criterion, ...] = ()
    step_down: tuple[Criterion, ...] = ()
    provenance: Provenance


class ProtocolSet(Frozen):
    facts: dict[str, str]
    """Questions only a clinician can answer, by id; shared across clusters so each is asked once."""
    clusters: dict[int, ClusterProtocol]
    provenance: Provenance

    @model_validator(mode="after")
    def _facts_exist(self) -> ProtocolSet:
        def walk(criteria: tuple[Criterion, ...], where: str) -> None:
            for criterion in criteria:
                if criterion.fact is not None and criterion.fact not in self.facts:
                    raise ValueError(f"{where}: criterion {criterion.id} asks unknown fact {criterion.fact!r}")
                walk(criterion.parts, where)

        for number, protocol in self.clusters.items():
            if number in (0, 9) or not 1 <= number <= 21:
                raise ValueError(f"cluster {number}: has no care transition protocol")
            for step in ("step_up", "discharge", "step_down"):
                walk(getattr(protocol, step), f"cluster {number} {step}")
        return self


# --- The set --------------------------------------------------------------------------------


class ReferenceSet(Frozen):
    """Everything the engine needs, under one id and version that every result names."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    version: str = Field(min_length=1)
    name: str = Field(min_length=1)
    description: str = ""
    mhct: MhctDefinition
    clusters: tuple[Cluster, ...]
    grids: dict[int, ClusterGrid]
    decision_tree: DecisionTree
    protocols: ProtocolSet

    @model_validator(mode="after")
    def _consistent(self) -> ReferenceSet:
        numbers = tuple(c.number for c in self.clusters)
        if numbers != tuple(range(22)):
            raise ValueError("clusters must be 0-21 in order")
        if self.clusters[9].allocatable:
            raise ValueError("cluster 9 is a blank place marker and must not be allocatable")
        for cluster in self.clusters:
            needs_grid = cluster.allocatable and cluster.number != 0
            if needs_grid and cluster.number not in self.grids:
                raise ValueError(f"cluster {cluster.number}: no rating grid; every allocatable cluster needs one")
        for number in self.grids:
            if number in (0, 9) or not 0 <= number <= 21:
                raise ValueError(f"cluster {number}: must not have a grid (0 is variance, 9 is never used)")
        tree_clusters = sorted(n for sc in self.decision_tree.super_classes for n in sc.clusters)
        expected = sorted(c.number for c in self.clusters if c.allocatable and c.number != 0)
        if tree_clusters != expected:
            raise ValueError(
                f"decision tree super classes hold clusters {tree_clusters}; expected each allocatable cluster once: {expected}"
            )
        for sc in self.decision_tree.super_classes:
            for n in sc.clusters:
                if self.clusters[n].super_class != sc.id:
                    raise ValueError(
                        f"cluster {n}: super class {self.clusters[n].super_class!r} but the decision tree puts it under {sc.id!r}"
                    )
            headed = sorted(n for h in sc.headings for n in h.clusters)
            if headed != sorted(sc.clusters):
                raise ValueError(f"super class {sc.id}: headings hold {headed}, expected {sorted(sc.clusters)}")
        for cluster in self.clusters:
            if cluster.transitions is None:
                continue
            for name in ("step_up", "similar", "step_down", "rare"):
                for n in getattr(cluster.transitions, name):
                    if n == 9 or not 0 <= n <= 21:
                        raise ValueError(f"cluster {cluster.number}: transition list {name} names cluster {n}")
        return self

    @property
    def label(self) -> str:
        return f"{self.id} {self.version}"

    def cluster(self, number: int) -> Cluster:
        if not 0 <= number <= 21:
            raise KeyError(number)
        return self.clusters[number]

    @cached_property
    def allocatable_clusters(self) -> tuple[int, ...]:
        return tuple(c.number for c in self.clusters if c.allocatable and c.number != 0)


# --- A provider's file ----------------------------------------------------------------------


class ProviderGrid(Frozen):
    """A grid in a provider's file; provenance may be left to the file's own."""

    cells: GridCells
    provenance: Provenance | None = None
    basis: str | None = None
    row_provenance: Annotated[dict[str, Provenance], AfterValidator(_check_row_provenance)] = Field(
        default_factory=dict
    )


class ReferenceFile(Frozen):
    """What a provider writes: its own id and version, and the parts it replaces."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    version: str = Field(min_length=1)
    name: str = Field(min_length=1)
    description: str = ""
    provenance: Provenance | None = None
    grids: dict[int, ProviderGrid] = Field(default_factory=dict)
    clusters: tuple[Cluster, ...] | None = None
    decision_tree: DecisionTree | None = None
    mhct: MhctDefinition | None = None
    protocols: dict[int, ClusterProtocol] | None = None
    """Per-cluster protocols replacing the built-in ones (e.g. a provider's own discharge criteria)."""
    facts: dict[str, str] | None = None
    """Extra or reworded clinician questions, merged over the built-in ones."""
