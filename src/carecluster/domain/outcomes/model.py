"""The common shape of an outcome measure: its definition, a scored questionnaire and a change.

Every measure is data (a frozen `MeasureDefinition`) so that the service, the reports and a
reviewer read the same items, rules, thresholds and sources. Each rule carries its source and
how far it was verified, because outcome figures end up in board reports and national returns:
a threshold nobody can trace is worse than none.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["CROM", "PROM", "GOALS", "PREM"]
Direction = Literal["higher_is_better", "higher_is_worse"]
Confidence = Literal["high", "medium", "low"]
ScoringMethod = Literal["sum", "mean", "conversion_table", "single_choice", "gas", "gbo"]


class Frozen(BaseModel):
    """Immutable and strict: a misspelt key in a definition must fail, not fall back silently."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(Frozen):
    """Where a rule or value comes from, and how well it was checked for this package."""

    citation: str = Field(min_length=1)
    url: str | None = None
    confidence: Confidence
    note: str | None = None


class Rule(Frozen):
    """One scoring or validity rule in words, with its source, so that reports can quote it."""

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    source: Source


class SnomedCode(Frozen):
    """A SNOMED CT concept for a score or item, as listed in the national reference data."""

    code: str = Field(pattern=r"^\d{6,18}$")
    term: str = Field(min_length=1)
    source: Source


class ResponseOption(Frozen):
    """One answer a person can give. `value` is what is recorded; `label` is in our own words."""

    value: int
    label: str = Field(min_length=1)
    category: str | None = Field(default=None, description="Reporting group, e.g. FFT positive/negative.")


class Item(Frozen):
    """One question or rating scale. The label is a short description of our own, never the
    licensed wording (a provider loads that locally, see `wording.py`)."""

    id: str = Field(min_length=1)
    label: str = Field(min_length=1)
    options: tuple[ResponseOption, ...] = Field(min_length=1)
    reverse_scored: bool = Field(
        default=False, description="Scored (lowest + highest option) - value: e.g. 0-4 becomes 4-0."
    )
    in_total: bool = Field(default=True, description="False for items reported alone (e.g. ReQoL physical item).")
    not_known: tuple[int, ...] = Field(
        default=(), description="Values accepted as answers that mean 'not known' (HoNOS 9): counted as missing."
    )
    snomed: SnomedCode | None = None

    @model_validator(mode="after")
    def _check(self) -> Item:
        values = [option.value for option in self.options]
        if len(set(values)) != len(values):
            raise ValueError(f"item {self.id}: response values repeat")
        if set(values) & set(self.not_known):
            raise ValueError(f"item {self.id}: a 'not known' value is also a response value")
        return self

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    @property
    def lowest(self) -> int:
        return min(self.values)

    @property
    def highest(self) -> int:
        return max(self.values)

    def item_score(self, value: int) -> int:
        """The score an answer contributes, reversed where the item is worded the other way."""
        return self.lowest + self.highest - value if self.reverse_scored else value

    def option(self, value: int) -> ResponseOption:
        return next(option for option in self.options if option.value == value)


class Subscale(Frozen):
    id: str = Field(min_length=1)
    label: str = Field(min_length=1)
    items: tuple[str, ...] = Field(min_length=1)
    statistic: Literal["sum", "mean"] = "sum"


class Threshold(Frozen):
    """A published number used to judge a score or a change, with its source."""

    value: float
    source: Source


class MissingRule(Frozen):
    """How many items must be answered for a valid score, and whether missing ones are prorated."""

    min_answered: int = Field(ge=1)
    prorate: bool = Field(description="True: total = mean of answered items x number of items.")
    source: Source


class MeasureDefinition(Frozen):
    """An outcome measure as data: items, scoring, direction, validity, change thresholds, codes.

    Clinical cut-off semantics: for a measure where higher is worse, a score at or above the
    cut-off is in the clinical range; where higher is better, a score below the cut-off is.
    Reliable change: a change of at least `reliable_change.value` (in the measure's own units)
    in either direction is reliable.
    """

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1)
    kind: Kind
    version: str = Field(min_length=1, description="Version of this definition (not of the instrument).")
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...] = ()
    scoring: ScoringMethod
    score_range: tuple[float, float]
    score_label: str = Field(min_length=1, description="What the total is called, e.g. 'clinical score'.")
    direction: Direction
    missing_rule: MissingRule | None = None
    reliable_change: Threshold | None = None
    clinical_cutoff: Threshold | None = None
    significant_item_rating: int | None = Field(
        default=None, description="Items rated at or above this are clinically significant (HoNOS: 2)."
    )
    conversion_table: dict[int, float] | None = Field(
        default=None, description="Raw total -> reported score (SWEMWBS metric score)."
    )
    snomed: tuple[SnomedCode, ...] = Field(default=(), description="Codes for the total/overall score.")
    snomed_note: str = "none known"
    rules: tuple[Rule, ...] = Field(min_length=1, description="Every scoring and validity rule with its source.")
    licence: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> MeasureDefinition:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.id}: item ids repeat")
        for subscale in self.subscales:
            unknown = set(subscale.items) - set(ids)
            if unknown:
                raise ValueError(f"{self.id}: subscale {subscale.id} names unknown items {sorted(unknown)}")
        if self.scoring == "conversion_table" and not self.conversion_table:
            raise ValueError(f"{self.id}: conversion_table scoring needs a conversion table")
        low, high = self.score_range
        if low > high:
            raise ValueError(f"{self.id}: score range {self.score_range} is reversed")
        if self.reliable_change is not None and self.reliable_change.value <= 0:
            raise ValueError(f"{self.id}: a reliable change value must be above 0")
        return self

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def total_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.in_total)

    def in_clinical_range(self, score: float) -> bool | None:
        """Whether a score lies in the clinical range; None where no cut-off is published."""
        if self.clinical_cutoff is None:
            return None
        cutoff = self.clinical_cutoff.value
        return score >= cutoff if self.direction == "higher_is_worse" else score < cutoff


# --- results --------------------------------------------------------------------------------


class SubscaleScore(Frozen):
    id: str
    label: str
    score: float | None = Field(description="None when any of its items is missing (mean subscales).")
    items_answered: int
    items_total: int

    @property
    def complete(self) -> bool:
        return self.items_answered == self.items_total


class ScoreResult(Frozen):
    """One scored questionnaire or goal rating. A partial one is kept as partial: valid=False
    with the reason, the items that are missing and whatever could be scored."""

    measure_id: str
    valid: bool
    reason: str | None = Field(default=None, description="Why the score is not valid, or how it was reached.")
    total: float | None = Field(default=None, description="The measure's score (metric score, T-score, mean...).")
    raw_total: float | None = Field(default=None, description="Sum of item scores before conversion/prorating.")
    prorated: bool = False
    items_answered: int = 0
    items_missing: tuple[str, ...] = ()
    item_scores: dict[str, int] = Field(default_factory=dict, description="Per item/goal, after reverse scoring.")
    subscales: tuple[SubscaleScore, ...] = ()
    clinically_significant_items: tuple[str, ...] = ()
    in_clinical_range: bool | None = None
    response: str | None = Field(default=None, description="Single-choice measures: the answer's label.")
    category: str | None = Field(default=None, description="Single-choice measures: its reporting group.")

    def subscale(self, subscale_id: str) -> SubscaleScore:
        return next(s for s in self.subscales if s.id == subscale_id)


class ChangeCategory(StrEnum):
    RELIABLE_IMPROVEMENT = "reliable_improvement"
    RELIABLE_DETERIORATION = "reliable_deterioration"
    NO_RELIABLE_CHANGE = "no_reliable_change"
    NO_THRESHOLD = "no_threshold"
    """Change is reported, but no published reliable change value is known for this measure."""
    NOT_ASSESSABLE = "not_assessable"
    """One of the two scores is not valid (partial questionnaire, too many items not known)."""
    NOT_APPLICABLE = "not_applicable"
    """The measure has no score to compare (e.g. Friends and Family Test)."""


class ItemChange(Frozen):
    id: str
    first: float
    later: float
    change: float
    category: ChangeCategory


class Change(Frozen):
    """The change between a first and a later score of one measure."""

    measure_id: str
    first: float | None
    later: float | None
    change: float | None = Field(description="later - first, in the measure's units (sign as scored).")
    improvement: float | None = Field(description="Change signed so that positive is better.")
    category: ChangeCategory
    reason: str | None = None
    threshold: float | None = None
    first_in_clinical_range: bool | None = None
    later_in_clinical_range: bool | None = None
    clinically_significant_improvement: bool | None = Field(
        default=None, description="Reliable improvement from the clinical into the non-clinical range."
    )
    clinically_significant_deterioration: bool | None = Field(
        default=None, description="Reliable deterioration from the non-clinical into the clinical range."
    )
    item_changes: tuple[ItemChange, ...] = Field(default=(), description="Per goal, for goal-based measures.")


class Goal(Frozen):
    """A goal agreed with the person: our id, their words, and (for GAS) its weight."""

    id: str = Field(min_length=1)
    description: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
