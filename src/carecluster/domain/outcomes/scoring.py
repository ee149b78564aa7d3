"""Score a questionnaire or goal rating against its definition, and compare two scores.

One engine serves every measure: the definition says how (sum, mean, conversion table, single
choice, GAS, GBO) and which rules apply, so adding a measure is adding data. Bad answers
raise AnswerError; missing answers give a partial result (valid=False with the reason), which
the caller keeps as it is rather than guessing what the person meant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from carecluster.domain.outcomes.answers import AnswerError, OutcomeError, parse_answers, parse_value
from carecluster.domain.outcomes.gas import kiresuk_sherman_t
from carecluster.domain.outcomes.model import (
    Change,
    ChangeCategory,
    Goal,
    Item,
    ItemChange,
    MeasureDefinition,
    ScoreResult,
    SubscaleScore,
)

_PRECISION = 6  # change is rounded to this many places so that 0.1-style float noise never flips a category


def score(
    definition: MeasureDefinition, answers: Mapping[Any, object], *, goals: Sequence[Goal] | None = None
) -> ScoreResult:
    """Score answers (item id -> answer) for a measure; for GAS and GBO, answers are by goal id
    and `goals` is the person's goal set (descriptions and, for GAS, weights)."""
    if definition.scoring in ("gas", "gbo"):
        return _score_goals(definition, answers, goals)
    if goals is not None:
        raise OutcomeError(f"{definition.name} is not goal-based: goals cannot be given")
    parsed = parse_answers(definition, answers)
    if definition.scoring == "single_choice":
        return _score_single_choice(definition, parsed)
    return _score_items(definition, parsed)


# --- questionnaires -------------------------------------------------------------------------


def _describe_missing(definition: MeasureDefinition, parsed: Mapping[str, int | None], ids: Sequence[str]) -> str:
    parts = []
    for item_id in ids:
        value = parsed[item_id]
        parts.append(f"{item_id} (rated {value}, not known)" if value is not None else item_id)
    return ", ".join(parts)


def _subscales(definition: MeasureDefinition, item_scores: Mapping[str, int]) -> tuple[SubscaleScore, ...]:
    results = []
    for subscale in definition.subscales:
        rated = [item_scores[i] for i in subscale.items if i in item_scores]
        value: float | None
        if subscale.statistic == "mean":
            value = sum(rated) / len(rated) if len(rated) == len(subscale.items) else None
        else:
            value = float(sum(rated)) if rated else None
        results.append(
            SubscaleScore(
                id=subscale.id,
                label=subscale.label,
                score=value,
                items_answered=len(rated),
                items_total=len(subscale.items),
            )
        )
    return tuple(results)


def _score_items(definition: MeasureDefinition, parsed: Mapping[str, int | None]) -> ScoreResult:
    item_scores: dict[str, int] = {}
    for item in definition.items:
        value = parsed[item.id]
        if value is not None and value not in item.not_known:
            item_scores[item.id] = item.item_score(value)
    missing = tuple(i for i in definition.item_ids if i not in item_scores)
    total_ids = [item.id for item in definition.total_items]
    answered = [i for i in total_ids if i in item_scores]
    missing_total = [i for i in total_ids if i not in item_scores]
    needed = definition.missing_rule.min_answered if definition.missing_rule else len(total_ids)
    raw = sum(item_scores[i] for i in answered)
    significant: tuple[str, ...] = ()
    if definition.significant_item_rating is not None:
        significant = tuple(
            i for i in definition.item_ids if item_scores.get(i, -1) >= definition.significant_item_rating
        )
    common: dict[str, Any] = {
        "measure_id": definition.id,
        "items_answered": len(answered),
        "items_missing": missing,
        "item_scores": item_scores,
        "subscales": _subscales(definition, item_scores),
        "clinically_significant_items": significant,
    }
    if len(answered) < needed:
        reason: str | None = (
            f"partial: {len(answered)} of {len(total_ids)} items answered, {needed} needed for a valid "
            f"{definition.score_label}; missing {_describe_missing(definition, parsed, missing_total)}"
        )
        return ScoreResult(valid=False, reason=reason, raw_total=float(raw) if answered else None, **common)

    reason = None
    prorated = False
    if definition.scoring == "mean":
        total = raw / len(answered)
    elif definition.scoring == "conversion_table":
        assert definition.conversion_table is not None  # checked by the definition's validator
        total = definition.conversion_table[raw]
    elif missing_total and definition.missing_rule and definition.missing_rule.prorate:
        total = raw * len(total_ids) / len(answered)
        prorated = True
        reason = (
            f"prorated from {len(answered)} of {len(total_ids)} items (missing "
            f"{_describe_missing(definition, parsed, missing_total)})"
        )
    else:
        total = float(raw)
        if missing_total:
            reason = f"items left out of the total: {_describe_missing(definition, parsed, missing_total)}"
    return ScoreResult(
        valid=True,
        reason=reason,
        total=total,
        raw_total=float(raw),
        prorated=prorated,
        in_clinical_range=definition.in_clinical_range(total),
        **common,
    )


def _score_single_choice(definition: MeasureDefinition, parsed: Mapping[str, int | None]) -> ScoreResult:
    item = definition.items[0]
    value = parsed[item.id]
    if value is None:
        return ScoreResult(
            measure_id=definition.id, valid=False, reason="partial: no answer given", items_missing=(item.id,)
        )
    option = item.option(value)
    return ScoreResult(
        measure_id=definition.id,
        valid=True,
        items_answered=1,
        item_scores={item.id: value},
        response=option.label,
        category=option.category,
    )


# --- goals ----------------------------------------------------------------------------------


def _check_goals(definition: MeasureDefinition, goals: Sequence[Goal] | None) -> tuple[Goal, ...]:
    if not goals:
        raise OutcomeError(f"{definition.name} needs the person's goals (at least one)")
    ids = [goal.id for goal in goals]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise OutcomeError(f"{definition.name}: goal ids repeat: {', '.join(repeated)}")
    return tuple(goals)


def _score_goals(
    definition: MeasureDefinition, answers: Mapping[Any, object], goals: Sequence[Goal] | None
) -> ScoreResult:
    goal_set = _check_goals(definition, goals)
    template = definition.items[0]
    by_id = {goal.id: goal for goal in goal_set}
    if not isinstance(answers, Mapping):
        raise AnswerError(f"{definition.name}: ratings must be a mapping of goal id to rating", measure=definition.id)
    ratings: dict[str, int] = {}
    for key, value in answers.items():
        goal_id = str(key).strip()
        if goal_id not in by_id:
            raise AnswerError(
                f"{definition.name}: unknown goal {key!r}; goals are {', '.join(by_id)}",
                measure=definition.id,
                item=goal_id,
                value=value,
            )
        item = Item(id=goal_id, label=by_id[goal_id].description, options=template.options)
        parsed = parse_value(definition, item, value)
        if parsed is not None:
            ratings[goal_id] = parsed
    ordered = {goal.id: ratings[goal.id] for goal in goal_set if goal.id in ratings}
    missing = tuple(goal.id for goal in goal_set if goal.id not in ratings)
    common: dict[str, Any] = {
        "measure_id": definition.id,
        "items_answered": len(ordered),
        "items_missing": missing,
        "item_scores": ordered,
    }
    if missing:
        reason = f"partial: {len(ordered)} of {len(goal_set)} goals rated; not rated: {', '.join(missing)}"
        return ScoreResult(valid=False, reason=reason, **common)
    if definition.scoring == "gas":
        t = kiresuk_sherman_t([(goal.weight, ordered[goal.id]) for goal in goal_set])
        category = "as_expected_or_better" if round(t, _PRECISION) >= 50 else "below_expected"
        return ScoreResult(valid=True, total=t, category=category, **common)
    mean = sum(ordered.values()) / len(ordered)
    return ScoreResult(valid=True, total=mean, raw_total=float(sum(ordered.values())), **common)


# --- change ---------------------------------------------------------------------------------


def _classify(improvement: float, threshold: float | None) -> ChangeCategory:
    if threshold is None:
        return ChangeCategory.NO_THRESHOLD
    if improvement >= threshold:
        return ChangeCategory.RELIABLE_IMPROVEMENT
    if improvement <= -threshold:
        return ChangeCategory.RELIABLE_DETERIORATION
    return ChangeCategory.NO_RELIABLE_CHANGE


def _signed(definition: MeasureDefinition, change: float) -> float:
    return change if definition.direction == "higher_is_better" else -change


def _goal_changes(definition: MeasureDefinition, first: ScoreResult, later: ScoreResult) -> tuple[ItemChange, ...]:
    threshold = definition.reliable_change.value if definition.reliable_change else None
    changes = []
    for goal_id, before in first.item_scores.items():
        if goal_id not in later.item_scores:
            continue
        after = later.item_scores[goal_id]
        change = round(after - before, _PRECISION)
        changes.append(
            ItemChange(
                id=goal_id,
                first=before,
                later=after,
                change=change,
                category=_classify(_signed(definition, change), threshold),
            )
        )
    return tuple(changes)


def paired_change(definition: MeasureDefinition, first: ScoreResult, later: ScoreResult) -> Change:
    """Change from a first to a later score: reliable improvement, deterioration or neither,
    and whether it is clinically significant (crossing the published cut-off, Jacobson-Truax)."""
    for label, result in (("first", first), ("later", later)):
        if result.measure_id != definition.id:
            raise OutcomeError(f"{label} score is for {result.measure_id!r}, not {definition.id!r}")
    base: dict[str, Any] = {"measure_id": definition.id}
    if definition.scoring == "single_choice":
        return _not_applicable(definition)
    item_changes = _goal_changes(definition, first, later) if definition.scoring == "gbo" else ()
    invalid = [(label, r) for label, r in (("first", first), ("later", later)) if not r.valid or r.total is None]
    if invalid:
        reason: str | None = "; ".join(f"{label} score not valid ({r.reason})" for label, r in invalid)
        return Change(
            **base,
            first=first.total,
            later=later.total,
            change=None,
            improvement=None,
            category=ChangeCategory.NOT_ASSESSABLE,
            reason=reason,
            item_changes=item_changes,
        )
    assert first.total is not None
    assert later.total is not None
    change = round(later.total - first.total, _PRECISION)
    improvement = _signed(definition, change)
    threshold = definition.reliable_change.value if definition.reliable_change else None
    category = _classify(improvement, threshold)
    first_clinical = definition.in_clinical_range(first.total)
    later_clinical = definition.in_clinical_range(later.total)
    significant_up = significant_down = None
    if first_clinical is not None and threshold is not None:
        significant_up = category is ChangeCategory.RELIABLE_IMPROVEMENT and first_clinical and not later_clinical
        significant_down = category is ChangeCategory.RELIABLE_DETERIORATION and not first_clinical and later_clinical
    reason = None
    if threshold is None:
        reason = f"no published reliable change value for {definition.score_label}"
    return Change(
        **base,
        first=first.total,
        later=later.total,
        change=change,
        improvement=improvement,
        category=category,
        reason=reason,
        threshold=threshold,
        first_in_clinical_range=first_clinical,
        later_in_clinical_range=later_clinical,
        clinically_significant_improvement=significant_up,
        clinically_significant_deterioration=significant_down,
        item_changes=item_changes,
    )


def episode_change(definition: MeasureDefinition, scores: Sequence[ScoreResult]) -> Change:
    """The paired outcome of one episode: the first valid score against the last valid one.

    `scores` are the episode's scores of this measure in the order they were taken. Partial
    scores are skipped (kept, but not paired); with fewer than two valid scores the result says
    so instead of pairing a score with itself.
    """
    for result in scores:
        if result.measure_id != definition.id:
            raise OutcomeError(f"a score for {result.measure_id!r} is among the {definition.id!r} scores")
    if definition.scoring == "single_choice":
        return _not_applicable(definition)
    valid = [result for result in scores if result.valid and result.total is not None]
    if len(valid) < 2:
        return Change(
            measure_id=definition.id,
            first=valid[0].total if valid else None,
            later=None,
            change=None,
            improvement=None,
            category=ChangeCategory.NOT_ASSESSABLE,
            reason=f"no paired scores: {len(valid)} valid of {len(scores)} recorded, two needed",
        )
    return paired_change(definition, valid[0], valid[-1])


def _not_applicable(definition: MeasureDefinition) -> Change:
    return Change(
        measure_id=definition.id,
        first=None,
        later=None,
        change=None,
        improvement=None,
        category=ChangeCategory.NOT_APPLICABLE,
        reason=f"{definition.name} records an experience, not a score: there is no change to measure",
    )
