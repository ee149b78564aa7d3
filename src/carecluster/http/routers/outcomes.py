"""Outcome measures (issue 7): record questionnaires and goal ratings, amend them with history,
and read the paired outcome per episode and measure. HoNOS comes from the MHCT assessments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from carecluster.domain.outcomes import MEASURES
from carecluster.http.runtime import CurrentActor, IfMatch, PageParams, run
from carecluster.service import outcomes
from carecluster.service.errors import NotFound
from carecluster.service.outcome_schemas import OutcomeAmend, OutcomeIn, OutcomeOut, PairedOutcome
from carecluster.service.schemas import Page

router = APIRouter(tags=["outcomes"])


@router.post("/service-users/{record_id}/outcomes", response_model=OutcomeOut, status_code=201)
def record_outcome(request: Request, actor: CurrentActor, record_id: str, body: OutcomeIn):
    """Record a questionnaire or goal rating; it is scored now and stored with the definition's
    version. Unanswered items make it "partial" (kept as given); a bad answer is a 422 naming the item."""
    return run(request, actor, lambda ctx: outcomes.record_outcome(ctx, record_id, body), body=body, status_code=201)


@router.get("/service-users/{record_id}/outcomes", response_model=Page[OutcomeOut])
def list_outcomes(
    request: Request, actor: CurrentActor, record_id: str, page: PageParams, measure_id: str | None = None
):
    """Current outcome administrations, newest first."""
    return run(
        request,
        actor,
        lambda ctx: outcomes.list_outcomes(ctx, record_id, page.limit, page.offset, measure_id=measure_id),
    )


@router.get("/service-users/{record_id}/outcomes/paired", response_model=list[PairedOutcome])
def paired_outcomes(request: Request, actor: CurrentActor, record_id: str):
    """Per episode and measure: every score in order, and the change from the first to the last
    valid one - reliable improvement, reliable deterioration or no reliable change."""
    return run(request, actor, lambda ctx: outcomes.paired_outcomes(ctx, record_id))


@router.get("/outcomes/{record_id}", response_model=OutcomeOut)
def get_outcome(request: Request, actor: CurrentActor, record_id: str):
    return run(request, actor, lambda ctx: outcomes.get_outcome(ctx, record_id))


@router.get("/outcomes/{record_id}/history", response_model=list[OutcomeOut])
def outcome_history(request: Request, actor: CurrentActor, record_id: str):
    """Every version of the administration, oldest first, with who amended it, when and why."""
    return run(request, actor, lambda ctx: outcomes.outcome_history(ctx, record_id))


@router.post("/outcomes/{record_id}/amendments", response_model=OutcomeOut, status_code=201)
def amend_outcome(request: Request, actor: CurrentActor, record_id: str, body: OutcomeAmend, _if_match: IfMatch = None):
    """Correct answers, goals, date or clustering event: a new version, rescored."""
    return run(
        request,
        actor,
        lambda ctx: outcomes.amend_outcome(ctx, record_id, body),
        body=body,
        status_code=201,
        amendment=True,
    )


@router.get("/outcome-measures")
def list_measures() -> list[dict[str, Any]]:
    """The built-in measures: what a form needs to offer them (no sign-in: definitions hold no personal data)."""
    return [
        {
            "id": m.id,
            "name": m.name,
            "kind": m.kind,
            "version": m.version,
            "recordable": m.id not in outcomes.FROM_MHCT,
            "items": len(m.items),
            "score_label": m.score_label,
            "direction": m.direction,
        }
        for m in MEASURES.values()
    ]


@router.get("/outcome-measures/{measure_id}")
def get_measure_definition(measure_id: str) -> dict[str, Any]:
    """One measure's definition: items and answers (our own short labels), scoring rules with
    their sources, score range, reliable change and clinical cut-off."""
    definition = MEASURES.get(measure_id)
    if definition is None:
        raise NotFound(f"unknown outcome measure {measure_id!r}; measures are {', '.join(MEASURES)}")
    return definition.model_dump(mode="json")
