"""Clinical records: service users, episodes, assessments with their allocations, cluster
assignment periods and reviews. Nothing clinical is updated in place: see `store.repository`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel

from carecluster.adapters.records import ServiceUserFilter, audit_values
from carecluster.domain.allocation import AllocationError, FactError
from carecluster.domain.allocation import allocate as engine_allocate
from carecluster.domain.protocols import ReviewResult
from carecluster.domain.ratings import Ratings
from carecluster.domain.results import AllocationResult
from carecluster.service import permissions
from carecluster.service.allocation_rules import reasons_required, require_reason
from carecluster.service.context import Context
from carecluster.service.errors import Conflict, Invalid, NotFound
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
from carecluster.service.spell_schemas import SpellOut
from carecluster.store.models import (
    Allocation,
    Assessment,
    AssignmentPeriod,
    Episode,
    InpatientSpell,
    Review,
    ServiceUser,
    Versioned,
)

V = TypeVar("V", bound=Versioned)

OUT: dict[type[Versioned], type[BaseModel]] = {
    ServiceUser: ServiceUserOut,
    Episode: EpisodeOut,
    Assessment: AssessmentOut,
    Allocation: AllocationOut,
    AssignmentPeriod: PeriodOut,
    Review: ReviewOut,
    InpatientSpell: SpellOut,
}


def out(row: Versioned) -> Any:
    return OUT[type(row)].model_validate(row)


def _created(ctx: Context, row: Versioned, service_user_id: str) -> None:
    ctx.audit(
        "create",
        entity=row.KIND,  # type: ignore[attr-defined]
        record_id=row.record_id,
        service_user_id=service_user_id,
        after=audit_values(row),
    )


def _amended(ctx: Context, old: Versioned, new: Versioned, service_user_id: str, reason: str) -> None:
    ctx.audit(
        "amend",
        entity=new.KIND,  # type: ignore[attr-defined]
        record_id=new.record_id,
        service_user_id=service_user_id,
        before=audit_values(old),
        after=audit_values(new),
        detail=reason,
    )


def _check_team(ctx: Context, team_id: int, loc: tuple[str, ...]) -> None:
    if ctx.uow.teams.get(team_id) is None:
        raise Invalid.field(loc, f"team {team_id} does not exist")


def _check_clinician(ctx: Context, clinician_id: int | None, team_id: int, loc: tuple[str, ...]) -> None:
    if clinician_id is None:
        return
    user = ctx.uow.users.get(clinician_id)
    if user is None or user.role not in permissions.CLINICAL_ROLES:
        raise Invalid.field(loc, f"user {clinician_id} is not a clinician")
    if team_id not in ctx.uow.users.team_ids(clinician_id):
        raise Invalid.field(loc, f"user {clinician_id} is not a member of team {team_id}")


def _flush_unique(ctx: Context, message: str) -> None:
    """A unique index (e.g. one current record per NHS number) reports a clash as 409, not 500."""
    if not ctx.uow.records.flush_unique():
        raise Conflict(message)


def _gone(ctx: Context, record_id: str, locked: bool) -> None:
    """A locked read that finds no current version of an existing record lost a race with a
    concurrent amendment (PostgreSQL re-checks the row after the lock wait): say so, don't 404."""
    if locked and ctx.uow.records.exists(record_id):
        raise Conflict("the record was amended at the same time: reload it and try again")


# --- service users ----------------------------------------------------------------------------


def _service_user(ctx: Context, record_id: str, *, write: bool = False, lock: bool = False) -> ServiceUser:
    if write:
        permissions.require_clinical_writer(ctx.actor)
    else:
        permissions.require_clinical_reader(ctx.actor)
    row = ctx.uow.records.current(ServiceUser, record_id, lock=lock)
    if row is None:
        _gone(ctx, record_id, lock)
        raise NotFound("service user not found")
    (permissions.require_write if write else permissions.require_read)(ctx.actor, row.team_id)
    return row


def create_service_user(ctx: Context, data: ServiceUserIn) -> ServiceUserOut:
    permissions.require_write_to_team(ctx.actor, data.team_id)
    _check_team(ctx, data.team_id, ("body", "team_id"))
    _check_clinician(ctx, data.clinician_id, data.team_id, ("body", "clinician_id"))
    if ctx.uow.records.service_user_with_nhs_number(data.nhs_number):
        raise Conflict(f"a service user with NHS number {data.nhs_number} is already recorded")
    row = ctx.uow.records.add(ServiceUser, ctx.actor.user_id, **data.model_dump())
    _created(ctx, row, row.record_id)
    return out(row)


def get_service_user(ctx: Context, record_id: str) -> ServiceUserOut:
    row = _service_user(ctx, record_id)
    ctx.audit("read", entity="service_user", record_id=record_id, service_user_id=record_id)
    return out(row)


def list_service_users(
    ctx: Context,
    limit: int,
    offset: int,
    *,
    team_id: int | None = None,
    clinician_id: int | None = None,
    nhs_number: str | None = None,
    name: str | None = None,
) -> Page[ServiceUserOut]:
    permissions.require_clinical_reader(ctx.actor)
    where = ServiceUserFilter(
        within_teams=None if ctx.actor.role == "auditor" else frozenset(ctx.actor.team_ids),
        team_id=team_id,
        clinician_id=clinician_id,
        nhs_number=nhs_number.replace(" ", "") if nhs_number else None,
        name_contains=name or None,
    )
    rows, total = ctx.uow.records.service_users(where, limit, offset)
    ctx.audit(
        "read_list",
        entity="service_user",
        after={"record_ids": [r.record_id for r in rows]},
        detail=f"team={team_id} clinician={clinician_id} nhs_number={nhs_number} name={name} offset={offset}",
    )
    return Page(items=[out(r) for r in rows], total=total, limit=limit, offset=offset)


def amend_service_user(ctx: Context, record_id: str, data: ServiceUserAmend) -> ServiceUserOut:
    old = _service_user(ctx, record_id, write=True, lock=True)
    ctx.check_version(old, "service user")
    changes = data.model_dump(exclude_unset=True, exclude={"amend_reason"})
    team_id = changes.get("team_id", old.team_id)
    if "team_id" in changes:
        permissions.require_write_to_team(ctx.actor, team_id)
        _check_team(ctx, team_id, ("body", "team_id"))
    _check_clinician(ctx, changes.get("clinician_id", old.clinician_id), team_id, ("body", "clinician_id"))
    new = ctx.uow.records.amend(old, ctx.actor.user_id, data.amend_reason, changes)
    _flush_unique(ctx, "another current service user has that NHS number")
    _amended(ctx, old, new, record_id, data.amend_reason)
    return out(new)


def history(ctx: Context, model: type[V], record_id: str) -> list[Any]:
    """Every version of a record, oldest first: what it said, who changed it, when and why."""
    rows = ctx.uow.records.history(model, record_id)
    if not rows:
        raise NotFound(f"{model.KIND.replace('_', ' ')} not found")  # type: ignore[attr-defined]
    su_id = rows[0].record_id if model is ServiceUser else rows[0].service_user_id  # type: ignore[attr-defined]
    _service_user(ctx, su_id)
    ctx.audit("read_history", entity=model.KIND, record_id=record_id, service_user_id=su_id)  # type: ignore[attr-defined]
    return [out(r) for r in rows]


# --- child records: episodes, assessments, allocations, periods, reviews -----------------------


def _child(ctx: Context, model: type[V], record_id: str, *, write: bool = False) -> tuple[V, ServiceUser]:
    if write:
        permissions.require_clinical_writer(ctx.actor)
    else:
        permissions.require_clinical_reader(ctx.actor)
    row = ctx.uow.records.current(model, record_id, lock=write)
    name = model.KIND.replace("_", " ")  # type: ignore[attr-defined]
    if row is None:
        _gone(ctx, record_id, write)
        raise NotFound(f"{name} not found")
    su = ctx.uow.records.current(ServiceUser, row.service_user_id)  # type: ignore[attr-defined]
    if su is None:
        raise NotFound(f"{name} not found")
    (permissions.require_write if write else permissions.require_read)(ctx.actor, su.team_id, name)
    return row, su


def get_child(ctx: Context, model: type[V], record_id: str) -> Any:
    row, su = _child(ctx, model, record_id)
    ctx.audit("read", entity=model.KIND, record_id=record_id, service_user_id=su.record_id)  # type: ignore[attr-defined]
    return out(row)


def list_children(ctx: Context, model: type[V], service_user_id: str, limit: int, offset: int) -> Page[Any]:
    _service_user(ctx, service_user_id)
    rows, total = ctx.uow.records.of_person(model, service_user_id, limit, offset)
    ctx.audit("read_list", entity=model.KIND, service_user_id=service_user_id, detail=f"offset={offset}")  # type: ignore[attr-defined]
    return Page(items=[out(r) for r in rows], total=total, limit=limit, offset=offset)


def create_episode(ctx: Context, service_user_id: str, data: EpisodeIn) -> EpisodeOut:
    su = _service_user(ctx, service_user_id, write=True)
    team_id = data.team_id if data.team_id is not None else su.team_id
    if team_id != su.team_id:
        permissions.require_write_to_team(ctx.actor, team_id)
        _check_team(ctx, team_id, ("body", "team_id"))
    if open_episode(ctx, service_user_id) is not None:
        raise Conflict("the service user has an open episode of care: discharge it first")
    if data.referral_date > ctx.today:
        raise Invalid.field(("body", "referral_date"), "referral date is in the future")
    row = ctx.uow.records.add(
        Episode,
        ctx.actor.user_id,
        service_user_id=service_user_id,
        team_id=team_id,
        referral_date=data.referral_date,
        referral_source=data.referral_source,
        referral_reason=data.referral_reason,
        referral_reason_code=data.referral_reason_code,
        primary_diagnosis=data.primary_diagnosis,
    )
    _created(ctx, row, service_user_id)
    return out(row)


def transfer_episode(ctx: Context, record_id: str, data: EpisodeTransferIn) -> EpisodeOut:
    """Move an open episode to another team: the episode and the service user's record both change
    team (each a new audited version), so the receiving team sees the person on its caseload."""
    old, su = _child(ctx, Episode, record_id, write=True)
    if ctx.expected_version is not None:
        ctx.check_version(old, "episode")
    if old.discharge_date is not None:
        raise Conflict(f"the episode ended on {old.discharge_date}: open a new episode instead")
    if data.team_id == old.team_id:
        raise Invalid.field(("body", "team_id"), "the episode is already with that team")
    permissions.require_write_to_team(ctx.actor, data.team_id)
    _check_team(ctx, data.team_id, ("body", "team_id"))
    if data.transferred_on > ctx.today:
        raise Invalid.field(("body", "transferred_on"), "the transfer date is in the future")
    if data.transferred_on < old.referral_date:
        raise Invalid.field(("body", "transferred_on"), f"the episode began on {old.referral_date}, after this date")
    why = f"transferred on {data.transferred_on}: {data.reason}"
    new = ctx.uow.records.amend(old, ctx.actor.user_id, why, {"team_id": data.team_id})
    _amended(ctx, old, new, su.record_id, why)
    if su.team_id != data.team_id:
        person = ctx.uow.records.current(ServiceUser, su.record_id, lock=True)
        assert person is not None
        changes: dict[str, Any] = {"team_id": data.team_id}
        if person.clinician_id is not None and data.team_id not in ctx.uow.users.team_ids(person.clinician_id):
            changes["clinician_id"] = None  # the clinician is not in the receiving team: it allocates one
        moved = ctx.uow.records.amend(person, ctx.actor.user_id, why, changes)
        _amended(ctx, person, moved, su.record_id, why)
    return out(new)


def discharge_episode(ctx: Context, record_id: str, data: EpisodeDischargeIn) -> EpisodeOut:
    """End an episode of care at discharge (its open cluster period ends the same day)."""
    old, _su = _child(ctx, Episode, record_id, write=True)
    if old.discharge_date is not None:
        raise Conflict(f"the episode already ended on {old.discharge_date}")
    if data.discharge_date > ctx.today:
        raise Invalid.field(("body", "discharge_date"), "the discharge date is in the future")
    amend = EpisodeAmend(
        amend_reason="discharged", discharge_date=data.discharge_date, discharge_reason=data.discharge_reason
    )
    return amend_episode(ctx, record_id, amend, check_version=ctx.expected_version is not None)


def open_episode(ctx: Context, service_user_id: str) -> Episode | None:
    return ctx.uow.records.open_episode(service_user_id)


def amend_episode(ctx: Context, record_id: str, data: EpisodeAmend, *, check_version: bool = True) -> EpisodeOut:
    old, su = _child(ctx, Episode, record_id, write=True)
    if check_version:
        ctx.check_version(old, "episode")
    changes = data.model_dump(exclude_unset=True, exclude={"amend_reason"})
    referral = changes.get("referral_date", old.referral_date)
    discharge = changes.get("discharge_date", old.discharge_date)
    if discharge is not None and discharge < referral:
        raise Invalid.field(("body", "discharge_date"), "discharge date is before the referral date")
    new = ctx.uow.records.amend(old, ctx.actor.user_id, data.amend_reason, changes)
    _amended(ctx, old, new, su.record_id, data.amend_reason)
    if discharge is not None and old.discharge_date is None:
        period = _open_period(ctx, su.record_id)
        if period is not None:
            closed = ctx.uow.records.amend(period, ctx.actor.user_id, "episode of care ended", {"end_date": discharge})
            _amended(ctx, period, closed, su.record_id, "episode of care ended")
    return out(new)


def _open_period(ctx: Context, service_user_id: str) -> AssignmentPeriod | None:
    return ctx.uow.records.open_period(service_user_id)


def _assign(ctx: Context, su: ServiceUser, allocation: Allocation, cluster: int, start: date) -> None:
    """Open a cluster assignment period, ending the one before it; a changed choice amends its own."""
    current = _open_period(ctx, su.record_id)
    if current is not None and current.allocation_id == allocation.record_id:
        if current.cluster != cluster:
            new = ctx.uow.records.amend(current, ctx.actor.user_id, "chosen cluster changed", {"cluster": cluster})
            _amended(ctx, current, new, su.record_id, "chosen cluster changed")
        return
    if current is not None:
        if current.cluster == cluster:
            return  # the same cluster continues: one period
        if start < current.start_date:
            raise Invalid.field(
                ("body", "assessed_on"), f"the current period began on {current.start_date}, after {start}"
            )
        ended = ctx.uow.records.amend(current, ctx.actor.user_id, "new cluster chosen", {"end_date": start})
        _amended(ctx, current, ended, su.record_id, "new cluster chosen")
    period = ctx.uow.records.add(
        AssignmentPeriod,
        ctx.actor.user_id,
        service_user_id=su.record_id,
        allocation_id=allocation.record_id,
        cluster=cluster,
        start_date=start,
    )
    _created(ctx, period, su.record_id)


def current_cluster(ctx: Context, service_user_id: str) -> int | None:
    period = _open_period(ctx, service_user_id)
    return period.cluster if period else None


def _assess(
    ctx: Context,
    su: ServiceUser,
    data: AssessmentIn | ReviewIn,
    assessed_on: date,
    chosen: int | None,
    reason: str | None,
    rater_id: int | None = None,
    *,
    engine: AllocationResult | None = None,
) -> tuple[Assessment, Allocation]:
    """Store a rating with its allocation.

    `rater_id`: the member of staff who rated, when not the one recording (an import);
    `engine`: a result already computed and shown (a review), so what is stored is what was seen.
    """
    if assessed_on > ctx.today:
        raise Invalid.field(("body", "assessed_on"), "the assessment date is in the future")
    episode_id = getattr(data, "episode_id", None)
    if episode_id is not None:
        episode = ctx.uow.records.current(Episode, episode_id)
        if episode is None or episode.service_user_id != su.record_id:
            raise Invalid.field(("body", "episode_id"), "no such episode of care for this service user")
    else:
        current_episode = open_episode(ctx, su.record_id)
        episode_id = current_episode.record_id if current_episode else None
    try:
        facts = data.facts if isinstance(data, AssessmentIn) else {}
        result = engine or engine_allocate(
            data.rated, data.super_class, ctx.reference, heading=data.heading, facts=facts
        )
    except FactError as error:
        raise Invalid.field(("body", "facts"), str(error)) from None
    except AllocationError as error:
        raise Invalid.field(("body", "heading" if data.heading else "super_class"), str(error)) from None
    previous = current_cluster(ctx, su.record_id)
    why: list[dict[str, Any]] = []
    if chosen is not None:
        why = reasons_required(result, data.rated, chosen, previous, ctx.reference)
        require_reason(why, reason)
    assessment, allocation = store_assessment(
        ctx,
        su,
        episode_id=episode_id,
        assessed_on=assessed_on,
        clustering_event=data.clustering_event.value,
        rater_id=ctx.actor.user_id if rater_id is None else rater_id,
        rated=data.rated,
        super_class=data.super_class,
        heading=data.heading,
        result=result,
        previous=previous,
        chosen=chosen,
        reason=reason,
        reason_required=why,
    )
    if chosen is not None:
        _assign(ctx, su, allocation, chosen, assessed_on)
    return assessment, allocation


def store_assessment(
    ctx: Context,
    su: ServiceUser,
    *,
    episode_id: str | None,
    assessed_on: date,
    clustering_event: str,
    rater_id: int,
    rated: Ratings,
    super_class: str | None,
    heading: str | None,
    result: AllocationResult,
    previous: int | None,
    chosen: int | None,
    reason: str | None,
    reason_required: list[dict[str, Any]],
) -> tuple[Assessment, Allocation]:
    """Write an MHCT assessment and its allocation (the engine's result as computed, with its
    reference set) as new records, and log both: the one place a rating and its suggestion are
    stored, whether typed in, reviewed or imported."""
    assessment = ctx.uow.records.add(
        Assessment,
        ctx.actor.user_id,
        service_user_id=su.record_id,
        episode_id=episode_id,
        assessed_on=assessed_on,
        clustering_event=clustering_event,
        rater_id=rater_id,
        ratings=list(rated.values),
        problem_type=rated.problem_type,
        problem_description=rated.problem_description,
        super_class=super_class,
        heading=heading,
    )
    allocation = ctx.uow.records.add(
        Allocation,
        ctx.actor.user_id,
        service_user_id=su.record_id,
        assessment_id=assessment.record_id,
        suggested_cluster=result.suggested_cluster,
        suggestion=result.model_dump(mode="json"),
        reference_id=result.reference_id,
        reference_version=result.reference_version,
        previous_cluster=previous,
        chosen_cluster=chosen,
        reason=reason if chosen is not None else None,
        reason_required=reason_required,
        chosen_by=rater_id if chosen is not None else None,
    )
    _created(ctx, assessment, su.record_id)
    _created(ctx, allocation, su.record_id)
    return assessment, allocation


def create_assessment(ctx: Context, service_user_id: str, data: AssessmentIn) -> AssessmentCreated:
    """Record an MHCT rating and its allocation: the engine's suggestion as computed, and the choice."""
    su = _service_user(ctx, service_user_id, write=True)
    assessment, allocation = _assess(ctx, su, data, data.assessed_on, data.chosen_cluster, data.reason)
    return AssessmentCreated(assessment=out(assessment), allocation=out(allocation))


def amend_assessment(ctx: Context, record_id: str, data: AssessmentAmend) -> AssessmentOut:
    """Correct an assessment's date, clustering event or scale 8 description.

    Ratings are not amended: a corrected rating is a new assessment, with its own allocation,
    so that no stored suggestion ever disagrees with the ratings it was computed from.
    """
    old, su = _child(ctx, Assessment, record_id, write=True)
    ctx.check_version(old, "assessment")
    changes = data.model_dump(exclude_unset=True, exclude={"amend_reason"})
    if "clustering_event" in changes and changes["clustering_event"] is not None:
        changes["clustering_event"] = changes["clustering_event"].value
    if changes.get("assessed_on") and changes["assessed_on"] > ctx.today:
        raise Invalid.field(("body", "assessed_on"), "the assessment date is in the future")
    new = ctx.uow.records.amend(old, ctx.actor.user_id, data.amend_reason, changes)
    _amended(ctx, old, new, su.record_id, data.amend_reason)
    return out(new)


def stored_facts(suggestion: dict[str, Any] | None) -> dict[str, bool]:
    """The answers stored with an allocation's suggestion (none before engine 2026.12)."""
    facts = (suggestion or {}).get("facts") or {}
    return {str(k): bool(v) for k, v in facts.items()}


def answer_questions(ctx: Context, allocation_id: str, data: AnswersIn) -> AllocationOut:
    """Answer a stored suggestion's open questions: the engine runs again on the stored rating with
    every answer given so far, and its result becomes a new allocation version (audited; the
    earlier suggestion stays in the history). Only before a cluster is chosen: after, the answers
    belong with a change of choice."""
    old, su = _child(ctx, Allocation, allocation_id, write=True)
    if ctx.expected_version is not None:
        ctx.check_version(old, "allocation")
    if old.chosen_cluster is not None:
        raise Conflict(
            f"cluster {old.chosen_cluster} is already chosen: answer the questions on a new rating, or change the choice"
        )
    assessment = ctx.uow.records.current(Assessment, old.assessment_id)
    assert assessment is not None
    rated = Ratings.of(assessment.ratings, assessment.problem_type, assessment.problem_description)
    facts = {**stored_facts(old.suggestion), **data.facts}
    try:
        result = engine_allocate(rated, assessment.super_class, ctx.reference, heading=assessment.heading, facts=facts)
    except FactError as error:
        raise Invalid.field(("body", "facts"), str(error)) from None
    reason = "questions answered: " + ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in result.facts.items())
    new = ctx.uow.records.amend(
        old,
        ctx.actor.user_id,
        reason,
        {
            "suggested_cluster": result.suggested_cluster,
            "suggestion": result.model_dump(mode="json"),
            "reference_id": result.reference_id,
            "reference_version": result.reference_version,
        },
    )
    _amended(ctx, old, new, su.record_id, reason)
    return out(new)


def choose_cluster(ctx: Context, allocation_id: str, data: ChoiceIn) -> AllocationOut:
    """The clinician's choice, made or changed after the assessment: a new allocation version."""
    old, su = _child(ctx, Allocation, allocation_id, write=True)
    if old.chosen_cluster is not None or ctx.expected_version is not None:
        ctx.check_version(old, "allocation")  # changing a choice is an amendment; the first choice is not
    if old.chosen_cluster is not None and not data.amend_reason:
        raise Invalid.field(
            ("body", "amend_reason"), f"cluster {old.chosen_cluster} was already chosen: say why it changes"
        )
    assessment = ctx.uow.records.current(Assessment, old.assessment_id)
    assert assessment is not None
    rated = Ratings.of(assessment.ratings, assessment.problem_type, assessment.problem_description)
    result = engine_allocate(
        rated, assessment.super_class, ctx.reference, heading=assessment.heading, facts=stored_facts(old.suggestion)
    )
    why = reasons_required(result, rated, data.chosen_cluster, old.previous_cluster, ctx.reference)
    require_reason(why, data.reason)
    amend_reason = data.amend_reason or "cluster chosen"
    new = ctx.uow.records.amend(
        old,
        ctx.actor.user_id,
        amend_reason,
        {
            "chosen_cluster": data.chosen_cluster,
            "reason": data.reason,
            "reason_required": why,
            "chosen_by": ctx.actor.user_id,
        },
    )
    _amended(ctx, old, new, su.record_id, amend_reason)
    _assign(ctx, su, new, data.chosen_cluster, assessment.assessed_on)
    return out(new)


def amend_period(ctx: Context, record_id: str, data: PeriodAmend) -> PeriodOut:
    """Correct an assignment period's dates (e.g. for the national data set); its cluster comes
    from its allocation and changes only by choosing again."""
    old, su = _child(ctx, AssignmentPeriod, record_id, write=True)
    ctx.check_version(old, "assignment period")
    changes = data.model_dump(exclude_unset=True, exclude={"amend_reason"})
    start = changes.get("start_date") or old.start_date
    end = changes.get("end_date", old.end_date)
    if end is not None and end < start:
        raise Invalid.field(("body", "end_date"), f"the period cannot end ({end}) before it starts ({start})")
    new = ctx.uow.records.amend(old, ctx.actor.user_id, data.amend_reason, changes)
    _amended(ctx, old, new, su.record_id, data.amend_reason)
    return out(new)


# --- reviews ----------------------------------------------------------------------------------


def _review_history(ctx: Context, service_user_id: str) -> list[dict[str, Any]]:
    rows = ctx.uow.records.rated_history(service_user_id)
    return [{"date": r.assessed_on, "ratings": r.ratings, "cluster": r.chosen_cluster} for r in rows]


def review_history(ctx: Context, service_user_id: str) -> list[dict[str, Any]]:
    """The ratings a review's "for the past 12 months" criteria look back over, for screens that
    show a review before it is recorded: the same history `create_review` uses."""
    _service_user(ctx, service_user_id)
    ctx.audit("read", entity="assessment_history", service_user_id=service_user_id)
    return _review_history(ctx, service_user_id)


@dataclass(frozen=True)
class ReviewPreview:
    """One review as the engine decides it: the protocol's result and the allocation stored with it.

    The web wizard shows exactly this and `create_review` stores exactly this, so the suggestion a
    clinician sees is the one saved (computed once per call, by one function)."""

    result: ReviewResult
    allocation: AllocationResult
    current: int


def _review_super_class(ctx: Context, current: int, data: ReviewIn) -> str | None:
    """The review's engine runs within the current cluster's super class unless one is given."""
    if data.super_class:
        return data.super_class
    sc = ctx.reference.cluster(current).super_class
    return sc if sc in ("non-psychotic", "psychotic", "organic") else None


def preview_review(ctx: Context, service_user_id: str, data: ReviewIn) -> ReviewPreview:
    """Run the current cluster's care transition protocol and the allocation engine on a new rating,
    against the record's own current cluster and history, without storing anything."""
    from carecluster.domain.protocols import ReviewError
    from carecluster.domain.protocols import review as engine_review

    _service_user(ctx, service_user_id)
    current = current_cluster(ctx, service_user_id)
    if current is None:
        raise Invalid.field(("path", "service_user_id"), "the service user has no current cluster to review")
    history = [h for h in _review_history(ctx, service_user_id) if h["date"] <= data.reviewed_on]
    try:
        result = engine_review(
            current,
            data.rated,
            ctx.reference,
            facts=data.facts,
            history=history,
            on=data.reviewed_on,
            chosen_cluster=data.chosen_cluster,
        )
        allocation = engine_allocate(
            data.rated, _review_super_class(ctx, current, data), ctx.reference, heading=data.heading
        )
    except ReviewError as error:
        raise Invalid.field(("body",), str(error)) from None
    except AllocationError as error:
        raise Invalid.field(("body", "super_class"), str(error)) from None
    return ReviewPreview(result=result, allocation=allocation, current=current)


def create_review(ctx: Context, service_user_id: str, data: ReviewIn) -> ReviewCreated:
    """A review against the current cluster's care transition protocol, with a new MHCT rating.

    The allocation stored is the preview's (the same engine call the wizard shows). A discharge
    outcome kept in the current cluster ends the cluster period on the review date and, when
    `end_episode` confirms it, the open episode of care too."""
    su = _service_user(ctx, service_user_id, write=True)
    preview = preview_review(ctx, service_user_id, data)
    result, current = preview.result, preview.current
    if result.reason_required and not (data.reason or "").strip():
        raise Invalid.field(("body", "reason"), "a reason is required: " + "; ".join(result.reason_required_because))
    discharging = result.outcome == "discharge" and data.chosen_cluster == current
    if data.end_episode and not discharging:
        raise Invalid.field(
            ("body", "end_episode"), "the episode of care ends at review only when the protocol's outcome is discharge"
        )
    assessment, allocation = _assess(
        ctx, su, data, data.reviewed_on, data.chosen_cluster, data.reason, engine=preview.allocation
    )
    row = ctx.uow.records.add(
        Review,
        ctx.actor.user_id,
        service_user_id=service_user_id,
        assessment_id=assessment.record_id,
        reviewed_on=data.reviewed_on,
        current_cluster=current,
        outcome=result.outcome,
        result=result.model_dump(mode="json"),
        facts=data.facts,
        chosen_cluster=data.chosen_cluster,
        reason=data.reason,
    )
    _created(ctx, row, service_user_id)
    if discharging:
        _end_period(ctx, service_user_id, data.reviewed_on, "discharged at review")
        if data.end_episode:
            _end_episode(ctx, service_user_id, data.reviewed_on, "discharged at review")
    return ReviewCreated(review=out(row), assessment=out(assessment), allocation=out(allocation))


def _end_period(ctx: Context, service_user_id: str, on: date, why: str) -> None:
    period = _open_period(ctx, service_user_id)
    if period is not None:
        if on < period.start_date:
            raise Invalid.field(("body", "reviewed_on"), f"the current period began on {period.start_date}, after {on}")
        ended = ctx.uow.records.amend(period, ctx.actor.user_id, why, {"end_date": on})
        _amended(ctx, period, ended, service_user_id, why)


def _end_episode(ctx: Context, service_user_id: str, on: date, why: str) -> None:
    episode = open_episode(ctx, service_user_id)
    if episode is None:
        raise Invalid.field(("body", "end_episode"), "the service user has no open episode of care to end")
    if on < episode.referral_date:
        raise Invalid.field(("body", "reviewed_on"), f"the episode began on {episode.referral_date}, after {on}")
    ended = ctx.uow.records.amend(episode, ctx.actor.user_id, why, {"discharge_date": on, "discharge_reason": why})
    _amended(ctx, episode, ended, service_user_id, why)


def amend_review(ctx: Context, record_id: str, data: ReviewAmend) -> ReviewOut:
    """Correct the reason recorded at review. The ratings, answers and outcome stay as reviewed:
    a different answer is a new review."""
    old, su = _child(ctx, Review, record_id, write=True)
    ctx.check_version(old, "review")
    changes = data.model_dump(exclude_unset=True, exclude={"amend_reason"})
    if old.result.get("reason_required") and not (changes.get("reason", old.reason) or "").strip():
        raise Invalid.field(("body", "reason"), "this review's choice needs a reason")
    new = ctx.uow.records.amend(old, ctx.actor.user_id, data.amend_reason, changes)
    _amended(ctx, old, new, su.record_id, data.amend_reason)
    return out(new)


def last_reviews(ctx: Context, service_user_ids: Sequence[str]) -> dict[str, date]:
    return ctx.uow.caseloads.last_reviews(service_user_ids)
