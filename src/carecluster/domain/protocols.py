"""The care transition protocols at review: step-up, then discharge, then step-down.

The booklet's six steps: with the current cluster's protocol and a new MHCT, (3) if any step-up
criterion is met, re-cluster among the step-up clusters; else (4) if every discharge criterion
is met, explore discharge; else (5) if every step-down criterion is met, re-cluster among the
step-down clusters; else (6) the current cluster stays valid.

Criteria are data (reference/data/protocols.json). Three kinds are evaluated here: rating
rules on the new MHCT (and over the history), profile rules through the allocation engine
restricted to the listed clusters (and over the history), and facts only a clinician can
attest, answered yes / no / unknown and never guessed. Anything undecided blocks a conclusion
and is reported as needing an answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from carecluster.domain.allocation import allocate, compile_reference
from carecluster.domain.ranking import NUMBER_BITS, fit_of
from carecluster.domain.ratings import Ratings
from carecluster.domain.schedule import add_duration
from carecluster.reference.models import NOT_KNOWN, Criterion, Duration, ReferenceSet

Status = Literal["met", "not_met", "needs_answer"]
Step = Literal["step_up", "discharge", "step_down"]
Outcome = Literal["step_up", "discharge", "step_down", "no_change", "needs_answers"]
Answer = Literal["yes", "no", "unknown"]
CONFIRMED = ("fits", "weaker_fit")


class ReviewError(ValueError):
    """Invalid review input: a cluster without a protocol, a bad fact answer, bad history."""


class PastAssessment(BaseModel):
    """An earlier MHCT rating, for criteria that must hold 'for the past 12 months'."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    date: dt.date
    ratings: Ratings
    cluster: int | None = Field(default=None, ge=0, le=21)

    @field_validator("ratings", mode="before")
    @classmethod
    def _any_shape(cls, value: object) -> Ratings:
        return Ratings.of(value)  # type: ignore[arg-type]


class CriterionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    step: Step
    text: str
    kind: str
    status: Status
    reason: str
    question: str | None = None
    """The fact id whose answer would settle this criterion, when it needs one."""
    parts: list[CriterionResult] = []


class SuggestedCluster(BaseModel):
    model_config = ConfigDict(frozen=True)

    cluster: int
    label: str
    fit: str
    orange_mismatches: int
    transition: str
    """How likely the booklet rates a move from the current cluster: likely_or_possible, rare, not_listed."""


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    text: str


class ReviewResult(BaseModel):
    """The JSON contract of `carecluster review --json` and of stored reviews."""

    model_config = ConfigDict(frozen=True)

    current_cluster: int
    current_label: str
    on: dt.date | None
    outcome: Outcome
    outcome_text: str
    decided_at_step: Step | None
    criteria: list[CriterionResult]
    suggested_clusters: list[SuggestedCluster]
    questions: list[Question]
    """The open questions blocking a conclusion (those of the undecided step); empty once decided."""
    engine_suggestion: int
    """What the allocation engine alone suggests for the new rating, within the current super class."""
    chosen_cluster: int | None
    transition_likelihood: str | None
    reason_required: bool
    reason_required_because: list[str]
    warnings: list[str]
    reference_id: str
    reference_version: str


def _answer(value: object, fact: str) -> Answer:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).strip().lower()
    if text in ("yes", "y", "true"):
        return "yes"
    if text in ("no", "n", "false"):
        return "no"
    if text in ("unknown", "not known", "", "?"):
        return "unknown"
    raise ReviewError(f"fact {fact}: answer {value!r} is not yes, no or unknown")


class _Context:
    """What every criterion may look at: the new rating, the history, the answers."""

    def __init__(
        self,
        reference: ReferenceSet,
        current: int,
        ratings: Ratings,
        history: Sequence[PastAssessment],
        facts: Mapping[str, Answer],
        on: dt.date | None,
    ) -> None:
        self.reference = reference
        self.current = current
        self.ratings = ratings
        self.history = sorted(history, key=lambda a: a.date)
        self.facts = facts
        self.on = on
        self.transitions = reference.cluster(current).transitions
        self.compiled = compile_reference(reference)

    def window(self, months: int) -> tuple[list[Ratings] | None, str]:
        """The ratings that must all satisfy a rule held for `months`: the last one at or before
        the window's start, every later one, and the new one. None when the history is too short."""
        if self.on is None:
            return None, "no review date given, so the past months cannot be placed"
        start = add_duration(self.on, Duration(value=months, unit="months"), backwards=True)
        before = [a for a in self.history if a.date <= start]
        if not before:
            earliest = self.history[0].date.isoformat() if self.history else None
            covered = f"the history starts on {earliest}" if earliest else "no earlier assessments were given"
            return None, f"needs ratings going back to {start.isoformat()}; {covered}"
        inside = [a for a in self.history if start < a.date <= self.on]
        return [before[-1].ratings, *(a.ratings for a in inside), self.ratings], ""

    def profile_clusters(self, target: str, named: tuple[int, ...]) -> tuple[int, ...]:
        if target == "clusters":
            return named
        if target == "current":
            return (self.current,)
        if self.transitions is None:
            return ()
        return self.transitions.step_up if target == "step_up" else self.transitions.step_down

    def confirmed_among(
        self, ratings: Ratings, clusters: tuple[int, ...], better_than_current: bool
    ) -> tuple[list[int], list[int], list[int]]:
        """For one rating: (listed clusters it fits, those only unconfirmed because of 9s, those
        it fits but no better than the current cluster).

        A move is indicated only where the other cluster fits better than the current one: grids
        overlap, and a rating that fits both equally leaves the current allocation valid.
        """
        keys = dict(zip(self.compiled.ranking.numbers, self.compiled.ranking.keys(ratings.values), strict=True))
        listed = sorted((n for n in clusters if n in keys), key=keys.__getitem__)
        confirmed = [n for n in listed if fit_of(keys[n]) in CONFIRMED]
        unconfirmed = [n for n in listed if fit_of(keys[n]) == "unconfirmed"]
        current_key = keys.get(self.current)
        if not better_than_current or current_key is None or fit_of(current_key) not in CONFIRMED:
            return confirmed, unconfirmed, []
        rank = current_key >> NUMBER_BITS
        better = [n for n in confirmed if keys[n] >> NUMBER_BITS < rank]
        return better, unconfirmed, [n for n in confirmed if n not in better]


def _result(criterion: Criterion, step: Step, status: Status, reason: str, question: str | None = None, parts=()):
    return CriterionResult(
        id=criterion.id,
        step=step,
        text=criterion.text,
        kind=criterion.kind,
        status=status,
        reason=reason,
        question=question,
        parts=list(parts),
    )


def _attested(criterion: Criterion, step: Step, ctx: _Context, why: str) -> CriterionResult:
    """History too short to decide: the clinician may attest the criterion itself, by its id."""
    answer = ctx.facts.get(criterion.id, "unknown")
    if answer == "yes":
        return _result(criterion, step, "met", f"attested by the clinician ({why})")
    if answer == "no":
        return _result(criterion, step, "not_met", f"the clinician answered no ({why})")
    return _result(criterion, step, "needs_answer", f"{why}; answer '{criterion.id}' yes or no", criterion.id)


def _rating(criterion: Criterion, step: Step, ctx: _Context) -> CriterionResult:
    rule = criterion.rating
    assert rule is not None
    wanted = f"{rule.min}" if rule.min == rule.max else f"{rule.min}-{rule.max}"
    value = ctx.ratings[rule.scale]
    if rule.over_months is None:
        if value == NOT_KNOWN:
            return _result(criterion, step, "needs_answer", f"scale {rule.scale} is rated 9 (not known): rate it")
        if rule.min <= value <= rule.max:
            return _result(criterion, step, "met", f"scale {rule.scale} is {value} (needs {wanted})")
        return _result(criterion, step, "not_met", f"scale {rule.scale} is {value}; needs {wanted}")
    series, why = ctx.window(rule.over_months)
    if series is None:
        return _attested(criterion, step, ctx, why)
    values = [r[rule.scale] for r in series]
    shown = ", ".join("9" if v == NOT_KNOWN else str(v) for v in values)
    if any(v == NOT_KNOWN for v in values):
        return _attested(criterion, step, ctx, f"scale {rule.scale} not known in part of the period ({shown})")
    if rule.stable and len(set(values)) > 1:
        return _result(
            criterion, step, "not_met", f"scale {rule.scale} changed over the past {rule.over_months} months ({shown})"
        )
    outside = [v for v in values if not rule.min <= v <= rule.max]
    if outside:
        return _result(criterion, step, "not_met", f"scale {rule.scale} was outside {wanted} in the period ({shown})")
    kind = "stable at" if rule.stable else "within"
    return _result(
        criterion,
        step,
        "met",
        f"scale {rule.scale} {kind} {shown if rule.stable else wanted} over the period ({shown})",
    )


def _profile(criterion: Criterion, step: Step, ctx: _Context) -> CriterionResult:
    rule = criterion.profile
    assert rule is not None
    clusters = ctx.profile_clusters(rule.target, rule.clusters)
    if not clusters:
        return _result(
            criterion,
            step,
            "not_met",
            f"no {rule.target.replace('_', '-')} clusters are listed for cluster {ctx.current}",
        )
    listed = ", ".join(map(str, clusters))
    judgement = " (whether the description fits too is the clinician's judgement)"
    compare = rule.target != "current"
    than = f" better than the current cluster {ctx.current}" if compare else ""
    if rule.over_months is None:
        fits, unconfirmed, no_better = ctx.confirmed_among(ctx.ratings, clusters, compare)
        if fits:
            return _result(criterion, step, "met", f"the ratings fit the grid of cluster {fits[0]}{than}{judgement}")
        if no_better:
            return _result(
                criterion,
                step,
                "not_met",
                f"the ratings fit cluster {', '.join(map(str, no_better))}, but no better than the current cluster {ctx.current}",
            )
        if unconfirmed:
            return _result(
                criterion,
                step,
                "needs_answer",
                f"cluster {', '.join(map(str, unconfirmed))} possible but a red scale is rated 9: rate it",
            )
        return _result(criterion, step, "not_met", f"the ratings break a red rule of every listed cluster ({listed})")
    series, why = ctx.window(rule.over_months)
    if series is None:
        return _attested(criterion, step, ctx, why)
    misfits = []
    for index, ratings in enumerate(series):
        fits, unconfirmed, _ = ctx.confirmed_among(ratings, clusters, compare)
        if not fits:
            if unconfirmed:
                return _attested(criterion, step, ctx, "a rating in the period has red scales not known")
            misfits.append(index)
    if misfits:
        return _result(
            criterion,
            step,
            "not_met",
            f"{len(misfits)} of the {len(series)} ratings in the past {rule.over_months} months fit none of {listed}{than}",
        )
    return _result(
        criterion,
        step,
        "met",
        f"all {len(series)} ratings in the past {rule.over_months} months fit one of {listed}{judgement}",
    )


def _fact(criterion: Criterion, step: Step, ctx: _Context) -> CriterionResult:
    assert criterion.fact is not None
    answer = ctx.facts.get(criterion.fact, "unknown")
    if answer == "yes":
        return _result(criterion, step, "met", "the clinician answered yes")
    if answer == "no":
        return _result(criterion, step, "not_met", "the clinician answered no")
    return _result(criterion, step, "needs_answer", "only the clinician can answer this", criterion.fact)


def evaluate_criterion(criterion: Criterion, step: Step, ctx: _Context) -> CriterionResult:
    if criterion.kind == "rating":
        return _rating(criterion, step, ctx)
    if criterion.kind == "profile":
        return _profile(criterion, step, ctx)
    if criterion.kind == "fact":
        return _fact(criterion, step, ctx)
    parts = [evaluate_criterion(part, step, ctx) for part in criterion.parts]
    if any(p.status == "not_met" for p in parts):
        return _result(criterion, step, "not_met", "not every part is met", parts=parts)
    if all(p.status == "met" for p in parts):
        return _result(criterion, step, "met", "every part is met", parts=parts)
    return _result(criterion, step, "needs_answer", "some parts need an answer", parts=parts)


def _open_questions(results: Sequence[CriterionResult], reference: ReferenceSet) -> list[Question]:
    seen: dict[str, str] = {}

    def walk(items: Sequence[CriterionResult]) -> None:
        for item in items:
            if item.status == "needs_answer" and item.question and item.question not in seen:
                seen[item.question] = reference.protocols.facts.get(item.question, item.text)
            walk(item.parts)

    walk(results)
    return [Question(id=k, text=v) for k, v in seen.items()]


def review(
    current_cluster: int,
    ratings: Ratings | Sequence[object] | Mapping[str, object] | str,
    reference: ReferenceSet,
    *,
    facts: Mapping[str, object] | None = None,
    history: Sequence[PastAssessment | Mapping[str, object]] = (),
    on: dt.date | None = None,
    chosen_cluster: int | None = None,
) -> ReviewResult:
    """Apply the current cluster's care transition protocol to a new rating."""
    if not 0 <= current_cluster <= 21:
        raise ReviewError(f"cluster {current_cluster} does not exist: clusters are numbered 0-21")
    if current_cluster == 9:
        raise ReviewError("cluster 9 is never allocated, so it cannot be the current cluster")
    if chosen_cluster is not None and (chosen_cluster == 9 or not 0 <= chosen_cluster <= 21):
        raise ReviewError(f"cluster {chosen_cluster} cannot be chosen: clusters are 0-21 and 9 is never used")
    rated = Ratings.of(ratings)
    answers = {key: _answer(value, key) for key, value in (facts or {}).items()}
    unknown_facts = sorted(set(answers) - set(reference.protocols.facts) - _criterion_ids(reference))
    past = [a if isinstance(a, PastAssessment) else PastAssessment.model_validate(a) for a in history]
    if on is not None and any(a.date > on for a in past):
        raise ReviewError(f"history has assessments after the review date {on.isoformat()}")
    ctx = _Context(reference, current_cluster, rated, past, answers, on)
    current = reference.cluster(current_cluster)
    warnings: list[str] = []
    if unknown_facts:
        warnings.append(f"Answers given for unknown questions, ignored: {', '.join(unknown_facts)}.")

    protocol = reference.protocols.clusters.get(current_cluster)
    results: list[CriterionResult] = []
    if protocol is not None:
        for step in ("step_up", "discharge", "step_down"):
            results.extend(evaluate_criterion(c, step, ctx) for c in getattr(protocol, step))
    else:
        warnings.append(
            f"Cluster {current_cluster} has no care transition protocol: re-cluster from the new rating with the grids."
        )

    outcome, decided = _decide(results)
    sc = current.super_class if current.super_class in ("non-psychotic", "psychotic", "organic") else None
    engine = allocate(rated, sc, reference)
    transitions = current.transitions
    if outcome == "step_up" and transitions is not None:
        pool: tuple[int, ...] = transitions.step_up
    elif outcome == "step_down" and transitions is not None:
        pool = transitions.step_down
    elif outcome == "no_change":
        pool = (current_cluster,) if current_cluster != 0 else ()
    else:
        pool = ()
    suggested = _rank_pool(rated, pool, reference, current_cluster)
    if protocol is None:
        suggested = _rank_pool(rated, engine.considered_clusters, reference, current_cluster)[:5]

    likelihood, required, because = _choice(chosen_cluster, current_cluster, outcome, suggested, rated, reference)
    if rated.not_known:
        warnings.append(f"Scale(s) {', '.join(rated.not_known)} rated 9 (not known).")
    return ReviewResult(
        current_cluster=current_cluster,
        current_label=current.title,
        on=on,
        outcome=outcome,
        outcome_text=_outcome_text(outcome, decided, current_cluster, suggested),
        decided_at_step=decided,
        criteria=results,
        suggested_clusters=suggested,
        questions=_open_questions([r for r in results if r.step == decided], reference)
        if outcome == "needs_answers"
        else [],
        engine_suggestion=engine.suggested_cluster,
        chosen_cluster=chosen_cluster,
        transition_likelihood=likelihood,
        reason_required=required,
        reason_required_because=because,
        warnings=warnings,
        reference_id=reference.id,
        reference_version=reference.version,
    )


def _criterion_ids(reference: ReferenceSet) -> set[str]:
    """Criterion ids may be answered directly when history cannot decide them."""
    ids: set[str] = set()
    for protocol in reference.protocols.clusters.values():
        for step in (protocol.step_up, protocol.discharge, protocol.step_down):
            ids.update(c.id for c in step)
    return ids


def _decide(results: Sequence[CriterionResult]) -> tuple[Outcome, Step | None]:
    """The booklet's order; an undecided criterion stops the walk rather than being guessed."""
    by_step: dict[str, list[CriterionResult]] = {"step_up": [], "discharge": [], "step_down": []}
    for result in results:
        by_step[result.step].append(result)
    up = by_step["step_up"]
    if any(r.status == "met" for r in up):
        return "step_up", "step_up"
    if any(r.status == "needs_answer" for r in up):
        return "needs_answers", "step_up"
    for step in ("discharge", "step_down"):
        criteria = by_step[step]
        if not criteria or any(r.status == "not_met" for r in criteria):
            continue
        if all(r.status == "met" for r in criteria):
            return step, step  # type: ignore[return-value]
        return "needs_answers", step  # type: ignore[return-value]
    return "no_change", None


def _rank_pool(ratings: Ratings, pool: Sequence[int], reference: ReferenceSet, current: int) -> list[SuggestedCluster]:
    if not pool:
        return []
    result = allocate(ratings, None, reference, within=tuple(pool))
    transitions = reference.cluster(current).transitions
    ranked = []
    for candidate in result.candidates:
        if candidate.fit not in CONFIRMED:
            continue
        likelihood = (
            "same"
            if candidate.cluster == current
            else transitions.likelihood(candidate.cluster)
            if transitions
            else "not_listed"
        )
        ranked.append(
            SuggestedCluster(
                cluster=candidate.cluster,
                label=candidate.label,
                fit=candidate.fit,
                orange_mismatches=len(candidate.orange_mismatches),
                transition=likelihood,
            )
        )
    return ranked


def _choice(
    chosen: int | None,
    current: int,
    outcome: str,
    suggested: Sequence[SuggestedCluster],
    ratings: Ratings,
    reference: ReferenceSet,
) -> tuple[str | None, bool, list[str]]:
    if chosen is None:
        return None, False, []
    because: list[str] = []
    transitions = reference.cluster(current).transitions
    if chosen == current:
        likelihood = "same"
    elif transitions is None:
        likelihood = "not_listed"
    else:
        likelihood = transitions.likelihood(chosen)
    if likelihood == "rare":
        because.append(f"the booklet rates a move from cluster {current} to {chosen} as rare")
    if likelihood == "not_listed" and chosen != 0:
        because.append(f"the booklet lists no move from cluster {current} to {chosen}")
    if chosen != 0:
        fit = allocate(ratings, None, reference, within=(chosen,)).candidates[0]
        if fit.fit == "excluded":
            scales = ", ".join(f.scale for f in fit.red_breaches)
            because.append(f"the new rating breaks a red (must score) rule of cluster {chosen} (scale {scales})")
    if outcome == "no_change" and chosen != current:
        because.append("the protocol found no criteria met for a change of cluster")
    elif outcome == "needs_answers" and chosen != current:
        because.append("the protocol has not concluded: questions are still open")
    elif outcome == "discharge" and chosen != current:
        because.append("the protocol points to discharge, not to another cluster")
    elif outcome in ("step_up", "step_down") and suggested and chosen not in {s.cluster for s in suggested}:
        because.append(
            f"the protocol's {outcome.replace('_', '-')} suggestions are {', '.join(str(s.cluster) for s in suggested)}"
        )
    return likelihood, bool(because), because


def _outcome_text(outcome: Outcome, step: Step | None, current: int, suggested: Sequence[SuggestedCluster]) -> str:
    names = ", ".join(f"{s.cluster} ({s.label})" for s in suggested) or "none whose grid the new rating fits"
    if outcome == "step_up":
        return f"A step-up criterion is met: re-cluster among the step-up clusters. Best fits: {names}."
    if outcome == "discharge":
        return "Every discharge criterion is met: explore discharge from in-scope services to GP-led care."
    if outcome == "step_down":
        return f"Every step-down criterion is met: re-cluster among the step-down clusters. Best fits: {names}."
    if outcome == "needs_answers":
        where = (step or "step_up").replace("_", "-")
        return f"The {where} criteria cannot be decided until the open questions are answered; nothing is guessed."
    return f"No step-up, discharge or step-down criteria are met: cluster {current} remains valid."
