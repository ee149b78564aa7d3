"""The care transition protocols at review: step-up, then discharge, then step-down.

The booklet's six steps: with the current cluster's protocol and a new MHCT, (3) if any step-up
criterion is met, re-cluster among the step-up clusters; else (4) if every discharge criterion
is met, explore discharge; else (5) if every step-down criterion is met, re-cluster among the
step-down clusters; else (6) the current cluster stays valid.

Criteria are data (reference/data/protocols.json). Three kinds are evaluated here: rating
rules on the new MHCT (and over the history), profile rules through the allocation engine
restricted to the listed clusters (and over the history), and facts only a clinician can
attest, answered yes / no / unknown and never guessed. Anything undecided blocks a conclusion
and is reported as an open question in the allocation's `Question` shape.

Four safety rules live here, each in one place (the review can move a person to less care):

- today's rating is part of every "for the past N months" criterion and is decided by the
  engine; the clinician is asked only about months no recorded rating covers (`_period`);
- a period rests on its recorded ratings: how many, and the longest gap between them; a gap
  longer than the current cluster's review interval leaves that stretch to the clinician;
- a move names only clusters today's rating fits well (`fits_well`, `MOVE_ORANGE_TOLERANCE`);
- whenever the engine's best cluster for today's rating is not the current one, the result
  says so beside the protocol's answer (`EngineCheck`), whatever the protocol concluded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from carecluster.domain.allocation import allocate, compile_reference
from carecluster.domain.grid_fit import evaluate
from carecluster.domain.ranking import NUMBER_BITS, field_of, fit_of
from carecluster.domain.ratings import Ratings
from carecluster.domain.reasons import reasons_due, transition_likelihood
from carecluster.domain.results import Finding, Question
from carecluster.domain.schedule import add_duration
from carecluster.reference.models import NOT_KNOWN, SCALE_CODES, Criterion, Duration, ReferenceSet

Status = Literal["met", "not_met", "needs_answer"]
Step = Literal["step_up", "discharge", "step_down"]
Outcome = Literal["step_up", "discharge", "step_down", "no_change", "needs_answers"]
Answer = Literal["yes", "no", "unknown"]
Likelihood = Literal["likely_or_possible", "rare", "not_listed"]
CONFIRMED = ("fits", "weaker_fit")
SCALE_ANSWERS = ["0", "1", "2", "3", "4"]
FACT_ANSWERS = ["yes", "no"]

MOVE_ORANGE_TOLERANCE = 2
"""How many expected-range (orange) scales may be off for a cluster to count as fitting at review.

The booklet's step-up and step-down wording is "fits the description and scoring profile": a
red (must score) breach never fits, and a cluster with many orange scales off is only the least
bad of a poor set (21 -> 20 with 3 off, 14 -> 3 with 10 off were seen). Two is the tolerance:
one or two scales a rating point or so away is ordinary rating noise; three or more is a
different profile and needs a clinical decision rather than a suggestion. Used for the profile
criteria and for the clusters a move names (`fits_well`)."""


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


class Coverage(BaseModel):
    """What a "for the past N months" criterion rests on, so a clinician can see how thin it is."""

    model_config = ConfigDict(frozen=True)

    months: int
    ratings: int
    """Recorded ratings used, today's included (the one in force at the window's start counts)."""
    first_rating: dt.date | None
    longest_gap_days: int | None
    """Longest stretch between two consecutive ratings used; None when only today's rating is known."""
    review_interval: str | None
    """The current cluster's review interval: a longer gap is a stretch no rating covers."""
    uncovered_from: dt.date | None = None
    uncovered_to: dt.date | None = None
    """The stretch the clinician is asked about, when the record does not cover the whole period."""


class CriterionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    step: Step
    text: str
    kind: str
    status: Status
    reason: str
    question: str | None = None
    """The fact id (or, for a period the record does not cover, the criterion id) whose yes / no
    answer would settle this criterion, when it needs one."""
    question_text: str | None = None
    """The question in words, when it is not the fact's own text (an uncovered period)."""
    rate_scales: list[str] = []
    """Scales rated 9 (not known) today that decide this criterion: re-rate them."""
    coverage: Coverage | None = None
    parts: list[CriterionResult] = []


class SuggestedCluster(BaseModel):
    model_config = ConfigDict(frozen=True)

    cluster: int
    label: str
    fit: str
    orange_mismatches: int
    transition: str
    """How likely the booklet rates a move from the current cluster: likely_or_possible, rare, not_listed."""
    red_breaches: int = 0
    mismatches: list[str] = []
    """Each red breach and orange mismatch in words ("scale 7 rated 3, needs 0-1")."""


class EngineCheck(BaseModel):
    """The allocation engine's best cluster for today's rating, shown beside the protocol's
    answer whenever it is not the current cluster: the booklet lists rare transitions for every
    cluster precisely so that they are seen, and a protocol can say "remains valid" while
    today's rating fits another cluster better."""

    model_config = ConfigDict(frozen=True)

    cluster: int
    label: str
    fit: str
    """How today's rating fits that cluster (fits, weaker_fit, unconfirmed; none for cluster 0)."""
    orange_mismatches: int
    transition: Likelihood
    """How likely the booklet rates a move from the current cluster to this one."""
    current_fit: str
    """How today's rating fits the current cluster."""
    current_orange_mismatches: int
    message: str


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
    """For a move, only the listed clusters today's rating fits well (see `MOVE_ORANGE_TOLERANCE`)."""
    nearest_clusters: list[SuggestedCluster] = []
    """For a move no listed cluster fits well: the nearest ones, with their mismatches."""
    clinical_decision_needed: bool = False
    """A move is indicated but no listed cluster fits today's rating well: the clinician decides."""
    questions: list[Question]
    """The open questions blocking a conclusion (those of the undecided step); empty once decided."""
    engine_suggestion: int
    """What the allocation engine alone suggests for the new rating, within the current super class."""
    engine_check: EngineCheck | None = None
    """Set whenever `engine_suggestion` is not the current cluster (a warning that leads the page)."""
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


def fits_well(fit: str, orange_mismatches: int) -> bool:
    """Whether today's rating fits a cluster well enough to name it at review: no red breach, no
    red scale unconfirmed, and at most `MOVE_ORANGE_TOLERANCE` expected-range scales off."""
    return fit in CONFIRMED and orange_mismatches <= MOVE_ORANGE_TOLERANCE


@dataclass(frozen=True, slots=True)
class _Point:
    """One dated rating of a period; `on` is None for today's rating without a review date."""

    on: dt.date | None
    ratings: Ratings
    today: bool = False


@dataclass(frozen=True, slots=True)
class _ProfileFit:
    """How one rating fits the clusters a profile rule lists."""

    fits: list[int]
    """Listed clusters it fits well (and better than the current cluster, where compared)."""
    no_better: list[int]
    """Listed clusters it fits well, but no better than the current cluster."""
    loose: list[int]
    """Listed clusters with no red breach but more orange scales off than the tolerance."""
    unconfirmed: list[int]
    """Listed clusters whose red scales are rated 9 (not known)."""


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
        cluster = reference.cluster(current)
        self.transitions = cluster.transitions
        self.interval: Duration | None = cluster.review_interval
        self.compiled = compile_reference(reference)

    def window(self, months: int) -> tuple[dt.date | None, list[_Point]]:
        """The window's start and the ratings a rule held for `months` rests on: the last one at
        or before the start (in force when the period began), every later one, and today's.
        Without a review date the history cannot be placed, so only today's rating counts."""
        today = _Point(self.on, self.ratings, today=True)
        if self.on is None:
            return None, [today]
        start = add_duration(self.on, Duration(value=months, unit="months"), backwards=True)
        before = [a for a in self.history if a.date <= start]
        inside = [a for a in self.history if start < a.date <= self.on]
        past = ([before[-1]] if before else []) + inside
        return start, [*(_Point(a.date, a.ratings) for a in past), today]

    def profile_clusters(self, target: str, named: tuple[int, ...]) -> tuple[int, ...]:
        if target == "clusters":
            return named
        if target == "current":
            return (self.current,)
        if self.transitions is None:
            return ()
        return self.transitions.step_up if target == "step_up" else self.transitions.step_down

    def keys(self, ratings: Ratings) -> dict[int, int]:
        return dict(zip(self.compiled.ranking.numbers, self.compiled.ranking.keys(ratings.values), strict=True))

    def verdicts(self, ratings: Ratings, keys: Mapping[int, int]) -> dict[int, tuple[str, int]]:
        """Each cluster's fit and expected-range mismatches for a rating, the booklet's way.

        Without 9s they are read off the rank keys. With 9s the keys rank each cluster at its best
        over the ratings the 9s could be, so a red scale rated 9 would look confirmed: the grids
        are then evaluated with 9 as a range, which says "unconfirmed" where a red scale is not
        known, and a move is never named on a rating that only might fit.
        """
        if NOT_KNOWN not in ratings.values:
            return {n: (fit_of(k), field_of(k, "orange_mismatches")) for n, k in keys.items()}
        out: dict[int, tuple[str, int]] = {}
        for n in keys:
            fit = evaluate(self.compiled.by_number[n].rows, ratings.values)
            out[n] = (fit.fit, len(fit.orange_mismatches))
        return out

    def profile_fit(self, ratings: Ratings, clusters: tuple[int, ...], better_than_current: bool) -> _ProfileFit:
        """How one rating fits the listed clusters.

        A move is indicated only where the other cluster fits well and better than the current
        one: grids overlap, and a rating that fits both equally leaves the current allocation valid.
        """
        keys = self.keys(ratings)
        verdict = self.verdicts(ratings, keys)
        listed = sorted((n for n in clusters if n in keys), key=keys.__getitem__)
        well = [n for n in listed if fits_well(*verdict[n])]
        loose = [n for n in listed if verdict[n][0] in CONFIRMED and n not in well]
        unconfirmed = [n for n in listed if verdict[n][0] == "unconfirmed"]
        current_key = keys.get(self.current)
        if not better_than_current or current_key is None or verdict[self.current][0] not in CONFIRMED:
            return _ProfileFit(well, [], loose, unconfirmed)
        rank = current_key >> NUMBER_BITS
        better = [n for n in well if keys[n] >> NUMBER_BITS < rank]
        return _ProfileFit(better, [n for n in well if n not in better], loose, unconfirmed)

    def red_scales_not_known(self, ratings: Ratings, clusters: Sequence[int]) -> list[str]:
        """The scales rated 9 whose rating would confirm or exclude these clusters."""
        if not clusters:
            return []
        found: list[str] = []
        for candidate in allocate(ratings, None, self.reference, within=tuple(clusters)).candidates:
            for finding in candidate.red_unconfirmed:
                codes = ("7", "8") if finding.scale == "7/8" else (finding.scale,)
                found.extend(c for c in codes if ratings[c] == NOT_KNOWN and c not in found)
        return sorted(found, key=SCALE_CODES.index)


def _result(
    criterion: Criterion,
    step: Step,
    status: Status,
    reason: str,
    question: str | None = None,
    parts: Sequence[CriterionResult] = (),
    *,
    question_text: str | None = None,
    rate_scales: Sequence[str] = (),
    coverage: Coverage | None = None,
) -> CriterionResult:
    return CriterionResult(
        id=criterion.id,
        step=step,
        text=criterion.text,
        kind=criterion.kind,
        status=status,
        reason=reason,
        question=question,
        question_text=question_text,
        rate_scales=list(rate_scales),
        coverage=coverage,
        parts=list(parts),
    )


Verdict = tuple[Literal["ok", "fail", "not_known"], str, list[str]]
"""One rating judged against a criterion: ok / fail / not_known, why, and the 9-rated scales."""


def _period(
    criterion: Criterion,
    step: Step,
    ctx: _Context,
    months: int,
    judge: Callable[[Ratings], Verdict],
) -> CriterionResult:
    """A criterion that must hold for the past `months`, decided in a fixed order.

    1. Today's rating first, by the engine: if it fails, the criterion is not met, whatever the
       clinician answers (a "yes" never overrules what today's rating already shows); if a
       deciding scale is rated 9, it must be re-rated, not attested.
    2. Every recorded rating in the period: one that fails decides "not met"; one with the
       deciding scale not known covers nothing, so its stretch counts as a gap.
    3. Coverage: the record must reach back to the period's start, and no two consecutive
       ratings may lie further apart than the current cluster's review interval. Otherwise the
       clinician is asked about that stretch only (by the criterion's id), and told what the
       record shows.
    """
    start, points = ctx.window(months)
    today = points[-1]
    verdict, why, scales = judge(today.ratings)
    if verdict == "fail":
        overruled = (
            " (a clinician's yes cannot overrule today's rating)" if ctx.facts.get(criterion.id) == "yes" else ""
        )
        return _result(criterion, step, "not_met", f"today's rating already decides it: {why}{overruled}")
    if verdict == "not_known":
        return _result(
            criterion, step, "needs_answer", f"today's rating cannot decide it: {why}; re-rate", rate_scales=scales
        )
    used = [today]
    for point in points[:-1]:
        verdict, why, _ = judge(point.ratings)
        if verdict == "fail":
            return _result(
                criterion, step, "not_met", f"the rating of {point.on.isoformat() if point.on else '?'} shows it: {why}"
            )
        if verdict == "ok":
            used.insert(-1, point)
    coverage, gap = _coverage(ctx, months, start, used)
    if gap is None:
        gap_words = f"; longest gap {coverage.longest_gap_days} days" if coverage.longest_gap_days is not None else ""
        return _result(
            criterion,
            step,
            "met",
            f"all {coverage.ratings} ratings in the past {months} months, today's included, agree "
            f"(from {coverage.first_rating}{gap_words})",
            coverage=coverage,
        )
    answer = ctx.facts.get(criterion.id, "unknown")
    shown = f"today's rating and {coverage.ratings - 1} earlier rating(s) agree, but {gap}"
    if answer == "yes":
        return _result(
            criterion, step, "met", f"{shown}; the clinician attests that stretch", criterion.id, coverage=coverage
        )
    if answer == "no":
        return _result(criterion, step, "not_met", f"{shown}; the clinician answered no for it", coverage=coverage)
    period = (
        f"from {coverage.uncovered_from.isoformat()} to {coverage.uncovered_to.isoformat()}"
        if coverage.uncovered_from and coverage.uncovered_to
        else f"over the past {months} months"
    )
    return _result(
        criterion,
        step,
        "needs_answer",
        f"{shown}; answer '{criterion.id}' yes or no for that stretch",
        criterion.id,
        question_text=f"No recorded rating covers {period}. Did this hold then: {criterion.text[0].lower()}{criterion.text[1:]}?",
        coverage=coverage,
    )


def _coverage(ctx: _Context, months: int, start: dt.date | None, used: list[_Point]) -> tuple[Coverage, str | None]:
    """How well the ratings used cover the period, and, when they do not, the stretch in words."""
    interval = ctx.interval
    dated = [p.on for p in used if p.on is not None]
    gaps = list(pairwise(dated))
    longest = max(gaps, key=lambda g: (g[1] - g[0]).days, default=None)
    base: dict[str, Any] = {
        "months": months,
        "ratings": len(used),
        "first_rating": dated[0] if dated else None,
        "longest_gap_days": (longest[1] - longest[0]).days if longest else None,
        "review_interval": str(interval) if interval else None,
    }
    if start is None:
        return Coverage(**base), "no review date was given, so the earlier months cannot be placed"
    if dated[0] > start:
        first = dated[0]
        what = "no earlier assessments" if len(used) == 1 else f"the record starts on {first.isoformat()}"
        return (
            Coverage(**base, uncovered_from=start, uncovered_to=first),
            f"the period starts on {start.isoformat()} and {what}",
        )
    too_long = [(a, b) for a, b in gaps if interval is not None and add_duration(a, interval) < b]
    if too_long:
        a, b = max(too_long, key=lambda g: (g[1] - g[0]).days)
        return (
            Coverage(**base, uncovered_from=a, uncovered_to=b),
            f"no rating between {a.isoformat()} and {b.isoformat()} ({(b - a).days} days, longer than the "
            f"review interval of {interval})",
        )
    return Coverage(**base), None


def _rating(criterion: Criterion, step: Step, ctx: _Context) -> CriterionResult:
    rule = criterion.rating
    assert rule is not None
    wanted = f"{rule.min}" if rule.min == rule.max else f"{rule.min}-{rule.max}"
    value = ctx.ratings[rule.scale]
    if rule.over_months is None:
        if value == NOT_KNOWN:
            return _result(
                criterion,
                step,
                "needs_answer",
                f"scale {rule.scale} is rated 9 (not known): re-rate it",
                rate_scales=[rule.scale],
            )
        if rule.min <= value <= rule.max:
            return _result(criterion, step, "met", f"scale {rule.scale} is {value} (needs {wanted})")
        return _result(criterion, step, "not_met", f"scale {rule.scale} is {value}; needs {wanted}")

    def judge(ratings: Ratings) -> Verdict:
        seen = ratings[rule.scale]
        if seen == NOT_KNOWN:
            return "not_known", f"scale {rule.scale} is rated 9 (not known)", [rule.scale]
        if not rule.min <= seen <= rule.max:
            return "fail", f"scale {rule.scale} is {seen}; needs {wanted}", []
        if rule.stable and value != NOT_KNOWN and seen != value:
            return "fail", f"scale {rule.scale} was {seen} and is {value} today: it changed", []
        return "ok", "", []

    return _period(criterion, step, ctx, rule.over_months, judge)


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

    def judge(ratings: Ratings) -> Verdict:
        fit = ctx.profile_fit(ratings, clusters, compare)
        if fit.fits:
            return "ok", f"it fits the grid of cluster {fit.fits[0]}{than}", []
        if fit.unconfirmed:
            scales = ctx.red_scales_not_known(ratings, fit.unconfirmed)
            return (
                "not_known",
                f"{_clusters(fit.unconfirmed)} possible but red scale {', '.join(scales)} is rated 9",
                scales,
            )
        if fit.no_better:
            return (
                "fail",
                f"it fits {_clusters(fit.no_better)}, but no better than the current cluster {ctx.current}",
                [],
            )
        if fit.loose:
            return (
                "fail",
                f"it fits {_clusters(fit.loose)} only with more than {MOVE_ORANGE_TOLERANCE} expected-range scales off",
                [],
            )
        return "fail", f"it breaks a red rule of every listed cluster ({listed})", []

    if rule.over_months is None:
        verdict, why, scales = judge(ctx.ratings)
        if verdict == "ok":
            return _result(criterion, step, "met", f"today's rating: {why}{judgement}")
        if verdict == "not_known":
            return _result(criterion, step, "needs_answer", f"{why}: re-rate it", rate_scales=scales)
        return _result(criterion, step, "not_met", f"today's rating: {why}")
    return _period(criterion, step, ctx, rule.over_months, judge)


def _clusters(numbers: Sequence[int]) -> str:
    return f"cluster {numbers[0]}" if len(numbers) == 1 else f"clusters {', '.join(map(str, numbers))}"


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


def _at_stake(step: Step, ctx: _Context) -> list[int]:
    """The clusters an open question of this step decides between."""
    if step == "discharge" or ctx.transitions is None:
        return [ctx.current]
    moves = ctx.transitions.step_up if step == "step_up" else ctx.transitions.step_down
    return [ctx.current, *moves]


def _open_questions(results: Sequence[CriterionResult], ctx: _Context) -> list[Question]:
    """Every fact to answer and every 9-rated scale to re-rate that stands between the undecided
    step and a conclusion, in the allocation's `Question` shape, each once."""
    questions: dict[str, Question] = {}

    def walk(items: Sequence[CriterionResult]) -> None:
        for item in items:
            if item.status != "needs_answer":
                continue
            at_stake = _at_stake(item.step, ctx)
            if item.question and item.question not in questions:
                text = item.question_text or ctx.reference.protocols.facts.get(item.question, item.text)
                questions[item.question] = Question(
                    id=item.question, kind="fact", text=text, clusters=at_stake, answers=FACT_ANSWERS
                )
            for code in item.rate_scales:
                qid = f"scale_{code}"
                if qid not in questions:
                    name = ctx.reference.mhct.scale(code).name
                    questions[qid] = Question(
                        id=qid,
                        kind="not_known",
                        text=f"Scale {code} ({name}) is rated 9 (not known) and decides '{item.text}': re-rate it 0-4",
                        clusters=at_stake,
                        answers=SCALE_ANSWERS,
                    )
            walk(item.parts)

    walk(results)
    return list(questions.values())


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
    nearest: list[SuggestedCluster] = []
    if outcome in ("step_up", "step_down"):
        pool = (transitions.step_up if outcome == "step_up" else transitions.step_down) if transitions else ()
        suggested, nearest = _move_options(rated, pool, ctx)
    elif outcome == "no_change" and current_cluster != 0:
        suggested = [s for s in _describe(rated, (current_cluster,), ctx) if s.fit in CONFIRMED]
    else:
        suggested = []
    if protocol is None:
        suggested = [
            s for s in _describe(rated, engine.considered_clusters, ctx) if s.fit in CONFIRMED and s.red_breaches == 0
        ][:5]
    clinical_decision = outcome in ("step_up", "step_down") and not suggested

    named = [s.cluster for s in suggested] if outcome in ("step_up", "step_down") else []
    check = engine_check(rated, engine.suggested_cluster, ctx, named)
    if check is not None:
        warnings.insert(0, check.message)
    warnings.extend(w for w in engine.warnings if w.startswith("Outside the chosen super class"))
    likelihood, required, because = _choice(
        chosen_cluster, current_cluster, outcome, suggested, clinical_decision, rated, reference
    )
    if rated.not_known:
        warnings.append(f"Scale(s) {', '.join(rated.not_known)} rated 9 (not known).")
    return ReviewResult(
        current_cluster=current_cluster,
        current_label=current.title,
        on=on,
        outcome=outcome,
        outcome_text=_outcome_text(outcome, decided, current_cluster, suggested, nearest),
        decided_at_step=decided,
        criteria=results,
        suggested_clusters=suggested,
        nearest_clusters=nearest,
        clinical_decision_needed=clinical_decision,
        questions=_open_questions([r for r in results if r.step == decided], ctx) if outcome == "needs_answers" else [],
        engine_suggestion=engine.suggested_cluster,
        engine_check=check,
        chosen_cluster=chosen_cluster,
        transition_likelihood=likelihood,
        reason_required=required,
        reason_required_because=because,
        warnings=warnings,
        reference_id=reference.id,
        reference_version=reference.version,
    )


def _criterion_ids(reference: ReferenceSet) -> set[str]:
    """Criterion ids may be answered directly for a stretch the record does not cover."""
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
            return step, step
        return "needs_answers", step
    return "no_change", None


def _finding_words(finding: Finding, red: bool) -> str:
    wanted = ",".join(map(str, finding.expected)) or "-"
    return f"{'red' if red else 'orange'} scale {finding.scale} rated {finding.rating}, needs {wanted}"


def _likelihood(current: int, cluster: int, ctx: _Context) -> str:
    if cluster == current:
        return "same"
    return ctx.transitions.likelihood(cluster) if ctx.transitions else "not_listed"


def _describe(ratings: Ratings, pool: Sequence[int], ctx: _Context) -> list[SuggestedCluster]:
    """Each cluster of the pool as today's rating fits it, best first, with its mismatches."""
    if not pool:
        return []
    result = allocate(ratings, None, ctx.reference, within=tuple(pool))
    return [
        SuggestedCluster(
            cluster=c.cluster,
            label=c.label,
            fit=c.fit,
            orange_mismatches=len(c.orange_mismatches),
            transition=_likelihood(ctx.current, c.cluster, ctx),
            red_breaches=len(c.red_breaches),
            mismatches=[_finding_words(f, True) for f in c.red_breaches]
            + [_finding_words(f, False) for f in c.orange_mismatches],
        )
        for c in result.candidates
    ]


def _move_options(
    ratings: Ratings, pool: Sequence[int], ctx: _Context
) -> tuple[list[SuggestedCluster], list[SuggestedCluster]]:
    """The clusters a move may name, and otherwise the nearest three.

    Named: today's rating fits them well (`fits_well`) and, where it fits the current cluster,
    no worse than the current one (a step that today's rating contradicts is never named).
    """
    keys = ctx.keys(ratings)
    verdict = ctx.verdicts(ratings, keys)
    current_key = keys.get(ctx.current)
    current_rank = (
        current_key >> NUMBER_BITS if current_key is not None and verdict[ctx.current][0] in CONFIRMED else None
    )
    described = _describe(ratings, pool, ctx)
    named = [
        s
        for s in described
        if fits_well(*verdict[s.cluster]) and (current_rank is None or keys[s.cluster] >> NUMBER_BITS <= current_rank)
    ]
    if named:
        return named, []
    return [], described[:3]


def engine_check(ratings: Ratings, suggested: int, ctx: _Context, named: Sequence[int] = ()) -> EngineCheck | None:
    """The engine's best cluster for today's rating, when it is not the current cluster.

    `named`: the clusters the protocol's move names; the message then says the two agree, so a
    clinician learns to read the warning rather than to skip it."""
    if suggested == ctx.current:
        return None
    keys = ctx.keys(ratings)
    verdict = ctx.verdicts(ratings, keys)

    def fit(number: int) -> tuple[str, int]:
        if number not in keys:
            return "none", 0
        return verdict[number]

    label = ctx.reference.cluster(suggested).title
    engine_fit, engine_off = fit(suggested)
    current_fit, current_off = fit(ctx.current)
    likelihood: Likelihood = ctx.transitions.likelihood(suggested) if ctx.transitions else "not_listed"
    words = {"likely_or_possible": "a likely or possible", "rare": "a RARE", "not_listed": "an UNLISTED"}[likelihood]
    current_words = f"the current cluster {ctx.current} is {current_fit.replace('_', ' ')} ({current_off} off)"
    if suggested == 0:
        message = (
            "Today's rating confirms no cluster in the engine (cluster 0: every cluster breaks a red rule, or "
            f"scales rated 9 leave it open); {current_words}. Check before accepting the protocol's answer."
        )
    else:
        message = (
            f"Today's rating points elsewhere: the engine suggests cluster {suggested} ({label}), "
            f"{engine_fit.replace('_', ' ')} with {engine_off} expected-range scale(s) off; {current_words}. "
            f"A move from {ctx.current} to {suggested} is {words} transition in the booklet. "
            + (
                "The protocol's move names this cluster too."
                if suggested in named
                else "Check before accepting the protocol's answer."
            )
        )
    return EngineCheck(
        cluster=suggested,
        label=label,
        fit=engine_fit,
        orange_mismatches=engine_off,
        transition=likelihood,
        current_fit=current_fit,
        current_orange_mismatches=current_off,
        message=message,
    )


def _choice(
    chosen: int | None,
    current: int,
    outcome: str,
    suggested: Sequence[SuggestedCluster],
    clinical_decision: bool,
    ratings: Ratings,
    reference: ReferenceSet,
) -> tuple[str | None, bool, list[str]]:
    if chosen is None:
        return None, False, []
    # the rules shared with every allocation (rare or unlisted move, red breach): one definition
    likelihood = transition_likelihood(current, chosen, reference) if current != 0 else "not_listed"
    breaches = allocate(ratings, None, reference, within=(chosen,)).candidates[0].red_breaches if chosen else []
    due = reasons_due(
        chosen=chosen,
        suggested=None,
        previous=current,
        chosen_excluded=bool(breaches),
        reference=reference,
        breached_scales=[f.scale for f in breaches],
    )
    because: list[str] = [reason.text for reason in due]
    if outcome == "no_change" and chosen != current:
        because.append("the protocol found no criteria met for a change of cluster")
    elif outcome == "needs_answers" and chosen != current:
        because.append("the protocol has not concluded: questions are still open")
    elif outcome == "discharge" and chosen != current:
        because.append("the protocol points to discharge, not to another cluster")
    elif clinical_decision:
        because.append(
            f"a {outcome.replace('_', '-')} is indicated but no listed cluster fits today's rating well: "
            "the choice is a clinical decision"
        )
    elif outcome in ("step_up", "step_down") and suggested and chosen not in {s.cluster for s in suggested}:
        because.append(
            f"the protocol's {outcome.replace('_', '-')} suggestions are {', '.join(str(s.cluster) for s in suggested)}"
        )
    return likelihood, bool(because), because


def _outcome_text(
    outcome: Outcome,
    step: Step | None,
    current: int,
    suggested: Sequence[SuggestedCluster],
    nearest: Sequence[SuggestedCluster],
) -> str:
    names = ", ".join(f"{s.cluster} ({s.label}, {s.fit.replace('_', ' ')})" for s in suggested)
    if outcome in ("step_up", "step_down"):
        what = "A step-up criterion is met" if outcome == "step_up" else "Every step-down criterion is met"
        where = outcome.replace("_", "-")
        if suggested:
            return f"{what}: re-cluster among the {where} clusters. Clusters today's rating fits: {names}."
        near = "; ".join(
            f"{s.cluster} ({s.label}: {s.fit.replace('_', ' ')}, {s.red_breaches} red breach(es), "
            f"{s.orange_mismatches} orange off)"
            for s in nearest
        )
        return (
            f"{what}, but no listed {where} cluster fits today's rating well (no red breach and at most "
            f"{MOVE_ORANGE_TOLERANCE} expected-range scales off). Nearest: {near or 'none listed'}. "
            "A clinical decision is needed."
        )
    if outcome == "discharge":
        return "Every discharge criterion is met: explore discharge from in-scope services to GP-led care."
    if outcome == "needs_answers":
        where = (step or "step_up").replace("_", "-")
        return f"The {where} criteria cannot be decided until the open questions are answered; nothing is guessed."
    return f"No step-up, discharge or step-down criteria are met: cluster {current} remains valid."
