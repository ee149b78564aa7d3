"""Clinical records: service users and, under them, episodes, assessments with allocations,
assignment periods and reviews. Records are amended (POST .../amendments), never overwritten;
GET .../history lists every version."""

from __future__ import annotations

from types import GenericAlias

from fastapi import APIRouter, Request

from carecluster.http.runtime import CurrentActor, IfMatch, PageParams, run
from carecluster.service import records
from carecluster.service.schemas import (
    AllocationOut,
    AnswersIn,
    AssessmentAmend,
    AssessmentCreated,
    AssessmentIn,
    AssessmentOut,
    ChoiceIn,
    EpisodeAmend,
    EpisodeDischargeIn,
    EpisodeIn,
    EpisodeOut,
    EpisodeTransferIn,
    Page,
    PeriodAmend,
    PeriodOut,
    ReviewAmend,
    ReviewCreated,
    ReviewIn,
    ReviewOut,
    ServiceUserAmend,
    ServiceUserIn,
    ServiceUserOut,
)
from carecluster.store.models import Allocation, Assessment, AssignmentPeriod, Episode, Review, ServiceUser

router = APIRouter(tags=["clinical records"])


@router.get("/service-users", response_model=Page[ServiceUserOut])
def list_service_users(
    request: Request,
    actor: CurrentActor,
    page: PageParams,
    team_id: int | None = None,
    clinician_id: int | None = None,
    nhs_number: str | None = None,
    name: str | None = None,
):
    """Current service users visible to you, filtered by team, clinician, NHS number or part of the name."""
    return run(
        request,
        actor,
        lambda ctx: records.list_service_users(
            ctx,
            page.limit,
            page.offset,
            team_id=team_id,
            clinician_id=clinician_id,
            nhs_number=nhs_number,
            name=name,
        ),
    )


@router.post("/service-users", response_model=ServiceUserOut, status_code=201)
def create_service_user(request: Request, actor: CurrentActor, body: ServiceUserIn):
    return run(request, actor, lambda ctx: records.create_service_user(ctx, body), body=body, status_code=201)


@router.get("/service-users/{record_id}", response_model=ServiceUserOut)
def get_service_user(request: Request, actor: CurrentActor, record_id: str):
    return run(request, actor, lambda ctx: records.get_service_user(ctx, record_id))


@router.post("/service-users/{record_id}/amendments", response_model=ServiceUserOut, status_code=201)
def amend_service_user(
    request: Request, actor: CurrentActor, record_id: str, body: ServiceUserAmend, _if_match: IfMatch = None
):
    return run(
        request,
        actor,
        lambda ctx: records.amend_service_user(ctx, record_id, body),
        body=body,
        status_code=201,
        amendment=True,
    )


# The response models are built from a class held in a variable: `GenericAlias(list, (out,))` is
# what `list[out]` makes at run time, and `Page.__class_getitem__(out)` what `Page[out]` makes,
# spelled so that the type checker does not read them as type expressions.


def _history(path: str, model: type, out: type, name: str) -> None:
    def handler(request: Request, actor: CurrentActor, record_id: str):
        return run(request, actor, lambda ctx: records.history(ctx, model, record_id))

    handler.__name__ = f"{name}_history"
    handler.__doc__ = f"Every version of the {name.replace('_', ' ')}, oldest first, with who amended it, when and why."
    router.get(f"{path}/{{record_id}}/history", response_model=GenericAlias(list, (out,)), name=handler.__name__)(
        handler
    )


def _get(path: str, model: type, out: type, name: str) -> None:
    def handler(request: Request, actor: CurrentActor, record_id: str):
        return run(request, actor, lambda ctx: records.get_child(ctx, model, record_id))

    handler.__name__ = f"get_{name}"
    router.get(f"{path}/{{record_id}}", response_model=out, name=handler.__name__)(handler)


def _list(path: str, model: type, out: type, name: str) -> None:
    def handler(request: Request, actor: CurrentActor, record_id: str, page: PageParams):
        return run(request, actor, lambda ctx: records.list_children(ctx, model, record_id, page.limit, page.offset))

    handler.__name__ = f"list_{name}"
    router.get(
        f"/service-users/{{record_id}}/{path}", response_model=Page.__class_getitem__(out), name=handler.__name__
    )(handler)


_history("/service-users", ServiceUser, ServiceUserOut, "service_user")
for _path, _model, _out, _name in (
    ("episodes", Episode, EpisodeOut, "episode"),
    ("assessments", Assessment, AssessmentOut, "assessment"),
    ("allocations", Allocation, AllocationOut, "allocation"),
    ("assignment-periods", AssignmentPeriod, PeriodOut, "assignment_period"),
    ("reviews", Review, ReviewOut, "review"),
):
    _list(_path, _model, _out, _name + "s")
    _get(f"/{_path}", _model, _out, _name)
    _history(f"/{_path}", _model, _out, _name)


@router.post("/service-users/{record_id}/episodes", response_model=EpisodeOut, status_code=201)
def create_episode(request: Request, actor: CurrentActor, record_id: str, body: EpisodeIn):
    """Open an episode of care (referral)."""
    return run(request, actor, lambda ctx: records.create_episode(ctx, record_id, body), body=body, status_code=201)


@router.post("/episodes/{record_id}/amendments", response_model=EpisodeOut, status_code=201)
def amend_episode(request: Request, actor: CurrentActor, record_id: str, body: EpisodeAmend, _if_match: IfMatch = None):
    """Amend an episode; giving a discharge date discharges it and ends the open assignment period."""
    return run(
        request,
        actor,
        lambda ctx: records.amend_episode(ctx, record_id, body),
        body=body,
        status_code=201,
        amendment=True,
    )


@router.post("/episodes/{record_id}/transfer", response_model=EpisodeOut, status_code=201)
def transfer_episode(
    request: Request, actor: CurrentActor, record_id: str, body: EpisodeTransferIn, _if_match: IfMatch = None
):
    """Transfer an open episode (and the service user's record) to another team."""
    return run(request, actor, lambda ctx: records.transfer_episode(ctx, record_id, body), body=body, status_code=201)


@router.post("/episodes/{record_id}/discharge", response_model=EpisodeOut, status_code=201)
def discharge_episode(
    request: Request, actor: CurrentActor, record_id: str, body: EpisodeDischargeIn, _if_match: IfMatch = None
):
    """End an open episode of care at discharge; the open cluster period ends the same day."""
    return run(request, actor, lambda ctx: records.discharge_episode(ctx, record_id, body), body=body, status_code=201)


@router.post("/service-users/{record_id}/assessments", response_model=AssessmentCreated, status_code=201)
def create_assessment(request: Request, actor: CurrentActor, record_id: str, body: AssessmentIn):
    """Record an MHCT rating: the allocation engine's suggestion is computed and stored with it,
    with the reference set id and version; a chosen cluster (with a reason where the rules
    require one) opens a cluster assignment period."""
    return run(request, actor, lambda ctx: records.create_assessment(ctx, record_id, body), body=body, status_code=201)


@router.post("/assessments/{record_id}/amendments", response_model=AssessmentOut, status_code=201)
def amend_assessment(
    request: Request, actor: CurrentActor, record_id: str, body: AssessmentAmend, _if_match: IfMatch = None
):
    """Correct the date, clustering event or scale 8 description; corrected ratings are a new assessment."""
    return run(
        request,
        actor,
        lambda ctx: records.amend_assessment(ctx, record_id, body),
        body=body,
        status_code=201,
        amendment=True,
    )


@router.post("/allocations/{record_id}/choice", response_model=AllocationOut, status_code=201)
def choose_cluster(request: Request, actor: CurrentActor, record_id: str, body: ChoiceIn, _if_match: IfMatch = None):
    """Choose (or change) the cluster of an allocation: a new allocation version."""
    return run(
        request,
        actor,
        lambda ctx: records.choose_cluster(ctx, record_id, body),
        body=body,
        status_code=201,
        amendment=True,
    )


@router.post("/allocations/{record_id}/answers", response_model=AllocationOut, status_code=201)
def answer_questions(request: Request, actor: CurrentActor, record_id: str, body: AnswersIn, _if_match: IfMatch = None):
    """Answer the stored suggestion's open questions (decision-tree facts, inferred red cells): the
    engine runs again with the answers and the result is a new allocation version. 409 once a
    cluster has been chosen. If-Match is checked when sent (412 when stale) but not required:
    answers merge by id with those already stored, so no one's answer is lost."""
    return run(
        request,
        actor,
        lambda ctx: records.answer_questions(ctx, record_id, body),
        body=body,
        status_code=201,
        amendment=True,
    )


@router.post("/service-users/{record_id}/reviews", response_model=ReviewCreated, status_code=201)
def create_review(request: Request, actor: CurrentActor, record_id: str, body: ReviewIn):
    """Review against the current cluster's care transition protocol, with a new MHCT rating."""
    return run(request, actor, lambda ctx: records.create_review(ctx, record_id, body), body=body, status_code=201)


@router.post("/reviews/{record_id}/amendments", response_model=ReviewOut, status_code=201)
def amend_review(request: Request, actor: CurrentActor, record_id: str, body: ReviewAmend, _if_match: IfMatch = None):
    """Correct the reason recorded at a review; a different answer or rating is a new review."""
    return run(
        request,
        actor,
        lambda ctx: records.amend_review(ctx, record_id, body),
        body=body,
        status_code=201,
        amendment=True,
    )


@router.post("/assignment-periods/{record_id}/amendments", response_model=PeriodOut, status_code=201)
def amend_period(request: Request, actor: CurrentActor, record_id: str, body: PeriodAmend, _if_match: IfMatch = None):
    """Correct a cluster assignment period's start or end date."""
    return run(
        request,
        actor,
        lambda ctx: records.amend_period(ctx, record_id, body),
        body=body,
        status_code=201,
        amendment=True,
    )
