"""Suggest a care cluster from MHCT ratings, with the reasons a clinician and an auditor can check.

The booklet's procedure: the clinician decides the super class (non-psychotic, psychotic,
organic) and optionally the next heading; the grids of the remaining clusters are compared, red
first, then orange, then yellow. When no cluster is free of red breaches, cluster 0 (variance).
The suggestion is a draft aid: the clinician's decision always wins.

The status says how far the answer can be trusted, and `questions` what stands open:
scales rated 9 whose rating would change the answer (`not_known`), decision-tree facts the
ratings cannot carry (`facts`), equally good clusters, and clusters removed only by inferred
red cells that would otherwise compete (`inferred`). Answers come back as `facts`.

Pure functions: no I/O, the reference set is passed in.
"""

from __future__ import annotations

import sys
from bisect import bisect_left
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
    relax_red,
)
from carecluster.domain.not_known import NinePattern, can_change, nine_pattern, open_scales
from carecluster.domain.questions import (
    INFERRED_PREFIX,
    FactAnswers,
    fact_question,
    inferred_question,
    not_known_question,
    parse_answers,
    tie_question,
)
from carecluster.domain.ranking import EXCLUDED_FROM, LANE_BITS, NUMBER_BITS, PackedRanking, excluded
from carecluster.domain.ratings import Ratings, plain_values
from carecluster.domain.results import AllocationResult, Candidate, Finding, Question, Ranking, Status
from carecluster.reference.models import NOT_KNOWN, SUPER_CLASSES, DecisionFact, ReferenceSet

NUMBER_MASK = (1 << NUMBER_BITS) - 1
"""The lowest bits of a rank key: its cluster number."""

ENGINE_VERSION = "2026.12"
"""The version of the rules in this module, stored with every allocation: a stored suggestion
keeps the engine and reference set it was made with, and the record says when today's differ."""


class AllocationError(ValueError):
    """The decision-tree answer given does not exist in the reference set."""


class FactError(AllocationError):
    """An answer given to a question that does not exist, or an answer that is not yes or no."""


@dataclass(frozen=True, slots=True)
class CompiledCluster:
    number: int
    label: str
    super_class: str
    rows: tuple[RowTest, ...]
    confidence: str
    inferred_red: tuple[str, ...]
    """Scales whose red cells are inferred (low confidence): they may never silently exclude."""
    relaxed_rows: tuple[RowTest, ...]
    """`rows` with the inferred red cells read as orange (the same as `rows` when none are)."""

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
    relaxed: PackedRanking | None
    """The ranking with every inferred red cell read as orange; None when no red cell is inferred."""
    both: PackedRanking
    """`ranking`'s clusters, then (when there is one) `relaxed`'s, summed in one pass, lane n holding
    cluster n (`SLOTS` + n relaxed): the relaxed keys are read only for the few clusters that need them."""
    facts: Mapping[str, DecisionFact]
    inferred_clusters: tuple[int, ...]
    """Clusters with at least one inferred red row."""
    super_classes: tuple[tuple[str, tuple[int, ...]], ...]
    """Each super class with its clusters, in `SUPER_CLASSES` order."""
    facts_deciding: Mapping[int, tuple[DecisionFact, ...]]
    """Cluster -> the facts (in tree order) one answer of which rules it out: the only facts that
    can change a suggestion of that cluster. Clusters no fact rules out are absent."""
    lane_bytes: int
    """Bytes that hold every lane of `both`'s total: the keys are read out in one C call."""
    named: tuple[tuple[str, str], ...]
    """Cluster number (0-21) -> (title, super class), read for the suggestion."""
    scopes: dict[tuple[str | None, str | None], tuple[str | None, str | None, tuple[int, ...]]]
    """(super class, heading) as given -> `scope_of`'s answer, kept once worked out."""


_compiled: dict[int, CompiledReference] = {}

SLOTS = 22
"""Clusters 0-21: one lane of `CompiledReference.both` per number, and as many again relaxed."""


def _placeholder_row(row: RowTest) -> RowTest:
    """A row that adds nothing to a rank key whatever the rating (every cell may score)."""
    none = (0,) * 5
    return RowTest(row.scale, row.index, ("may",) * 5, (), none, (), none, True)


def compile_reference(reference: ReferenceSet) -> CompiledReference:
    """Compile each grid once per reference set (held by identity, the sets are immutable)."""
    cached = _compiled.get(id(reference))
    if cached is not None and cached.reference is reference:
        return cached
    clusters = tuple(_compile_cluster(reference, number) for number in reference.allocatable_clusters)
    ranking = PackedRanking([(c.number, c.rows) for c in clusters])
    relaxed = None
    if any(c.inferred_red for c in clusters):
        relaxed = PackedRanking([(c.number, c.relaxed_rows) for c in clusters])
    facts = {fact.id: fact for fact in reference.decision_tree.facts}
    inferred = tuple(c.number for c in clusters if c.inferred_red)
    # lane n of `both` holds cluster n's key (and lane SLOTS + n its relaxed key), so that the keys
    # read out in one call are a list indexed by cluster number; numbers without a grid (0, 9)
    # get rows that add nothing, and their lanes are never read
    placeholder = tuple(_placeholder_row(row) for row in clusters[0].rows)
    rows_of = {c.number: c.rows for c in clusters}
    lanes = [(n, rows_of.get(n, placeholder)) for n in range(SLOTS)]
    if relaxed is not None:
        relaxed_rows_of = {c.number: c.relaxed_rows for c in clusters}
        lanes += [(n, relaxed_rows_of.get(n, placeholder)) for n in range(SLOTS)]
    both = PackedRanking(lanes)
    super_classes = tuple((sc, tuple(c.number for c in clusters if c.super_class == sc)) for sc in SUPER_CLASSES)
    facts_deciding = {
        c.number: deciding
        for c in clusters
        if (
            deciding := tuple(
                fact for fact in facts.values() if c.number in fact.if_yes_exclude or c.number in fact.if_no_exclude
            )
        )
    }
    compiled = CompiledReference(
        reference,
        clusters,
        {c.number: c for c in clusters},
        ranking,
        relaxed,
        both,
        facts,
        inferred,
        super_classes,
        facts_deciding,
        len(both.shifts) * LANE_BITS // 8,
        tuple((c.title, c.super_class) for c in reference.clusters),
        {},
    )
    if len(_compiled) > 32:  # a handful of sets per process at most; never grow without bound
        _compiled.clear()
    _compiled[id(reference)] = compiled
    return compiled


def _compile_cluster(reference: ReferenceSet, number: int) -> CompiledCluster:
    grid = reference.grids[number]
    rows = compile_rows(grid)
    inferred = grid.inferred_red_scales
    tested = {"7/8" if code in ("7", "8") else code for code in inferred}
    return CompiledCluster(
        number=number,
        label=reference.cluster(number).title,
        super_class=reference.cluster(number).super_class,
        rows=rows,
        confidence=grid.provenance.confidence,
        inferred_red=inferred,
        relaxed_rows=tuple(relax_red(row) if row.scale in tested else row for row in rows),
    )


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
    facts: Mapping[str, object] | None = None,
) -> AllocationResult:
    """Suggest a cluster for one MHCT rating, ranked and explained, with what stands open.

    `super_class` (and optionally `heading`) are the clinician's answers to the decision tree;
    without them every cluster is considered and the best in each super class reported.
    `within` restricts the candidates further, as a care transition protocol does at review.
    `facts` answers the questions of an earlier result (`{"first_presentation_psychosis": "no"}`).
    """
    # a rating form's 18 plain valid ints need no Ratings model: its values are all the engine reads
    values = plain_values(ratings)
    problem_type = None
    if values is None:
        rated = Ratings.of(ratings)
        values, problem_type = rated.values, rated.problem_type
    compiled = _compiled.get(id(reference))
    if compiled is None or compiled.reference is not reference:
        compiled = compile_reference(reference)
    answers: FactAnswers = {}
    if facts:
        try:
            answers = parse_answers(facts, reference.decision_tree.facts, compiled.inferred_clusters)
        except ValueError as error:
            raise FactError(str(error)) from None
    sc_given, heading_id, scope = _scope(compiled, super_class, heading)
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
    ruled_out = _ruled_out_by_facts(compiled, answers) if answers else set()
    in_scope = tuple(n for n in scope if n not in ruled_out) if ruled_out else scope
    if not in_scope:
        raise FactError(
            f"the answers given ({', '.join(f'{k}={_word(v)}' for k, v in answers.items())}) rule out every "
            f"cluster in scope ({', '.join(str(n) for n in scope)}); check them or the decision-tree answer"
        )

    ranking_table = compiled.ranking
    # every lane of the packed total at once (a lane is 64 bits and no field overflows it)
    # keys[n] is cluster n's key, keys[SLOTS + n] its relaxed one
    keys = memoryview(compiled.both.total(values).to_bytes(compiled.lane_bytes, sys.byteorder)).cast("Q").tolist()
    relaxed_at = SLOTS if compiled.relaxed is not None else None

    accepted: set[int] = set()
    if answers and relaxed_at is not None:
        accepted = {n for n in compiled.inferred_clusters if answers.get(f"{INFERRED_PREFIX}{n}") is True}
        for n in accepted:
            keys[n] = keys[relaxed_at + n]
    ranked = sorted(in_scope, key=keys.__getitem__)
    top = ranked[0]
    top_key = keys[top]

    tied: list[int] = []
    if top_key < EXCLUDED_FROM:
        suggested = top
        # keys are sorted, so those with the same rank fields (the cluster number aside) follow the top
        beyond = ((top_key >> NUMBER_BITS) + 1) << NUMBER_BITS
        for n in ranked[1:]:
            if keys[n] >= beyond:
                break
            tied.append(n)
        ranking: Ranking = "tie" if tied else "one_best"
    else:
        suggested, ranking = 0, "variance"

    pattern = nine_pattern(values) if NOT_KNOWN in values else None
    not_known = pattern.scales if pattern is not None else ()
    relaxed_ranking = compiled.relaxed or ranking_table
    # the status needs only whether some rating of a 9 changes the answer; which scales and
    # clusters are at stake is worked out when the questions or warnings are read
    changes = pattern is not None and can_change(
        suggested, ranked, keys, ranking_table, relaxed_ranking, accepted, pattern
    )

    open_facts: list[tuple[DecisionFact, int, int]] = []
    # a fact either answer of which leaves the best cluster in play cannot change the answer
    for fact in compiled.facts_deciding.get(top, ()):
        if fact.id in answers:
            continue
        if_yes = _best(ranked, keys, fact.if_yes_exclude)
        if_no = _best(ranked, keys, fact.if_no_exclude)
        if if_yes != if_no:
            open_facts.append((fact, if_yes, if_no))
    open_inferred: list[int] = []
    if relaxed_at is not None:
        # excluded clusters (a suffix of `ranked`) whose relaxed key is free of red breaches and
        # no worse than the suggestion's rank fields
        limit = EXCLUDED_FROM
        if suggested:
            limit = min(limit, ((keys[suggested] >> NUMBER_BITS) + 1) << NUMBER_BITS)
        first_excluded = bisect_left(ranked, EXCLUDED_FROM, key=keys.__getitem__)
        open_inferred = [n for n in ranked[first_excluded:] if keys[relaxed_at + n] < limit]
        if answers and open_inferred:
            open_inferred = [n for n in open_inferred if n not in accepted and f"{INFERRED_PREFIX}{n}" not in answers]

    status: Status
    if changes:
        status = "needs_further_assessment"
    elif tied or open_facts or open_inferred:
        status = "needs_answers"
    else:
        status = "variance" if suggested == 0 else "suggested"

    best_by_super_class: dict[str, int | None] = {}
    for super_class_id, members in compiled.super_classes:
        best_key = min(map(keys.__getitem__, members)) if members else EXCLUDED_FROM
        # a key's lowest bits are its cluster number
        best_by_super_class[super_class_id] = None if best_key >= EXCLUDED_FROM else best_key & NUMBER_MASK

    suggested_label, suggested_super_class = compiled.named[suggested]
    low_confidence = suggested != 0 and compiled.by_number[suggested].confidence == "low"

    detail = _Detail(
        compiled,
        values,
        problem_type,
        ranked,
        suggested,
        status,
        tied,
        accepted,
        answers,
        keys,
        pattern if changes else None,
        not_known,
        open_facts,
        open_inferred,
        sc_given,
        best_by_super_class,
        ruled_out,
        scope,
        low_confidence,
    )
    return AllocationResult.from_engine(
        {
            "suggested_cluster": suggested,
            "suggested_label": suggested_label,
            "status": status,
            "ranking": ranking,
            "facts": answers,
            "engine_version": ENGINE_VERSION,
            "super_class": suggested_super_class if suggested != 0 else None,
            "super_class_given": sc_given,
            "heading_given": heading_id,
            "considered_clusters": list(in_scope),
            "tied_with": tied,
            "best_by_super_class": best_by_super_class,
            "not_known_scales": list(not_known),
            "ratings": list(values),
            "problem_type": problem_type,
            "low_confidence": low_confidence,
            "disclaimer": DRAFT_AID,
            "reference_id": reference.id,
            "reference_version": reference.version,
            "reference_name": reference.name,
        },
        detail,
    )


def _scope(
    compiled: CompiledReference, super_class: str | None, heading: str | None
) -> tuple[str | None, str | None, tuple[int, ...]]:
    """`scope_of`, kept per reference set for each pair of answers once they proved valid."""
    key = (super_class, heading)
    try:
        found = compiled.scopes.get(key)
    except TypeError:  # not a string: let scope_of say what is wrong with it
        return scope_of(compiled.reference, super_class, heading)
    if found is None:
        found = scope_of(compiled.reference, super_class, heading)  # raises for unknown answers
        if len(compiled.scopes) > 256:  # a few dozen spellings at most; never grow without bound
            compiled.scopes.clear()
        compiled.scopes[key] = found
    return found


def _red_breaches(cluster: CompiledCluster, values: tuple[int, ...]) -> list[Finding]:
    fit = GridFit()
    for row in cluster.red_rows:
        evaluate_row(row, *possible_range(values, row.index), fit)
    return fit.red_breaches


def _word(answer: bool) -> str:
    return "yes" if answer else "no"


def _ruled_out_by_facts(compiled: CompiledReference, answers: FactAnswers) -> set[int]:
    ruled_out: set[int] = set()
    for ident, answer in answers.items():
        fact = compiled.facts.get(ident)
        if fact is not None:
            ruled_out.update(fact.excluded_by(answer))
    return ruled_out


def _best(ranked: list[int], keys: Sequence[int], without: tuple[int, ...]) -> int:
    """The answer were `without` ruled out: the best remaining cluster, or 0 (variance)."""
    for n in ranked:
        if n not in without:
            return 0 if excluded(keys[n]) else n
    return 0


def _in_scale_order(stake: Mapping[str, object]) -> list[str]:
    from carecluster.reference.models import SCALE_CODES

    return [code for code in SCALE_CODES if code in stake]


class _Detail:
    """What a result shows beyond the suggestion, built only when read: the findings of the
    considered clusters (in rank order, as far as read), the questions and the warnings.

    Holds the engine's working state in slots rather than in closures made on every call."""

    __slots__ = (
        "_best_by_super_class",
        "_built",
        "_compiled",
        "_facts",
        "_keys",
        "_low_confidence",
        "_not_known",
        "_open_facts",
        "_open_inferred",
        "_pattern",
        "_problem_type",
        "_questions",
        "_ranked",
        "_relaxed",
        "_ruled_out",
        "_sc_given",
        "_scope",
        "_stake",
        "_status",
        "_suggested",
        "_tied",
        "_values",
    )

    def __init__(
        self,
        compiled: CompiledReference,
        values: tuple[int, ...],
        problem_type: str | None,
        ranked: list[int],
        suggested: int,
        status: Status,
        tied: list[int],
        relaxed: set[int],
        facts: dict[str, bool],
        keys: list[int],
        pattern: NinePattern | None,
        not_known: tuple[str, ...],
        open_facts: list[tuple[DecisionFact, int, int]],
        open_inferred: list[int],
        sc_given: str | None,
        best_by_super_class: dict[str, int | None],
        ruled_out: set[int],
        scope: tuple[int, ...],
        low_confidence: bool,
    ) -> None:
        self._compiled, self._values, self._problem_type, self._ranked = compiled, values, problem_type, ranked
        self._suggested, self._status, self._tied = suggested, status, tied
        self._relaxed, self._facts, self._keys = relaxed, facts, keys
        self._pattern = pattern  # the pattern of 9s when some rating of them changes the answer
        self._not_known, self._open_facts, self._open_inferred = not_known, open_facts, open_inferred
        self._sc_given, self._best_by_super_class = sc_given, best_by_super_class
        self._ruled_out, self._scope, self._low_confidence = ruled_out, scope, low_confidence
        self._stake: dict[str, set[int]] | None = None
        self._questions: list[Question] | None = None
        self._built: list[Candidate] = []

    def stake(self) -> dict[str, set[int]]:
        """Scale rated 9 -> the clusters its rating decides between (empty if none would)."""
        if self._stake is None:
            compiled = self._compiled
            self._stake = (
                open_scales(
                    self._suggested,
                    self._ranked,
                    self._keys,
                    compiled.ranking,
                    compiled.relaxed or compiled.ranking,
                    self._relaxed,
                    self._pattern,
                )
                if self._pattern is not None
                else {}
            )
        return self._stake

    def questions(self) -> list[Question]:
        if self._questions is None:
            reference, suggested = self._compiled.reference, self._suggested
            at_stake = self.stake()
            asked = [not_known_question(reference, code, at_stake[code]) for code in _in_scale_order(at_stake)]
            if self._tied:
                asked.append(tie_question([suggested, *self._tied]))
            asked += [fact_question(fact, if_yes, if_no) for fact, if_yes, if_no in self._open_facts]
            for n in self._open_inferred:
                cluster = self._compiled.by_number[n]
                asked.append(inferred_question(n, cluster.label, _red_breaches(cluster, self._values), suggested))
            self._questions = asked
        return self._questions

    def warnings(self) -> list[str]:
        compiled, ranked = self._compiled, self._ranked
        said = _warnings(
            self._values,
            self._problem_type,
            self._not_known,
            compiled,
            self._keys,
            ranked,
            self._suggested,
            self._tied,
            self._sc_given,
            self.stake(),
        )
        if self._sc_given is None:
            said.append(
                "No super class given: whether needs are non-psychotic, psychotic or organic is a clinical "
                "decision (decision tree step 2). Best fit in each super class - "
                + ", ".join(
                    f"{sc}: {n if n is not None else 'none free of red breaches'}"
                    for sc, n in self._best_by_super_class.items()
                )
                + "."
            )
        if self._ruled_out & set(self._scope):
            said.append(
                "Ruled out by the answers given: "
                + ", ".join(f"cluster {n}" for n in sorted(self._ruled_out & set(self._scope)))
                + "."
            )
        if self._low_confidence or any(compiled.by_number[n].confidence == "low" for n in ranked[:3]):
            said.append(low_confidence_warning(compiled.reference))
        return said

    def candidates(self, upto: int | None = None) -> list[Candidate]:
        wanted = len(self._ranked) if upto is None else min(upto, len(self._ranked))
        while len(self._built) < wanted:
            number = self._ranked[len(self._built)]
            cluster = self._compiled.by_number[number]
            relaxed = number in self._relaxed
            rows = cluster.relaxed_rows if relaxed else cluster.rows
            self._built.append(_candidate(cluster, evaluate(rows, self._values), len(self._built) + 1, relaxed))
        return self._built[:wanted]

    def explanation(self) -> str:
        # the suggestion, those tied with it and the next two (or the nearest three for cluster 0)
        shown = self.candidates(len(self._tied) + 3)
        return describe_result(
            suggested=self._suggested,
            status=self._status,
            candidates=shown,
            tied=self._tied,
            questions=self.questions(),
            facts=self._facts,
            reference=self._compiled.reference,
        )


def _candidate(cluster: CompiledCluster, fit: GridFit, rank: int, relaxed: bool) -> Candidate:
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
        inferred_red_scales=list(cluster.inferred_red),
        relaxed=relaxed,
        explanation=describe_candidate(cluster.number, cluster.label, fit),
    )


def _warnings(
    values: tuple[int, ...],
    problem_type: str | None,
    not_known: tuple[str, ...],
    compiled: CompiledReference,
    keys: list[int],
    ranked: list[int],
    suggested: int,
    tied: list[int],
    sc_given: str | None,
    stake: Mapping[str, set[int]],
) -> list[str]:
    warnings: list[str] = []
    if not_known:
        scales = ", ".join(not_known)
        if stake:
            warnings.append(
                f"Scale(s) {scales} rated 9 (not known): the rating of scale(s) {', '.join(_in_scale_order(stake))} "
                "could change the answer, so further assessment is needed before clustering."
            )
        else:
            warnings.append(
                f"Scale(s) {scales} rated 9 (not known): whatever they are rated, the answer stays "
                f"{'cluster ' + str(suggested) if suggested else 'cluster 0 (variance)'}; rate them when known."
            )
    if values[7] not in (0, 9) and problem_type is None:
        warnings.append(f"Scale 8 is rated {values[7]} without its problem type (A-J).")
    unconfirmed = [n for n in ranked[:3] if not_known and _red_unknown(compiled.by_number[n], values)]
    if unconfirmed:
        described = []
        for n in unconfirmed:
            unknown = [row.scale for row in compiled.by_number[n].red_rows if _red_not_confirmed(row, values)]
            described.append(f"cluster {n} (red scale {', '.join(unknown)} not known)")
        warnings.append("Possible, needs further assessment: " + "; ".join(described) + ".")
    if tied:
        names = ", ".join(str(n) for n in [suggested, *tied])
        warnings.append(
            f"Tie: clusters {names} fit equally well; cluster {suggested} is named only by the rule "
            "'lowest cluster number among equals'. Choose between them on clinical grounds."
        )
    if suggested == 0:
        warnings.append(
            "Every considered cluster breaks a red (must score) rule, so cluster 0 (variance) is suggested; "
            "see the nearest clusters and why each failed."
        )
    if sc_given is not None:
        best_overall = min(compiled.ranking.numbers, key=keys.__getitem__)
        confirmed_outside = not excluded(keys[best_overall]) and best_overall not in ranked
        if confirmed_outside and (suggested == 0 or keys[best_overall] >> NUMBER_BITS < keys[suggested] >> NUMBER_BITS):
            sc = compiled.by_number[best_overall].super_class
            warnings.append(
                f"Outside the chosen super class, cluster {best_overall} ({sc}) fits these ratings better; "
                "check the decision-tree answer."
            )
    return warnings


def _red_unknown(cluster: CompiledCluster, values: tuple[int, ...]) -> bool:
    return any(_red_not_confirmed(row, values) for row in cluster.red_rows)
