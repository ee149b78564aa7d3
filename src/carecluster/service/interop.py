"""The database's side of interoperability (issue 10): rows <-> the pure interop shapes.

`interop/` translates FHIR and MHSDS files to and from `AssessmentRecord` and
`ClusterAssignmentPeriod`; this module turns stored assessments, allocations and assignment
periods into those shapes and back, with the same permission checks and audit as every other use
case. Another system's ids (a QuestionnaireResponse identifier, an MHSDS ClustId) are kept in
`external_identifiers`, so importing the same assessment twice finds the first import, and an
export gives it back under the id it arrived with: that is what makes the round trips exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from sqlalchemy import select

from carecluster.domain.allocation import AllocationError
from carecluster.domain.allocation import allocate as engine_allocate
from carecluster.domain.ratings import Ratings
from carecluster.domain.schedule import ClusteringEvent
from carecluster.interop import AllocationRecord, AssessmentRecord, ClusterAssignmentPeriod, Rater
from carecluster.interop import ServiceUser as InteropPerson
from carecluster.interop.errors import InteropError, Issue
from carecluster.interop.fhir import codes, from_resource, to_bundle
from carecluster.interop.fhir.export import patient_resource, person_bundle
from carecluster.interop.fhir.outcomes import outcome_bundle
from carecluster.interop.nds import export_tables, import_tables
from carecluster.interop.nds.scored import ScoredExport, coded_export, from_mhct, from_outcome
from carecluster.service import permissions, records
from carecluster.service.allocation_rules import reasons_required
from carecluster.service.context import Context
from carecluster.service.errors import Invalid, NotFound
from carecluster.service.schemas import AssessmentCreated, AssessmentIn, ServiceUserIn
from carecluster.store import repository as repo
from carecluster.store.db import now
from carecluster.store.models import (
    Allocation,
    Assessment,
    AssignmentPeriod,
    Episode,
    ExternalIdentifier,
    OutcomeAdministration,
    ServiceUser,
    User,
)

ASSESSMENT = "assessment"
"""`external_identifiers.kind` of an assessment's id in FHIR (identifier) and MHSDS (ClustId)."""

WHERE = {
    "assessed_on": "QuestionnaireResponse.authored",
    "reason": "Observation.where(code='care-cluster').component.where(code='reason')",
    "chosen_cluster": "Observation.where(code='care-cluster').valueCodeableConcept",
    "super_class": "QuestionnaireResponse.item.where(linkId='super-class')",
    "heading": "QuestionnaireResponse.item.where(linkId='heading')",
    "episode_id": "QuestionnaireResponse.subject",
}
"""Where in an MHCT Bundle a field named by a service-layer validation error lives."""


# --- ids --------------------------------------------------------------------------------------


def external_ids(ctx: Context, record_ids: Sequence[str]) -> dict[str, str]:
    """Our assessment record id -> the id it arrived with (only for imported ones)."""
    if not record_ids:
        return {}
    rows = ctx.session.execute(
        select(ExternalIdentifier.record_id, ExternalIdentifier.value).where(
            ExternalIdentifier.kind == ASSESSMENT, ExternalIdentifier.record_id.in_(list(record_ids))
        )
    )
    return {record_id: value for record_id, value in rows}


def imported_assessment(ctx: Context, identifier: str) -> str | None:
    """Our record id for an assessment id from outside: an earlier import, or one of our own ids."""
    found = ctx.session.get(ExternalIdentifier, (ASSESSMENT, identifier))
    if found is not None:
        return found.record_id
    own = repo.current(ctx.session, Assessment, identifier)
    return own.record_id if own is not None else None


def _remember(ctx: Context, identifier: str, record_id: str) -> None:
    if identifier != record_id:
        ctx.session.add(
            ExternalIdentifier(
                kind=ASSESSMENT, value=identifier, record_id=record_id, created_at=now(), created_by=ctx.actor.user_id
            )
        )


# --- raters from outside ----------------------------------------------------------------------

RATER_ID_KIND = "rater:"
RATER_NAME_KIND = "rname:"
"""`external_identifiers.kind` prefixes (followed by the assessment's record id; kept short, as
`kind` holds 40 characters) under which an
imported rater's own id and name are kept when no user of ours is that rater: the stored row then
names whoever recorded it, and every export still gives the rater as they arrived."""


def _keep_outside_rater(ctx: Context, record_id: str, rater: Rater, where: str) -> None:
    for prefix, value, field_name in (
        (RATER_ID_KIND, rater.id, "identifier.value"),
        (RATER_NAME_KIND, rater.name, "display"),
    ):
        if value is None:
            continue
        if len(value) > 64:
            raise InteropError(
                [Issue(f"the rater's {field_name} is longer than 64 characters", f"{where}.{field_name}", "value")]
            )
        ctx.session.add(
            ExternalIdentifier(kind=prefix + record_id, value=value, record_id=record_id, created_at=now(),
                               created_by=ctx.actor.user_id)
        )  # fmt: skip


def _outside_raters(ctx: Context, record_ids: Sequence[str]) -> dict[str, Rater]:
    """Assessment record id -> the rater it was imported with, where no user of ours was that rater."""
    kinds = [prefix + rid for rid in record_ids for prefix in (RATER_ID_KIND, RATER_NAME_KIND)]
    if not kinds:
        return {}
    found: dict[str, dict[str, str]] = {}
    for kind, value, record_id in ctx.session.execute(
        select(ExternalIdentifier.kind, ExternalIdentifier.value, ExternalIdentifier.record_id).where(
            ExternalIdentifier.kind.in_(kinds)
        )
    ):
        found.setdefault(record_id, {})["id" if kind.startswith(RATER_ID_KIND) else "name"] = value
    return {rid: Rater(**parts) for rid, parts in found.items()}


REASON_KIND = "areason:"
TIME_KIND = "atime:"
INITIAL_KIND = "ainit:"
"""The initial cluster (AMHCareClustCodeInit) a file stated, kept where our engine, run on the
same ratings, suggests another (a national-form file does not say which super class the
clinician gave when the initial cluster is variance): the file's statement is exported as given,
and the engine's own suggestion stays on the allocation."""
"""`external_identifiers.kind` prefixes (followed by the assessment's record id) for the MHSDS
ClustToolAssReason and AssToolCompTime an imported assessment arrived with: carecluster holds no
columns for them, and an export must give them back as they came."""


def _keep_nds_extras(ctx: Context, record_id: str, record: AssessmentRecord, suggested: int) -> None:
    stated = record.allocation.suggested_cluster if record.allocation else None
    for prefix, value in (
        (REASON_KIND, record.assessment_reason),
        (TIME_KIND, record.completed_time.isoformat() if record.completed_time else None),
        (INITIAL_KIND, f"{stated:02d}" if stated is not None and stated != suggested else None),
    ):
        if value is not None:
            ctx.session.add(
                ExternalIdentifier(kind=prefix + record_id, value=value, record_id=record_id, created_at=now(),
                                   created_by=ctx.actor.user_id)
            )  # fmt: skip


def _nds_extras(ctx: Context, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Assessment record id -> {"assessment_reason": .., "completed_time": ..} kept from an import."""
    kinds = [prefix + rid for rid in record_ids for prefix in (REASON_KIND, TIME_KIND, INITIAL_KIND)]
    found: dict[str, dict[str, Any]] = {}
    if not kinds:
        return found
    for kind, value, record_id in ctx.session.execute(
        select(ExternalIdentifier.kind, ExternalIdentifier.value, ExternalIdentifier.record_id).where(
            ExternalIdentifier.kind.in_(kinds)
        )
    ):
        if kind.startswith(REASON_KIND):
            found.setdefault(record_id, {})["assessment_reason"] = value
        elif kind.startswith(INITIAL_KIND):
            found.setdefault(record_id, {})["stated_initial"] = int(value)
        else:
            found.setdefault(record_id, {})["completed_time"] = time.fromisoformat(value)
    return found


def _matched_rater(ctx: Context, rater: Rater | None) -> int | None:
    """The user whose username is the rater's id, if there is one."""
    if rater is None or not rater.id:
        return None
    return ctx.session.scalar(select(User.id).where(User.username == rater.id))


# --- rows -> shapes ---------------------------------------------------------------------------


LOCAL_PATIENT_ID = "local_patient_id"
"""`external_identifiers.kind` of the LocalPatientId a person arrived with from another system."""
LOCAL_ID_LENGTH = 20
"""MHSDS LocalPatientId holds up to 20 characters (an20)."""


def local_patient_ids(ctx: Context, people: Mapping[str, ServiceUser]) -> dict[str, str]:
    """Service user record id -> LocalPatientId: the id they arrived with, else the first 20
    characters of their record id (a random 128-bit hex id, so stable and, at 80 bits, unique in
    practice; the export refuses two people under one id). Never the NHS number."""
    found = dict(
        ctx.session.execute(
            select(ExternalIdentifier.record_id, ExternalIdentifier.value).where(
                ExternalIdentifier.kind == LOCAL_PATIENT_ID, ExternalIdentifier.record_id.in_(list(people) or ["-"])
            )
        ).all()
    )
    return {rid: found.get(rid, rid[:LOCAL_ID_LENGTH]) for rid in people}


def _interop_person(ctx: Context, su: ServiceUser, local_id: str | None = None) -> InteropPerson:
    local = local_id or local_patient_ids(ctx, {su.record_id: su})[su.record_id]
    return InteropPerson(nhs_number=su.nhs_number, local_id=local, name=su.name, birth_date=su.date_of_birth)


def _remember_local_id(ctx: Context, su: ServiceUser, person: InteropPerson) -> None:
    """Keep the LocalPatientId a file gave a person, so our exports give it back unchanged."""
    local = person.local_id
    if not local or local == su.record_id[:LOCAL_ID_LENGTH]:
        return
    held = ctx.session.scalars(
        select(ExternalIdentifier).where(
            ExternalIdentifier.kind == LOCAL_PATIENT_ID, ExternalIdentifier.record_id == su.record_id
        )
    ).first()
    if held is not None:
        if held.value != local:
            raise InteropError(
                [Issue(f"LocalPatientId {local}: this person already arrived as {held.value}", None, "business-rule")]
            )
        return
    if ctx.session.get(ExternalIdentifier, (LOCAL_PATIENT_ID, local)) is not None:
        raise InteropError([Issue(f"LocalPatientId {local} already names another person", None, "business-rule")])
    ctx.session.add(
        ExternalIdentifier(kind=LOCAL_PATIENT_ID, value=local, record_id=su.record_id, created_at=now(),
                           created_by=ctx.actor.user_id)
    )  # fmt: skip
    ctx.session.flush()


def _raters(ctx: Context, user_ids: set[int]) -> dict[int, Rater]:
    if not user_ids:
        return {}
    rows = ctx.session.execute(select(User.id, User.username, User.full_name).where(User.id.in_(user_ids)))
    return {uid: Rater(id=username, name=name) for uid, username, name in rows}


def assessment_records(
    ctx: Context, assessments: Sequence[Assessment], people: Mapping[str, ServiceUser], local_ids: bool = False
) -> list[AssessmentRecord]:
    """Stored assessments with their current allocations as interop records (`local_ids`: with
    each person's LocalPatientId, for the national data set)."""
    ids = [a.record_id for a in assessments]
    locals_ = local_patient_ids(ctx, people) if local_ids else {}
    extras = _nds_extras(ctx, ids) if local_ids else {}
    outside = external_ids(ctx, ids)
    allocations = {
        a.assessment_id: a
        for a in ctx.session.scalars(
            select(Allocation).where(Allocation.assessment_id.in_(ids or ["-"]), Allocation.superseded_at.is_(None))
        )
    }
    raters = _raters(ctx, {a.rater_id for a in assessments})
    outside_raters = _outside_raters(ctx, ids)
    result = []
    for row in assessments:
        allocation = allocations.get(row.record_id)
        extra = dict(extras.get(row.record_id, {}))
        stated_initial = extra.pop("stated_initial", None)
        result.append(
            AssessmentRecord(
                id=outside.get(row.record_id, row.record_id),
                service_user=InteropPerson(
                    nhs_number=people[row.service_user_id].nhs_number,
                    local_id=locals_.get(row.service_user_id),
                    name=people[row.service_user_id].name,
                    birth_date=people[row.service_user_id].date_of_birth,
                ),
                assessed_on=row.assessed_on,
                ratings=Ratings.of(list(row.ratings), row.problem_type, row.problem_description),
                event=ClusteringEvent(row.clustering_event),
                rater=outside_raters.get(row.record_id) or raters.get(row.rater_id),
                super_class_given=row.super_class,  # type: ignore[arg-type]
                heading=row.heading,
                allocation=None
                if allocation is None
                else AllocationRecord(
                    suggested_cluster=allocation.suggested_cluster if stated_initial is None else stated_initial,
                    chosen_cluster=allocation.chosen_cluster,
                    reason=allocation.reason,
                    reference_id=allocation.reference_id,
                    reference_version=allocation.reference_version,
                ),
                **extra,
            )
        )
    return result


def period_records(
    ctx: Context, periods: Sequence[AssignmentPeriod], people: Mapping[str, ServiceUser], local_ids: bool = False
) -> list[ClusterAssignmentPeriod]:
    """Stored assignment periods, each linked to its assessment by the id the assessment travels under."""
    allocation_ids = [p.allocation_id for p in periods]
    assessment_of = dict(
        ctx.session.execute(
            select(Allocation.record_id, Allocation.assessment_id).where(
                Allocation.record_id.in_(allocation_ids or ["-"]), Allocation.superseded_at.is_(None)
            )
        ).all()
    )
    outside = external_ids(ctx, list(assessment_of.values()))
    locals_ = local_patient_ids(ctx, people) if local_ids else {}
    return [
        ClusterAssignmentPeriod(
            service_user=InteropPerson(
                nhs_number=people[p.service_user_id].nhs_number, local_id=locals_.get(p.service_user_id)
            ),
            assessment_id=outside.get(assessment_of[p.allocation_id], assessment_of[p.allocation_id]),
            cluster=p.cluster,
            start=p.start_date,
            end=p.end_date,
        )
        for p in periods
    ]


# --- FHIR -------------------------------------------------------------------------------------


def assessment_bundle(ctx: Context, record_id: str) -> dict[str, Any]:
    """One stored assessment (with its allocation) as a FHIR transaction Bundle."""
    row, su = records._child(ctx, Assessment, record_id)
    record = assessment_records(ctx, [row], {su.record_id: su})[0]
    ctx.audit("export", entity="assessment", record_id=record_id, service_user_id=su.record_id, detail="FHIR Bundle")
    return to_bundle(record, ctx.reference).model_dump(mode="json", exclude_none=True)


@dataclass
class FhirImport:
    created: bool
    assessment_id: str
    service_user_id: str
    bundle: dict[str, Any] = field(default_factory=dict)


def _new_person(ctx: Context, person: InteropPerson, where: str) -> ServiceUser:
    """Add the person a Patient names (NHS number, name, birth date) to the importer's team; only
    a clinician of exactly one team can, so the team is never guessed."""
    teams = sorted(ctx.actor.team_ids)
    if len(teams) != 1:
        raise InteropError(
            [Issue(f"no service user with NHS number {person.nhs_number} is held, and you are on {len(teams)} "
                   "teams: add them to the right team first", where, "business-rule")]
        )  # fmt: skip
    assert person.nhs_number is not None
    assert person.name is not None
    assert person.birth_date is not None
    try:
        created = records.create_service_user(
            ctx,
            ServiceUserIn(nhs_number=person.nhs_number, name=person.name, date_of_birth=person.birth_date,
                          team_id=teams[0]),
        )  # fmt: skip
    except Invalid as error:
        raise InteropError([Issue(message, where, "value") for _loc, message in error.errors]) from None
    found = repo.current(ctx.session, ServiceUser, created.id)
    assert found is not None
    return found


def _by_local_id(ctx: Context, local_id: str) -> ServiceUser | None:
    """The person a LocalPatientId names: one they arrived with, or the start of our record id."""
    held = ctx.session.get(ExternalIdentifier, (LOCAL_PATIENT_ID, local_id))
    if held is not None:
        return repo.current(ctx.session, ServiceUser, held.record_id)
    if len(local_id) != LOCAL_ID_LENGTH:
        return None
    return ctx.session.scalars(
        select(ServiceUser).where(
            ServiceUser.record_id.startswith(local_id, autoescape=True), ServiceUser.superseded_at.is_(None)
        )
    ).first()


def _person(ctx: Context, person: InteropPerson, where: str, create: bool = False) -> ServiceUser:
    """The current service user with the person's NHS number (a local id that is one counts too);
    with `create`, a person not yet held is added when the Patient gives name and birth date."""
    by_local = _by_local_id(ctx, person.local_id) if person.local_id else None
    if by_local is not None and permissions.can_read_team(ctx.actor, by_local.team_id):
        if person.nhs_number and by_local.nhs_number != person.nhs_number:
            raise InteropError(
                [Issue(f"LocalPatientId {person.local_id} names a person with another NHS number", where, "value")]
            )
        return by_local
    numbers = [n for n in (person.nhs_number, person.local_id) if n]
    for number in numbers:
        found = ctx.session.scalars(
            select(ServiceUser).where(ServiceUser.nhs_number == number, ServiceUser.superseded_at.is_(None))
        ).first()
        if found is not None and permissions.can_read_team(ctx.actor, found.team_id):
            return found
    held_elsewhere = person.nhs_number is not None and ctx.session.scalar(
        select(ServiceUser.record_id).where(
            ServiceUser.nhs_number == person.nhs_number, ServiceUser.superseded_at.is_(None)
        )
    )
    if create and not held_elsewhere and person.nhs_number and person.name and person.birth_date:
        return _new_person(ctx, person, where)
    shown = person.nhs_number or person.local_id
    raise InteropError(
        [Issue(f"no service user with NHS number {shown} is on your teams' records: add them first", where, "value")]
    )


def _as_interop_error(error: Invalid) -> InteropError:
    return InteropError(
        [Issue(message, WHERE.get(str(loc[-1])) if loc else None, "business-rule") for loc, message in error.errors]
    )


def import_fhir(ctx: Context, data: str | bytes | Mapping[str, Any]) -> FhirImport:
    """Store the assessment a QuestionnaireResponse or Bundle carries, allocated by our engine.

    Idempotent on the assessment identifier: the same one again returns the first import. A
    cluster Observation that records the clinician's choice is kept (with its reason), and opens
    an assignment period just as choosing in the API does.
    """
    permissions.require_clinical_writer(ctx.actor)
    record = from_resource(data, ctx.reference)
    existing = imported_assessment(ctx, record.id)
    if existing is not None:
        _row, su = records._child(ctx, Assessment, existing)
        ctx.audit("import_repeat", entity="assessment", record_id=existing, service_user_id=su.record_id)
        return FhirImport(False, existing, su.record_id, assessment_bundle(ctx, existing))
    su = _person(ctx, record.service_user, "QuestionnaireResponse.subject", create=True)
    su = records._service_user(ctx, su.record_id, write=True)
    allocation = record.allocation
    chosen = allocation.chosen_cluster if allocation else None
    try:
        body = AssessmentIn(
            ratings=list(record.ratings.values),
            problem_type=record.ratings.problem_type,
            problem_description=record.ratings.problem_description,
            super_class=record.super_class_given,
            heading=record.heading,
            assessed_on=record.assessed_on,
            clustering_event=record.event or ClusteringEvent.initial_assessment,
            chosen_cluster=chosen,
            reason=(allocation.reason if allocation else None) if chosen is not None else None,
        )
        matched = _matched_rater(ctx, record.rater)
        assessment, _ = records._assess(ctx, su, body, record.assessed_on, chosen, body.reason, rater_id=matched)
    except Invalid as error:
        raise _as_interop_error(error) from None
    if matched is None and record.rater is not None:
        _keep_outside_rater(ctx, assessment.record_id, record.rater, "QuestionnaireResponse.author")
    _remember(ctx, record.id, assessment.record_id)
    ctx.session.flush()
    ctx.audit("import", entity="assessment", record_id=assessment.record_id, service_user_id=su.record_id,
              detail=f"FHIR, identifier {record.id}")  # fmt: skip
    return FhirImport(True, assessment.record_id, su.record_id, assessment_bundle(ctx, assessment.record_id))


def stored_assessment(ctx: Context, record_id: str) -> AssessmentCreated:
    """The assessment and its allocation as the clinical API shows them."""
    row, _ = records._child(ctx, Assessment, record_id)
    allocation = ctx.session.scalars(
        select(Allocation).where(Allocation.assessment_id == record_id, Allocation.superseded_at.is_(None))
    ).one()
    return AssessmentCreated(assessment=records.out(row), allocation=records.out(allocation))


# --- national data set ------------------------------------------------------------------------


def _readable_people(ctx: Context) -> dict[str, ServiceUser]:
    permissions.require_clinical_reader(ctx.actor)
    query = select(ServiceUser).where(ServiceUser.superseded_at.is_(None))
    if ctx.actor.role != "auditor":
        query = query.where(ServiceUser.team_id.in_(ctx.actor.team_ids or {-1}))
    return {su.record_id: su for su in ctx.session.scalars(query)}


def nds_export(ctx: Context) -> dict[str, str]:
    """The MHSDS clustering tables (CSV text by table name) for every service user you may read."""
    people = _readable_people(ctx)
    ids = list(people)
    assessments = list(
        ctx.session.scalars(
            select(Assessment)
            .where(Assessment.service_user_id.in_(ids or ["-"]), Assessment.superseded_at.is_(None))
            .order_by(Assessment.assessed_on, Assessment.row_id)
        )
    )
    periods = list(
        ctx.session.scalars(
            select(AssignmentPeriod)
            .where(AssignmentPeriod.service_user_id.in_(ids or ["-"]), AssignmentPeriod.superseded_at.is_(None))
            .order_by(AssignmentPeriod.start_date, AssignmentPeriod.row_id)
        )
    )
    # ordered by what travels (date, then id), so two databases holding the same history write the same files
    exported = sorted(assessment_records(ctx, assessments, people, True), key=lambda r: (r.assessed_on, r.id))
    spans = sorted(period_records(ctx, periods, people, True), key=lambda p: (p.start, p.assessment_id, p.cluster))
    tables = export_tables(exported, spans, ctx.reference)
    ctx.audit(
        "export",
        entity="nds",
        after={"service_users": len(people), "assessments": len(assessments), "periods": len(periods)},
        detail="MHSDS clustering tables",
    )
    return tables


@dataclass
class NdsImport:
    assessments_created: int = 0
    assessments_already_held: int = 0
    periods_created: int = 0
    periods_already_held: int = 0


def _episode_on(ctx: Context, service_user_id: str, record: AssessmentRecord) -> str | None:
    for episode in ctx.session.scalars(
        select(Episode)
        .where(Episode.service_user_id == service_user_id, Episode.superseded_at.is_(None))
        .order_by(Episode.referral_date.desc())
    ):
        if episode.referral_date <= record.assessed_on and (
            episode.discharge_date is None or record.assessed_on <= episode.discharge_date
        ):
            return episode.record_id
    return None


def _rater_id(ctx: Context, rater: Rater | None) -> int:
    """The member of staff with the rater's username, where the database has one; else whoever imports."""
    if rater is not None and rater.id:
        found = ctx.session.scalar(select(User.id).where(User.username == rater.id))
        if found is not None:
            return found
    return ctx.actor.user_id


def _store_history(
    ctx: Context, su: ServiceUser, record: AssessmentRecord, where: str
) -> tuple[Assessment, Allocation]:
    """An assessment as history: stored as it was recorded (choice and reason), without opening periods."""
    try:
        result = engine_allocate(record.ratings, record.super_class_given, ctx.reference, heading=record.heading)
    except AllocationError as error:
        raise InteropError([Issue(str(error), where, "value")]) from None
    chosen = record.allocation.chosen_cluster if record.allocation else None
    return records.store_assessment(
        ctx,
        su,
        episode_id=_episode_on(ctx, su.record_id, record),
        assessed_on=record.assessed_on,
        clustering_event=(record.event or ClusteringEvent.initial_assessment).value,
        rater_id=_rater_id(ctx, record.rater),
        rated=record.ratings,
        super_class=record.super_class_given,
        heading=record.heading,
        result=result,
        previous=None,
        chosen=chosen,
        reason=record.allocation.reason if record.allocation else None,
        reason_required=reasons_required(result, record.ratings, chosen, None, ctx.reference)
        if chosen is not None
        else [],
    )


def nds_import(ctx: Context, texts: dict[str, str]) -> NdsImport:
    """Load MHSDS clustering files into the database, all or nothing: assessments (with the
    allocation as recorded), then assignment periods. What is already held is left as it is."""
    permissions.require_clinical_writer(ctx.actor)
    data = import_tables(texts, ctx.reference)
    summary = NdsImport()
    issues: list[Issue] = []
    allocation_of: dict[str, str] = {}
    for record in sorted(data.records, key=lambda r: (r.assessed_on, r.id)):
        where = f"MHS801ClusterTool ClustId {record.id}"
        existing = imported_assessment(ctx, record.id)
        if existing is not None:
            summary.assessments_already_held += 1
            held = ctx.session.scalars(
                select(Allocation.record_id).where(
                    Allocation.assessment_id == existing, Allocation.superseded_at.is_(None)
                )
            ).first()
            if held:
                allocation_of[record.id] = held
            continue
        try:
            su = _person(ctx, record.service_user, where)
            _remember_local_id(ctx, su, record.service_user)
            if su.team_id not in ctx.actor.team_ids:
                raise InteropError([Issue("the service user is not on one of your teams", where, "business-rule")])
            assessment, allocation = _store_history(ctx, su, record, where)
        except InteropError as error:
            issues += error.issues
            continue
        if record.rater is not None and _matched_rater(ctx, record.rater) is None:
            _keep_outside_rater(ctx, assessment.record_id, record.rater, where)
        _keep_nds_extras(ctx, assessment.record_id, record, allocation.suggested_cluster)
        _remember(ctx, record.id, assessment.record_id)
        allocation_of[record.id] = allocation.record_id
        summary.assessments_created += 1
    ctx.session.flush()
    for period in sorted(data.periods, key=lambda p: (p.start, p.assessment_id)):
        where = f"MHS803CareCluster ClustId {period.assessment_id}"
        allocation_id = allocation_of.get(period.assessment_id)
        if allocation_id is None:
            issues.append(Issue("no assessment with this ClustId is held or in MHS801ClusterTool", where, "value"))
            continue
        held_period = ctx.session.scalars(
            select(AssignmentPeriod).where(
                AssignmentPeriod.allocation_id == allocation_id,
                AssignmentPeriod.start_date == period.start,
                AssignmentPeriod.superseded_at.is_(None),
            )
        ).first()
        if held_period is not None:
            summary.periods_already_held += 1
            continue
        assigned = repo.current(ctx.session, Allocation, allocation_id)
        assert assigned is not None
        row = repo.add_record(
            ctx.session,
            AssignmentPeriod,
            ctx.actor.user_id,
            service_user_id=assigned.service_user_id,
            allocation_id=allocation_id,
            cluster=period.cluster,
            start_date=period.start,
            end_date=period.end,
        )
        records._created(ctx, row, assigned.service_user_id)
        summary.periods_created += 1
    if issues:
        raise InteropError(issues)
    ctx.audit("import", entity="nds", after=summary.__dict__, detail="MHSDS clustering tables")
    return summary


# --- MHSDS v6 coded scored assessments ---------------------------------------------------------


def nds6_export(ctx: Context) -> ScoredExport:
    """MHS001MPI and MHS606 (CSV text) for every MHCT rating and outcome measure of the service
    users you may read, with the items that have no public code listed as rejects."""
    people = _readable_people(ctx)
    ids = list(people) or ["-"]
    local = local_patient_ids(ctx, people)
    persons = {rid: _interop_person(ctx, su, local[rid]) for rid, su in people.items()}
    assessments = list(
        ctx.session.scalars(
            select(Assessment).where(Assessment.service_user_id.in_(ids), Assessment.superseded_at.is_(None))
        )
    )
    outside = external_ids(ctx, [a.record_id for a in assessments])
    administrations = [
        from_mhct(
            outside.get(a.record_id, a.record_id),
            persons[a.service_user_id],
            a.episode_id,
            a.assessed_on,
            Ratings.of(list(a.ratings), a.problem_type, a.problem_description),
        )
        for a in assessments
    ]
    outcomes = list(
        ctx.session.scalars(
            select(OutcomeAdministration).where(
                OutcomeAdministration.service_user_id.in_(ids), OutcomeAdministration.superseded_at.is_(None)
            )
        )
    )
    administrations += [
        from_outcome(
            o.record_id,
            persons[o.service_user_id],
            o.episode_id,
            o.measure_id,
            o.administered_on,
            o.answers,
            o.goals,
            o.score,
        )
        for o in outcomes
    ]
    administrations.sort(key=lambda a: (a.completed_on, a.measure, a.id))
    export = coded_export(administrations)
    ctx.audit(
        "export",
        entity="nds",
        after={"service_users": len(people), "items": len(export.items), "rejected": len(export.rejects)},
        detail="MHSDS v6 coded scored assessments (MHS606)",
    )
    return export


# --- FHIR per person, per team, and search -----------------------------------------------------


def _person_records(ctx: Context, su: ServiceUser) -> list[AssessmentRecord]:
    rows = list(
        ctx.session.scalars(
            select(Assessment)
            .where(Assessment.service_user_id == su.record_id, Assessment.superseded_at.is_(None))
            .order_by(Assessment.assessed_on, Assessment.row_id)
        )
    )
    return assessment_records(ctx, rows, {su.record_id: su})


def person_fhir(ctx: Context, service_user_id: str) -> dict[str, Any]:
    """Every assessment of one person as one transaction Bundle (one Patient entry)."""
    su = records._service_user(ctx, service_user_id)
    held = _person_records(ctx, su)
    if not held:
        raise NotFound("this service user has no assessments to export")
    ctx.audit("export", entity="service_user", record_id=su.record_id, service_user_id=su.record_id,
              detail=f"FHIR Bundle, {len(held)} assessment(s)")  # fmt: skip
    return person_bundle(held, ctx.reference).model_dump(mode="json", exclude_none=True)


def team_named(ctx: Context, code_or_id: str) -> int:
    """The id of the team with this code, else with this id (a code wins: codes may be digits)."""
    team = ctx.uow.teams.by_code(code_or_id)
    if team is None and code_or_id.isdigit():
        team = ctx.uow.teams.get(int(code_or_id))
    if team is None:
        raise NotFound("no team with that code or id")
    return team.id


def team_fhir_ndjson(ctx: Context, team_id: int) -> str:
    """Bulk: one person's Bundle a line (newline-delimited JSON) for every person of the team with assessments."""
    permissions.require_clinical_reader(ctx.actor)
    permissions.require_read(ctx.actor, team_id, "team")
    people = ctx.session.scalars(
        select(ServiceUser)
        .where(ServiceUser.team_id == team_id, ServiceUser.superseded_at.is_(None))
        .order_by(ServiceUser.record_id)
    )
    lines = []
    count = 0
    for su in people:
        held = _person_records(ctx, su)
        if held:
            count += 1
            lines.append(person_bundle(held, ctx.reference).model_dump_json(exclude_none=True))
    ctx.audit("export", entity="team", after={"team_id": team_id, "people": count}, detail="FHIR ndjson")
    return "".join(line + "\n" for line in lines)


def search_patients(ctx: Context, identifier: str) -> dict[str, Any]:
    """FHIR Patient search by `identifier=system|value` (or a bare value): a searchset Bundle of the
    people you may read with that NHS number or LocalPatientId."""
    permissions.require_clinical_reader(ctx.actor)
    system, _, value = identifier.rpartition("|")
    if not value or system not in ("", codes.NHS_NUMBER, codes.LOCAL_PATIENT_ID):
        raise InteropError(
            [Issue(f"identifier: give {codes.NHS_NUMBER}|<NHS number> or {codes.LOCAL_PATIENT_ID}|<id>",
                   "Patient?identifier", "not-supported")]
        )  # fmt: skip
    found: list[ServiceUser] = []
    if system in ("", codes.NHS_NUMBER):
        found += ctx.session.scalars(
            select(ServiceUser).where(ServiceUser.nhs_number == value, ServiceUser.superseded_at.is_(None))
        )
    if system in ("", codes.LOCAL_PATIENT_ID):
        by_local = _by_local_id(ctx, value)
        if by_local is not None and by_local not in found:
            found.append(by_local)
    readable = [su for su in found if permissions.can_read_team(ctx.actor, su.team_id)]
    local = local_patient_ids(ctx, {su.record_id: su for su in readable})
    entries = []
    for su in readable:
        patient = {"id": su.record_id, **patient_resource(_interop_person(ctx, su, local[su.record_id]))}
        entries.append({"fullUrl": f"{codes.CANONICAL_BASE}/Patient/{su.record_id}", "resource": patient,
                        "search": {"mode": "match"}})  # fmt: skip
    ctx.audit("search", entity="service_user", after={"record_ids": [su.record_id for su in readable]},
              detail="FHIR Patient search by identifier")  # fmt: skip
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}


def search_observations(ctx: Context, subject: str, code: str | None = None) -> dict[str, Any]:
    """FHIR Observation search by `subject=Patient/<id>` and optionally `code=[system|]code`: the
    person's scale and cluster Observations as a searchset. References that pointed inside the
    person's Bundle become logical ones (Patient/<id>, the assessment's identifier)."""
    patient_id = subject.removeprefix("Patient/")
    if not patient_id or "/" in patient_id:
        raise InteropError([Issue("subject: give Patient/<id>", "Observation?subject", "not-supported")])
    su = records._service_user(ctx, patient_id)
    held = _person_records(ctx, su)
    system, _, wanted = (code or "").rpartition("|")
    entries = []
    if held:
        bundle = person_bundle(held, ctx.reference).model_dump(mode="json", exclude_none=True)
        for entry in bundle["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] != "Observation":
                continue
            codings = resource["code"].get("coding", [])
            if code and not any(c.get("code") == wanted and (not system or c.get("system") == system) for c in codings):
                continue
            identifier = resource["identifier"][0]["value"]
            assessment = identifier.rsplit(".", 1)[0]
            resource = {**resource, "id": identifier, "subject": {"reference": f"Patient/{su.record_id}"},
                        "derivedFrom": [{"type": "QuestionnaireResponse",
                                         "identifier": {"system": codes.ASSESSMENT_ID, "value": assessment}}]}  # fmt: skip
            entries.append({"fullUrl": f"{codes.CANONICAL_BASE}/Observation/{identifier}", "resource": resource,
                            "search": {"mode": "match"}})  # fmt: skip
    ctx.audit("search", entity="observation", service_user_id=su.record_id, detail=f"FHIR Observation code={code}")
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}


def outcome_fhir(ctx: Context, record_id: str) -> dict[str, Any]:
    """One outcome administration as a FHIR transaction Bundle (QuestionnaireResponse and Observations)."""
    row, su = records._child(ctx, OutcomeAdministration, record_id)
    person = _interop_person(ctx, su)
    ctx.audit("export", entity="outcome", record_id=record_id, service_user_id=su.record_id, detail="FHIR Bundle")
    bundle = outcome_bundle(row.record_id, person, row.measure_id, row.administered_on, row.answers, row.goals,
                            row.score)  # fmt: skip
    return bundle.model_dump(mode="json", exclude_none=True)
