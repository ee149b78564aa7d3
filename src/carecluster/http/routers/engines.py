"""The allocation and review engines as stateless endpoints: nothing is stored or audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from carecluster.domain.allocation import AllocationError, FactError
from carecluster.domain.allocation import allocate as engine_allocate
from carecluster.domain.protocols import ReviewError
from carecluster.domain.protocols import review as engine_review
from carecluster.http.runtime import CurrentActor, reference
from carecluster.service.errors import Invalid
from carecluster.service.schemas import AllocateIn, ReviewEngineIn

router = APIRouter(tags=["engines"])


@router.post("/allocate")
def allocate(request: Request, _actor: CurrentActor, body: AllocateIn) -> dict[str, Any]:
    """Suggest a care cluster for one MHCT rating; the body of the answer is the allocation JSON contract."""
    try:
        result = engine_allocate(
            body.rated, body.super_class, reference(request), heading=body.heading, facts=body.facts
        )
    except FactError as error:
        raise Invalid.field(("body", "facts"), str(error)) from None
    except AllocationError as error:
        raise Invalid.field(("body", "heading" if body.heading else "super_class"), str(error)) from None
    return result.model_dump(mode="json")


@router.post("/review")
def review(request: Request, _actor: CurrentActor, body: ReviewEngineIn) -> dict[str, Any]:
    """Apply the current cluster's care transition protocol to a new MHCT rating."""
    try:
        result = engine_review(
            body.current_cluster,
            body.rated,
            reference(request),
            facts=body.facts,
            history=body.history,
            on=body.on,
            chosen_cluster=body.chosen_cluster,
        )
    except (ReviewError, ValueError) as error:
        raise Invalid.field(("body",), str(error)) from None
    return result.model_dump(mode="json")
