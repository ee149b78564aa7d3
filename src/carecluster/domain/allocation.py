"""Suggest a care cluster from MHCT ratings, with the reasons a clinician and an auditor can check.

The booklet's procedure: the clinician decides the super class (non-psychotic, psychotic,
organic) and optionally the next heading; the grids of the remaining clusters are compared, red
first, then orange, then yellow. When no cluster is free of red breaches, cluster 0 (variance).
The suggestion is a draft aid: the clinician's decision always wins.

Pure functions: no I/O, the reference set is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from carecluster.domain.explanation import (
    DRAFT_AID,
    describe_candidate,
    describe_result,
    low_confidence_warning,
)
from carecluster.domain.grid_fit import (
    GridFit,
    RowTest,
    compile_rows,
    evaluate,
    evaluate_row,
    possible_range,
)
from carecluster.domain.ranking import NUMBER_BITS, PackedRanking, fit_of
from carecluster.domain.ratings import Ratings
from carecluster.domain.results import AllocationResult, Candidate
from carecluster.reference.models import SUPER_CLASSES, ReferenceSet


class AllocationError(ValueError):
    """The decision-tree answer given does not exist in the reference set."""


@dataclass(frozen=True, slots=True)
class CompiledCluster:
    number: int
    label: str
    super_class: str
    rows: tuple[RowTest, ...]
    confidence: str

    @property
    def red_rows(self) -> tuple[RowTest, ...]:
        return tuple(row for row in self.rows if row.red)


def _red_not_confirmed(row: RowTest, values: tuple[int, ...]) -> bool:
    fit = GridFit()
    evaluate_row(row, *possible_range(values, row.index), fit)
    return bool(fit.red_unconfirmed)


@dataclass(frozen=True, slots=True)
class CompiledReference:
    reference: ReferenceSet
    clusters: tuple[CompiledCluster, ...]
    by_number: Mapping[int, CompiledCluster]
    ranking: PackedRanking


_compiled: dict[int, CompiledReference] = {}


def compile_reference(reference: ReferenceSet) -> CompiledReference:
    """Compile each grid once per reference set (held by identity, the sets are immutable)."""
    cached = _compiled.get(id(reference))
    if cached is not None and cached.reference is reference:
        return cached
    clusters = tuple(
        CompiledCluster(
            number=number,
            label=reference.cluster(number).title,
            super_class=reference.cluster(number).super_class,
            rows=compile_rows(reference.grids[number]),
            confidence=reference.grids[number].provenance.confidence,
        )
        for number in reference.allocatable_clusters
    )
    ranking = PackedRanking([(c.number, c.rows) for c in clusters])
    compiled = CompiledReference(reference, clusters, {c.number: c for c in clusters}, ranking)
    if len(_compiled) > 32:  # a handful of sets per process at most; never grow without bound
        _compiled.clear()
    _compiled[id(reference)] = compiled
    return compiled


def scope_of(
    reference: ReferenceSet, super_class: str | None, heading: str | None
) -> tuple[str | None, str | None, tuple[int, ...]]:
    """The clusters the clinician's decision-tree answers leave in play."""
    tree = reference.decision_tree
    if heading is not None:
        try:
            sc, head = tree.heading(heading)
        except KeyError:
            known = ", ".join(f"{h.id} ({h.label})" for s in tree.super_classes for h in s.headings)
            raise AllocationError(f"unknown decision-tree heading {heading!r}; headings are {known}") from None
        if super_class is not None and super_class != sc.id:
            raise AllocationError(f"heading {head.id} ({head.label}) belongs to super class {sc.id}, not {super_class}")
        return sc.id, head.id, tuple(head.clusters)
    if super_class is not None:
        if super_class not in SUPER_CLASSES:
            raise AllocationError(f"unknown super class {super_class!r}; use non-psychotic, psychotic or organic")
        return super_class, None, tuple(tree.super_class(super_class).clusters)
    return None, None, reference.allocatable_clusters


def allocate(
    ratings: Ratings | Sequence[object] | Mapping[str, object] | str,
    super_class: str | None,
    reference: ReferenceSet,
    *,
    heading: str | None = None,
    within: Sequence[int] | None = None,
) -> AllocationResult:
    """Suggest a cluster for one MHCT rating, ranked and explained.

    `super_class` (and optionally `heading`) are the clinician's answers to the decision tree;
    without them every cluster is considered and the best in each super class reported.
    `within` restricts the candidates further, as a care transition protocol does at review.
    """
    rated = Ratings.of(ratings)
    compiled = compile_reference(reference)
    sc_given, heading_id, scope = scope_of(reference, super_class, heading)
    if within is not None:
        unknown = [n for n in within if n not in compiled.by_number]
        if unknown or not within:
            raise AllocationError(
                f"cannot restrict to cluster(s) {unknown or 'none'}: only allocatable clusters have grids"
            )
        wanted = set(within)
        scope = tuple(n for n in scope if n in wanted)
        if not scope:
            raise AllocationError(f"none of clusters {sorted(wanted)} is within the chosen super class or heading")

    values = rated.values
    keys = dict(zip(compiled.ranking.numbers, compiled.ranking.keys(values), strict=True))
    fields = {n: k >> NUMBER_BITS for n, k in keys.items()}  # the rank fields, cluster number dropped
    fits = {n: fit_of(k) for n, k in keys.items()}
    ranked = sorted(scope, key=keys.__getitem__)
    overall = sorted(keys, key=keys.__getitem__)
    top = ranked[0]

    tied: list[int] = []
    if fits[top] in ("fits", "weaker_fit"):
        suggested = top
        tied = [n for n in ranked[1:] if fields[n] == fields[top]]
        status = "tie" if tied else "suggested"
    else:
        suggested = 0
        status = "needs_further_assessment" if any(fits[n] == "unconfirmed" for n in ranked) else "variance"

    best_by_super_class: dict[str, int | None] = dict.fromkeys(SUPER_CLASSES)
    for n in reversed(overall):
        if fits[n] in ("fits", "weaker_fit"):
            best_by_super_class[compiled.by_number[n].super_class] = n

    suggested_cluster = reference.cluster(suggested)
    low_confidence = suggested != 0 and compiled.by_number[suggested].confidence == "low"
    warnings = _warnings(rated, compiled, fields, fits, ranked, overall, suggested, status, tied, sc_given)
    if sc_given is None:
        warnings.append(
            "No super class given: whether needs are non-psychotic, psychotic or organic is a clinical decision "
            "(decision tree step 2). Best fit in each super class - "
            + ", ".join(f"{sc}: {n if n is not None else 'none confirmed'}" for sc, n in best_by_super_class.items())
            + "."
        )
    if low_confidence or any(compiled.by_number[n].confidence == "low" for n in ranked[:3]):
        warnings.append(low_confidence_warning(reference))

    result = AllocationResult.model_construct(
        suggested_cluster=suggested,
        suggested_label=suggested_cluster.title,
        status=status,
        super_class=suggested_cluster.super_class if suggested != 0 else None,
        super_class_given=sc_given,
        heading_given=heading_id,
        considered_clusters=list(scope),
        tied_with=tied,
        best_by_super_class=best_by_super_class,
        warnings=warnings,
        not_known_scales=list(rated.not_known),
        ratings=list(values),
        problem_type=rated.problem_type,
        low_confidence=low_confidence,
        disclaimer=DRAFT_AID,
        reference_id=reference.id,
        reference_version=reference.version,
        reference_name=reference.name,
    )
    result.attach_detail(_Detail(compiled, values, ranked, status, tied))
    return result


class _Detail:
    """The findings of the considered clusters, evaluated in rank order only as far as read."""

    def __init__(
        self, compiled: CompiledReference, values: tuple[int, ...], ranked: list[int], status: str, tied: list[int]
    ) -> None:
        self._compiled, self._values, self._ranked = compiled, values, ranked
        self._status, self._tied = status, tied
        self._built: list[Candidate] = []

    def candidates(self, upto: int | None = None) -> list[Candidate]:
        wanted = len(self._ranked) if upto is None else min(upto, len(self._ranked))
        while len(self._built) < wanted:
            number = self._ranked[len(self._built)]
            cluster = self._compiled.by_number[number]
            self._built.append(_candidate(cluster, evaluate(cluster.rows, self._values), len(self._built) + 1))
        return self._built[:wanted]

    def explanation(self) -> str:
        # the suggestion, those tied with it and the next two (or the nearest three for cluster 0)
        shown = self.candidates(len(self._tied) + 3)
        suggested = shown[0].cluster if self._status in ("suggested", "tie") else 0
        return describe_result(
            suggested=suggested,
            status=self._status,
            candidates=shown,
            tied=self._tied,
            reference=self._compiled.reference,
        )


def _candidate(cluster: CompiledCluster, fit: GridFit, rank: int) -> Candidate:
    return Candidate.model_construct(
        cluster=cluster.number,
        label=cluster.label,
        super_class=cluster.super_class,
        rank=rank,
        fit=fit.fit,
        red_breaches=fit.red_breaches,
        red_unconfirmed=fit.red_unconfirmed,
        orange_mismatches=fit.orange_mismatches,
        orange_not_known=fit.orange_not_known,
        unlikely_ratings=fit.unlikely,
        yellow_ratings=fit.yellow,
        grid_confidence=cluster.confidence,
        explanation=describe_candidate(cluster.number, cluster.label, fit),
    )


def _warnings(
    rated: Ratings,
    compiled: CompiledReference,
    fields: dict[int, int],
    fits: dict[int, str],
    ranked: list[int],
    overall: list[int],
    suggested: int,
    status: str,
    tied: list[int],
    sc_given: str | None,
) -> list[str]:
    warnings: list[str] = []
    if rated.not_known:
        warnings.append(
            f"Scale(s) {', '.join(rated.not_known)} rated 9 (not known): accurate clustering may be impractical "
            "and further assessment is needed."
        )
    if rated.values[7] not in (0, 9) and rated.problem_type is None:
        warnings.append(f"Scale 8 is rated {rated.values[7]} without its problem type (A-J).")
    unconfirmed = [n for n in ranked if fits[n] == "unconfirmed"]
    if unconfirmed:
        described = []
        for n in unconfirmed:
            red_rows = compiled.by_number[n].red_rows
            unknown = [row.scale for row in red_rows if _red_not_confirmed(row, rated.values)]
            described.append(f"cluster {n} (red scale {', '.join(unknown)} not known)")
        warnings.append(
            "Possible, needs further assessment: "
            + "; ".join(described)
            + ". Such clusters are never suggested until their red scales are rated."
        )
    if status == "tie":
        names = ", ".join(str(n) for n in [suggested, *tied])
        warnings.append(
            f"Tie: clusters {names} fit equally well; cluster {suggested} is named only by the rule "
            "'lowest cluster number among equals'. Choose between them on clinical grounds."
        )
    if status == "variance":
        warnings.append(
            "Every considered cluster breaks a red (must score) rule, so cluster 0 (variance) is suggested; "
            "see the nearest clusters and why each failed."
        )
    if status == "needs_further_assessment":
        warnings.append("No cluster can be confirmed until the scales rated 9 are known; cluster 0 is shown meanwhile.")
    if sc_given is not None:
        best_overall = overall[0]
        confirmed_outside = fits[best_overall] in ("fits", "weaker_fit") and best_overall not in ranked
        if confirmed_outside and (suggested == 0 or fields[best_overall] < fields[suggested]):
            sc = compiled.by_number[best_overall].super_class
            warnings.append(
                f"Outside the chosen super class, cluster {best_overall} ({sc}) fits these ratings better; "
                "check the decision-tree answer."
            )
    return warnings
