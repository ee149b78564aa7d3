"""The allocation result: the JSON contract the CLI, API, web pages and stored records share.

`AllocationResult.model_dump()` is the contract in DESIGN.md: `suggested_cluster`,
`super_class`, ranked `candidates` (each with `cluster`, `label`, `fit`, `red_breaches`,
`orange_mismatches`), `warnings`, `reference_version`, and more for explanation and audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, PrivateAttr, computed_field

Fit = Literal["fits", "weaker_fit", "unconfirmed", "excluded"]
"""How a cluster's grid fits the ratings.

fits: every red and orange scale in range. weaker_fit: red in range, some orange off.
unconfirmed: no red breach, but a red scale rated 9 (not known), so membership cannot be
confirmed: shown as possible, never suggested. excluded: a red (must score) breach.
"""

Status = Literal["suggested", "needs_answers", "needs_further_assessment", "variance"]
"""How far the suggestion can be trusted, in the words a clinician acts on.

suggested: one clear answer and nothing open. needs_answers: a decision-tree fact, a choice
between equally good clusters or a conflict with an inferred (unconfirmed) red rule would change
the answer; see `questions`. needs_further_assessment: some value of a scale rated 9 (not known)
would change the answer. variance: every considered cluster breaks a red rule, so cluster 0.
`suggested_cluster` always holds the engine's current best answer, whatever the status.
"""

Ranking = Literal["one_best", "tie", "variance"]
"""What the grids alone say, before any question: one best cluster, several equally good, or
none free of red breaches. The batch engine computes this for whole files."""

LEGACY_STATUSES = frozenset({"tie"})
"""Statuses stored by earlier engine versions (a tie is now a question): read, never produced."""

QuestionKind = Literal["fact", "not_known", "inferred_rule", "tie"]
"""fact: a decision-tree or protocol question only the clinician can answer (yes / no).
not_known: a scale rated 9 whose rating would change the answer: re-rate it.
inferred_rule: a cluster removed only by inferred (low-confidence) red cells would otherwise
compete: does it describe the person (yes / no)? tie: clusters fit equally well: choose one.
"""


@dataclass(frozen=True, slots=True)
class Question:
    """One open question that stands between the ratings and a clear answer.

    Shared by the allocation and the care transition protocols so that every interface asks
    in one shape: `id` is what an answer is given under (a fact id, `scale_7`, ...). A plain
    dataclass, like `Finding`: pydantic serialises it, and a suggestion on every keystroke of a
    form does not pay for validating what the engine itself built.
    """

    id: str
    kind: QuestionKind
    text: str
    clusters: list[int]
    """The clusters at stake: those the answer decides between."""
    answers: list[str]
    """The valid answers: yes / no for facts and rules, 0-4 for a scale to re-rate, cluster numbers for a tie."""


class CandidateSource(Protocol):
    """Builds the detail of a result on demand (see `AllocationResult.attach_detail`)."""

    def candidates(self, upto: int | None = None) -> list[Candidate]: ...

    def explanation(self) -> str: ...

    def questions(self) -> list[Question]: ...

    def warnings(self) -> list[str]: ...


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)


@dataclass(frozen=True, slots=True)
class Finding:
    """One scale tested against one cluster's grid row.

    A plain dataclass (pydantic validates and serialises it as a field) because an allocation
    makes dozens of them and they are built from trusted engine output.
    """

    scale: str
    """Scale code, or '7/8' where the higher of scales 7 and 8 is tested."""
    rating: int | None
    """The rating tested (the higher of 7 and 8 for '7/8'); None when not known (9)."""
    colour: str | None
    """The grid colour at that rating: must, expected, may, unlikely or nodata; None if not known."""
    expected: tuple[int, ...]
    """The ratings the row asks for: red cells for a red test, orange (and red) cells for orange."""
    distance: int
    """How far the rating is from the nearest rating asked for (0 when in range or not known)."""


class Candidate(Result):
    cluster: int
    label: str
    super_class: str
    rank: int
    fit: Fit
    red_breaches: list[Finding]
    red_unconfirmed: list[Finding]
    orange_mismatches: list[Finding]
    orange_not_known: list[Finding]
    unlikely_ratings: list[Finding]
    """Ratings on blank (unlikely) cells of rows with no red or orange cells: used to break ties."""
    yellow_ratings: list[Finding]
    """Non-zero ratings on yellow (may score) cells: little bearing, may point to care plan needs."""
    grid_confidence: str
    inferred_red_scales: list[str]
    """Scales whose red cells in this cluster's grid are inferred, not from a confirmed source."""
    relaxed: bool
    """True when the clinician answered that the cluster describes the person despite its
    inferred red cells: they were then read as expected (orange) ranges."""
    explanation: str


class AllocationResult(Result):
    suggested_cluster: int
    """The engine's current best answer, whatever the status (0 = variance)."""
    suggested_label: str
    status: Status
    ranking: Ranking
    facts: dict[str, bool]
    """The answers given to decision-tree and inferred-rule questions."""
    engine_version: str
    super_class: Literal["non-psychotic", "psychotic", "organic"] | None
    """Super class of the suggested cluster (None for cluster 0)."""
    super_class_given: Literal["non-psychotic", "psychotic", "organic"] | None
    heading_given: str | None
    considered_clusters: list[int]
    tied_with: list[int]
    best_by_super_class: dict[str, int | None]
    not_known_scales: list[str]
    ratings: list[int]
    problem_type: str | None
    low_confidence: bool
    """True when the suggestion rests on grid cells of low (inferred) confidence."""
    disclaimer: str
    reference_id: str
    reference_version: str
    reference_name: str

    _detail: CandidateSource | None = PrivateAttr(default=None)

    @classmethod
    def from_engine(cls, values: dict[str, object], detail: CandidateSource | None = None) -> AllocationResult:
        """What `model_construct` builds, without its per-field search for aliases and defaults.

        The engine gives every field itself, already checked, on every keystroke of a rating
        form; `model_construct`'s loop was a quarter of an allocation's time. A missing or
        unknown field is still refused, so the contract cannot drift from the model.
        """
        if values.keys() != _RESULT_FIELDS:
            missing, extra = _RESULT_FIELDS - values.keys(), values.keys() - _RESULT_FIELDS
            raise ValueError(f"allocation result fields: missing {sorted(missing)}, unknown {sorted(extra)}")
        result = cls.__new__(cls)
        object.__setattr__(result, "__dict__", values)
        object.__setattr__(result, "__pydantic_fields_set__", set(values))
        object.__setattr__(result, "__pydantic_extra__", None)
        object.__setattr__(result, "__pydantic_private__", {"_detail": detail})
        return result

    def attach_detail(self, source: CandidateSource) -> None:
        """Findings and wording are built on first read: a form that only shows the suggestion
        on each keystroke does not pay for twenty explanations it never displays."""
        private = self.__pydantic_private__
        assert private is not None  # set by pydantic for every model with private attributes
        private["_detail"] = source  # what pydantic's own private setattr does, minus its checks

    def _source(self) -> CandidateSource:
        if self._detail is None:
            raise RuntimeError("AllocationResult was built without its detail")
        return self._detail

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def candidates(self) -> list[Candidate]:
        """Considered clusters, best first, each with its findings and explanation."""
        return self._source().candidates()

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def questions(self) -> list[Question]:
        """What stands between the ratings and a clear answer; empty exactly when the status is
        suggested or variance. Worded on first read, like the candidates."""
        return self._source().questions()

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def warnings(self) -> list[str]:
        """What the clinician should know about this suggestion, in plain words."""
        return self._source().warnings()

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def explanation(self) -> str:
        """The suggestion in plain words: which scales, which rule, and what came next."""
        return self._source().explanation()

    def candidate(self, cluster: int) -> Candidate:
        for candidate in self.candidates:
            if candidate.cluster == cluster:
                return candidate
        raise KeyError(cluster)


_RESULT_FIELDS = frozenset(AllocationResult.model_fields)
