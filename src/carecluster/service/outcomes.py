"""Outcome measures on the record (issue 7): record, list, amend with history, and pair.

An administration keeps the answers as given (normalised to item id -> value), the goals rated,
and the score as computed with the measure definition's version. A questionnaire with items left
out is stored as "partial" with whatever could be scored; a bad answer is refused with a message
naming the item. HoNOS is never entered here: its scores come from the MHCT ratings already on
the record, so the paired HoNOS outcome and the clustering can never disagree.

Its own reads and writes go through the unit of work (`ctx.uow.outcomes`, `ctx.uow.clinical`);
the access checks and audit entries it shares with every clinical record are still
`service.records`' (on the session) until that module is converted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from carecluster.domain.outcomes import (
    HONOS,
    AnswerError,
    Goal,
    MeasureDefinition,
    OutcomeError,
    ScoreResult,
    episode_change,
    get_measure,
    score,
    score_ratings,
)
from carecluster.domain.outcomes.answers import parse_answers
from carecluster.domain.ratings import RatingError, Ratings
from carecluster.service import records
from carecluster.service.context import Context
from carecluster.service.errors import Invalid
from carecluster.service.outcome_schemas import (
    GoalIn,
    OutcomeAmend,
    OutcomeIn,
    OutcomeOut,
    PairedOutcome,
    ScorePoint,
)
from carecluster.service.schemas import Page
from carecluster.store.models import Episode, OutcomeAdministration, ServiceUser

records.OUT[OutcomeAdministration] = OutcomeOut  # so the shared get/history use cases can show it

FROM_MHCT = frozenset({HONOS.id})
"""Measures that come from the MHCT ratings and are never entered as outcomes."""


def out(row: OutcomeAdministration) -> OutcomeOut:
    return OutcomeOut.model_validate(row)


def recordable_measure(measure_id: str, loc: tuple[str, ...] = ("body", "measure_id")) -> MeasureDefinition:
    """The definition of a measure that may be recorded as an outcome, or a 422 saying why not."""
    try:
        definition = get_measure(measure_id)
    except OutcomeError as error:
        raise Invalid.field(loc, str(error)) from None
    if definition.id in FROM_MHCT:
        raise Invalid.field(
            loc, f"{definition.name} comes from the MHCT ratings (scales 1-12): record an assessment instead"
        )
    return definition


def _goals(definition: MeasureDefinition, goals: list[GoalIn] | list[dict[str, Any]] | None) -> list[Goal] | None:
    if definition.scoring not in ("gas", "gbo"):
        if goals:
            raise Invalid.field(("body", "goals"), f"{definition.name} is not goal-based: leave goals out")
        return None
    if not goals:
        raise Invalid.field(("body", "goals"), f"{definition.name} needs the person's goals (at least one)")
    parsed = [Goal(**(g.model_dump() if isinstance(g, GoalIn) else g)) for g in goals]
    ids = [g.id for g in parsed]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise Invalid.field(("body", "goals"), f"goal ids repeat: {', '.join(repeated)}")
    return parsed


def score_answers(
    definition: MeasureDefinition, answers: dict[str, Any], goals: list[Goal] | None
) -> tuple[dict[str, int], ScoreResult, str]:
    """(answers as stored, score, status); bad answers are a 422 naming the item and the value."""
    try:
        result = score(definition, answers, goals=goals)
        if goals is None:
            stored = {k: v for k, v in parse_answers(definition, answers).items() if v is not None}
        else:
            stored = dict(result.item_scores)
    except AnswerError as error:
        loc: tuple[str, ...] = ("body", "answers", error.item) if error.item else ("body", "answers")
        raise Invalid.field(loc, str(error)) from None
    except OutcomeError as error:
        raise Invalid.field(("body", "goals" if goals is not None else "answers"), str(error)) from None
    if not stored:
        raise Invalid.field(("body", "answers"), f"no answers given: answer at least one {definition.name} item")
    status = "partial" if result.items_missing else "complete"
    return stored, result, status


def _score_json(definition: MeasureDefinition, result: ScoreResult) -> dict[str, Any]:
    return {**result.model_dump(mode="json"), "measure_version": definition.version, "measure_name": definition.name}


def _earlier_goals(ctx: Context, episode_id: str, measure_id: str) -> list[dict[str, Any]] | None:
    row = ctx.uow.outcomes.latest_in_episode(episode_id, measure_id)
    return row.goals if row is not None else None


def _links(ctx: Context, su: ServiceUser, data: OutcomeIn) -> tuple[str, str | None, str | None]:
    """(episode id, assessment id, clustering event): checked to belong to this service user."""
    assessment_id = data.assessment_id
    event = data.clustering_event.value if data.clustering_event else None
    episode_id = data.episode_id
    if assessment_id is not None:
        assessment = ctx.uow.clinical.assessment(assessment_id)
        if assessment is None or assessment.service_user_id != su.record_id:
            raise Invalid.field(("body", "assessment_id"), "no such assessment for this service user")
        event = event or assessment.clustering_event
        episode_id = episode_id or assessment.episode_id
    if episode_id is not None:
        episode = ctx.uow.clinical.episode(episode_id)
        if episode is None or episode.service_user_id != su.record_id:
            raise Invalid.field(("body", "episode_id"), "no such episode of care for this service user")
    else:
        episode = records.open_episode(ctx, su.record_id)
        if episode is None:
            raise Invalid.field(
                ("body", "episode_id"), "the service user has no open episode of care: give the episode"
            )
        episode_id = episode.record_id
    if data.administered_on < episode.referral_date:
        raise Invalid.field(
            ("body", "administered_on"), f"the episode of care began on {episode.referral_date}, after this date"
        )
    return episode_id, assessment_id, event


def record_outcome(ctx: Context, service_user_id: str, data: OutcomeIn) -> OutcomeOut:
    """Record one questionnaire or goal rating, scored now with the current definition."""
    su = records._service_user(ctx, service_user_id, write=True)
    definition = recordable_measure(data.measure_id)
    if data.administered_on > ctx.today:
        raise Invalid.field(("body", "administered_on"), "the date is in the future")
    episode_id, assessment_id, event = _links(ctx, su, data)
    raw_goals: list[Any] | None = data.goals
    if definition.scoring in ("gas", "gbo") and not raw_goals:
        raw_goals = _earlier_goals(ctx, episode_id, definition.id)
    goals = _goals(definition, raw_goals)
    stored, result, status = score_answers(definition, data.answers, goals)
    row = ctx.uow.outcomes.add(
        ctx.actor.user_id,
        service_user_id=su.record_id,
        episode_id=episode_id,
        assessment_id=assessment_id,
        clustering_event=event,
        measure_id=definition.id,
        measure_version=definition.version,
        administered_on=data.administered_on,
        respondent=data.respondent,
        answers=stored,
        goals=[g.model_dump() for g in goals] if goals else None,
        score=_score_json(definition, result),
        status=status,
    )
    records._created(ctx, row, su.record_id)
    return out(row)


def amend_outcome(ctx: Context, record_id: str, data: OutcomeAmend) -> OutcomeOut:
    """Correct answers, goals, date or event: a new version, rescored; the old one is kept."""
    old, su = records._child(ctx, OutcomeAdministration, record_id, write=True)
    ctx.check_version(old, "outcome")
    definition = recordable_measure(old.measure_id, ("path", "record_id"))
    changes = data.model_dump(exclude_unset=True, exclude={"amend_reason", "goals", "answers"})
    if changes.get("administered_on") and changes["administered_on"] > ctx.today:
        raise Invalid.field(("body", "administered_on"), "the date is in the future")
    if "clustering_event" in changes and changes["clustering_event"] is not None:
        changes["clustering_event"] = changes["clustering_event"].value
    answers = data.answers if data.answers is not None else old.answers
    goals = _goals(definition, data.goals if data.goals is not None else old.goals)
    stored, result, status = score_answers(definition, answers, goals)
    changes |= {
        "answers": stored,
        "goals": [g.model_dump() for g in goals] if goals else None,
        "score": _score_json(definition, result),
        "status": status,
        "measure_version": definition.version,
    }
    new = ctx.uow.outcomes.amend(old, ctx.actor.user_id, data.amend_reason, changes)
    records._amended(ctx, old, new, su.record_id, data.amend_reason)
    return out(new)


def get_outcome(ctx: Context, record_id: str) -> OutcomeOut:
    return records.get_child(ctx, OutcomeAdministration, record_id)


def outcome_history(ctx: Context, record_id: str) -> list[OutcomeOut]:
    return records.history(ctx, OutcomeAdministration, record_id)


def list_outcomes(
    ctx: Context, service_user_id: str, limit: int, offset: int, *, measure_id: str | None = None
) -> Page[OutcomeOut]:
    """Current administrations, newest first, optionally of one measure."""
    records._service_user(ctx, service_user_id)
    rows, total = ctx.uow.outcomes.page_for_person(service_user_id, measure_id, limit, offset)
    ctx.audit("read_list", entity="outcome", service_user_id=service_user_id, detail=f"measure={measure_id}")
    return Page(items=[out(r) for r in rows], total=total, limit=limit, offset=offset)


# --- paired outcomes --------------------------------------------------------------------------


def _honos_points(ctx: Context, service_user_id: str) -> dict[str, list[tuple[ScorePoint, ScoreResult]]]:
    """HoNOS per episode from the MHCT ratings on the record (scales 1-12), oldest first."""
    rows = ctx.uow.clinical.assessments_of(service_user_id)
    by_episode: dict[str, list[tuple[ScorePoint, ScoreResult]]] = defaultdict(list)
    for row in rows:
        if row.episode_id is None:
            continue
        try:
            result = score_ratings(Ratings.of(list(row.ratings), row.problem_type, row.problem_description))
        except RatingError:  # a stored rating always parses; skip rather than fail a whole record page
            continue
        point = ScorePoint(
            source="assessment",
            record_id=row.record_id,
            on=row.assessed_on,
            total=result.total,
            valid=result.valid,
            status="complete" if not result.items_missing else "partial",
            reason=result.reason,
        )
        by_episode[row.episode_id].append((point, result))
    return by_episode


def _pair(
    episode: Episode, definition: MeasureDefinition, series: Iterable[tuple[ScorePoint, ScoreResult]]
) -> PairedOutcome:
    items = list(series)
    change = episode_change(definition, [result for _, result in items])
    return PairedOutcome(
        episode_id=episode.record_id,
        referral_date=episode.referral_date,
        discharge_date=episode.discharge_date,
        measure_id=definition.id,
        measure_name=definition.name,
        measure_version=definition.version,
        score_label=definition.score_label,
        direction=definition.direction,
        scores=[point for point, _ in items],
        paired=change.change is not None,
        change=change.model_dump(mode="json"),
    )


def paired_outcomes(ctx: Context, service_user_id: str) -> list[PairedOutcome]:
    """For each episode (newest first) and each measure recorded in it: the scores and the change
    from the first to the last valid one (reliable improvement, deterioration or neither)."""
    records._service_user(ctx, service_user_id)
    episodes = ctx.uow.clinical.episodes_of(service_user_id)
    rows = ctx.uow.outcomes.all_for_person(service_user_id)
    series: dict[tuple[str, str], list[tuple[ScorePoint, ScoreResult]]] = defaultdict(list)
    for row in rows:
        stored = {k: v for k, v in row.score.items() if k not in ("measure_version", "measure_name")}
        result = ScoreResult.model_validate(stored)
        point = ScorePoint(
            source="outcome",
            record_id=row.record_id,
            on=row.administered_on,
            total=result.total,
            valid=result.valid,
            status=row.status,
            reason=result.reason,
        )
        series[(row.episode_id, row.measure_id)].append((point, result))
    for episode_id, points in _honos_points(ctx, service_user_id).items():
        series[(episode_id, HONOS.id)] = points
    order = {measure_id: n for n, measure_id in enumerate(["honos", "reqol10", "dialog", "swemwbs", "core10"])}
    paired: list[PairedOutcome] = []
    for episode in episodes:
        measures = sorted({m for (e, m) in series if e == episode.record_id}, key=lambda m: (order.get(m, 99), m))
        paired.extend(_pair(episode, get_measure(m), series[(episode.record_id, m)]) for m in measures)
    ctx.audit("read", entity="paired_outcomes", record_id=service_user_id, service_user_id=service_user_id)
    return paired


def goals_to_rate(ctx: Context, service_user_id: str, measure_id: str) -> list[dict[str, Any]]:
    """The goals last rated with a goal-based measure in the open episode (for a form to offer again)."""
    records._service_user(ctx, service_user_id)
    episode = records.open_episode(ctx, service_user_id)
    if episode is None:
        return []
    return _earlier_goals(ctx, episode.record_id, measure_id) or []
