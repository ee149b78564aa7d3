"""What comes in and goes out of the use cases. The REST API uses these models as its bodies, so
a form, a script and an integration are validated by the same rules, in the same words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from carecluster.currency.rules import Status
from carecluster.domain.ratings import RatingError, Ratings
from carecluster.domain.schedule import ClusteringEvent
from carecluster.service import currency_codes
from carecluster.service.icd10 import normalise_icd10
from carecluster.service.nhs import nhs_number_problem, normalise_nhs_number

Role = Literal["clinician", "team_lead", "auditor", "admin"]
SuperClass = Literal["non-psychotic", "psychotic", "organic"]
ClusterNumber = Annotated[int, Field(ge=0, le=21)]
Reason = Annotated[str, Field(min_length=3, max_length=4000)]
T = TypeVar("T")


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        """Times are stored in UTC, but SQLite hands them back naive: say UTC, so every answer
        carries an offset (RFC 3339, as the schema promises) on both databases."""
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


# --- teams and users --------------------------------------------------------------------------


def _team_type(value: str | None) -> str | None:
    return currency_codes.check_team_type(value)


def _reason_code(value: str | None) -> str | None:
    return currency_codes.check_referral_reason(value)


TeamType = Annotated[
    str | None,
    Field(default=None, description="Service team type (ServTeamTypeRefToMH), e.g. A06; the currency needs it."),
]


class TeamIn(In):
    code: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    team_type: TeamType = None

    _check_team_type = field_validator("team_type")(_team_type)


class TeamUpdate(In):
    """Set or correct a team's service team type (teams are not clinical records: changed in place, audited)."""

    team_type: TeamType = None

    _check_team_type = field_validator("team_type")(_team_type)


class TeamOut(Out):
    id: int
    code: str
    name: str
    team_type: str | None = None


class UserIn(In):
    username: Annotated[str, Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9._@-]+$")]
    full_name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role
    password: Annotated[str, Field(min_length=10, max_length=200)]
    team_ids: list[int] = []


class UserUpdate(In):
    """Only the fields sent change. `null` is refused (422) rather than read as "clear it": no
    account field may be empty, and the database's refusal used to surface as a 409."""

    full_name: Annotated[str, Field(min_length=1, max_length=200)] | SkipJsonSchema[None] = None
    role: Role | SkipJsonSchema[None] = None
    active: bool | SkipJsonSchema[None] = None
    password: Annotated[str, Field(min_length=10, max_length=200)] | SkipJsonSchema[None] = None
    team_ids: list[int] | SkipJsonSchema[None] = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null: leave the field out to keep its value")
        return value


class UserOut(Out):
    id: int
    username: str
    full_name: str
    role: str
    active: bool
    team_ids: list[int] = []


# --- versioned records ------------------------------------------------------------------------


class VersionOut(Out):
    """Every clinical record says which version it is, who recorded it, and why it was amended."""

    id: str = Field(validation_alias="record_id")
    version: int
    recorded_at: datetime
    recorded_by: int
    amend_reason: str | None
    superseded_at: datetime | None


class Amendment(In):
    amend_reason: Reason = Field(description="Why the record is amended: kept with the new version.")


def _nhs_number(value: str) -> str:
    problem = nhs_number_problem(value)
    if problem:
        raise ValueError(problem)
    return normalise_nhs_number(value)


class ServiceUserIn(In):
    nhs_number: str = Field(description="10 digits with a valid modulus 11 check digit.")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    date_of_birth: date
    team_id: int
    clinician_id: int | None = None

    @field_validator("nhs_number")
    @classmethod
    def _nhs(cls, value: str) -> str:
        return _nhs_number(value)

    @field_validator("date_of_birth")
    @classmethod
    def _past(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("date of birth is in the future")
        if value.year < 1900:
            raise ValueError("date of birth is before 1900")
        return value


class ServiceUserAmend(Amendment):
    nhs_number: str | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    date_of_birth: date | None = None
    team_id: int | None = None
    clinician_id: int | None = None

    @field_validator("nhs_number")
    @classmethod
    def _nhs(cls, value: str | None) -> str | None:
        return None if value is None else _nhs_number(value)


class ServiceUserOut(VersionOut):
    nhs_number: str
    name: str
    date_of_birth: date
    team_id: int
    clinician_id: int | None


def _diagnosis(value: str | None) -> str | None:
    return normalise_icd10(value) if value and value.strip() else None


Diagnosis = Annotated[
    str | None,
    Field(default=None, description="Primary diagnosis as an ICD-10 code, for example F32.1 (optional)."),
]
ReferralReasonCode = Annotated[
    str | None,
    Field(
        default=None, description="Primary reason for referral as the data set's code (PrimReasonReferralMH), e.g. 04."
    ),
]
ReferralSource = Annotated[str, Field(min_length=2, max_length=80, description="Who referred, e.g. GP, self.")]


class EpisodeIn(In):
    referral_date: date
    team_id: int | None = Field(default=None, description="Defaults to the service user's team.")
    referral_source: ReferralSource | None = None
    referral_reason: Annotated[str, Field(max_length=4000)] | None = None
    referral_reason_code: ReferralReasonCode = None
    primary_diagnosis: Diagnosis = None

    _check_diagnosis = field_validator("primary_diagnosis")(_diagnosis)
    _check_reason_code = field_validator("referral_reason_code")(_reason_code)


class EpisodeAmend(Amendment):
    referral_date: date | None = None
    discharge_date: date | None = None
    discharge_reason: Annotated[str, Field(max_length=2000)] | None = None
    referral_source: ReferralSource | None = None
    referral_reason: Annotated[str, Field(max_length=4000)] | None = None
    referral_reason_code: ReferralReasonCode = None
    primary_diagnosis: Diagnosis = None

    _check_diagnosis = field_validator("primary_diagnosis")(_diagnosis)
    _check_reason_code = field_validator("referral_reason_code")(_reason_code)


class EpisodeTransferIn(In):
    """Move an open episode (and the service user's record) to another team."""

    team_id: int
    transferred_on: date
    reason: Reason


class EpisodeDischargeIn(In):
    """End an open episode of care: its open cluster period ends on the same day."""

    discharge_date: date
    discharge_reason: Annotated[str, Field(min_length=3, max_length=2000)]


class EpisodeOut(VersionOut):
    service_user_id: str
    team_id: int
    referral_date: date
    discharge_date: date | None
    discharge_reason: str | None
    referral_source: str | None = None
    referral_reason: str | None = None
    referral_reason_code: str | None = None
    primary_diagnosis: str | None = None


class RatingsIn(In):
    ratings: list[Any] | dict[str, Any] | str = Field(
        description="18 ratings (scales 1-13, A-E; 0-4, 9 = not known): a list, a mapping by scale, or '0,1,...'."
    )
    problem_type: str | None = Field(default=None, description="Scale 8 problem type A-J.")
    problem_description: str | None = None
    super_class: SuperClass | None = None
    heading: str | None = None

    _rated: Ratings | None = PrivateAttr(default=None)

    @field_validator("ratings")
    @classmethod
    def _values(cls, value: list[Any] | dict[str, Any] | str) -> list[Any] | dict[str, Any] | str:
        """Each rating is checked here, so a 422 points at `ratings` and names the scale."""
        try:
            Ratings.of(value)
        except RatingError as error:
            raise ValueError(str(error)) from None
        return value

    @model_validator(mode="after")
    def _ratings(self) -> RatingsIn:
        try:
            self._rated = Ratings.of(self.ratings, self.problem_type, self.problem_description)
        except RatingError as error:
            raise ValueError(str(error)) from None
        return self

    @property
    def rated(self) -> Ratings:
        assert self._rated is not None
        return self._rated


class AssessmentIn(RatingsIn):
    assessed_on: date
    facts: dict[str, bool | str] = Field(
        default_factory=dict,
        description=(
            "Answers to the suggestion's questions (decision-tree facts and inferred-rule conflicts), by id: "
            '{"first_presentation_psychosis": "no"}. Unknown ids are refused, listing the valid ones.'
        ),
    )
    clustering_event: ClusteringEvent = ClusteringEvent.initial_assessment
    episode_id: str | None = None
    chosen_cluster: ClusterNumber | None = Field(
        default=None, description="The clinician's choice; may be made later (POST /allocations/{id}/choice)."
    )
    reason: Reason | None = Field(
        default=None, description="Required when the choice differs, breaks a red rule or is a rare transition."
    )


class AssessmentAmend(Amendment):
    assessed_on: date | None = None
    clustering_event: ClusteringEvent | None = None
    problem_description: str | None = None


class AssessmentOut(VersionOut):
    service_user_id: str
    episode_id: str | None
    assessed_on: date
    clustering_event: str
    rater_id: int
    ratings: list[int]
    problem_type: str | None
    problem_description: str | None
    super_class: str | None
    heading: str | None


class ChoiceIn(In):
    chosen_cluster: ClusterNumber
    reason: Reason | None = None
    amend_reason: Reason | None = Field(default=None, description="Required when changing an earlier choice.")


class AnswersIn(In):
    facts: dict[str, bool | str] = Field(
        min_length=1,
        description="Answers to the stored suggestion's questions, by id ('yes' or 'no'); merged over earlier answers.",
    )


class AllocationOut(VersionOut):
    service_user_id: str
    assessment_id: str
    suggested_cluster: int
    suggestion: dict[str, Any]
    reference_id: str
    reference_version: str
    previous_cluster: int | None
    chosen_cluster: int | None
    reason: str | None
    reason_required: list[dict[str, Any]]
    chosen_by: int | None


class AssessmentCreated(BaseModel):
    assessment: AssessmentOut
    allocation: AllocationOut


class PeriodAmend(Amendment):
    start_date: date | None = None
    end_date: date | None = None


class ReviewAmend(Amendment):
    reason: Reason | None = Field(default=None, description="The reason for the choice made at review.")


class PeriodOut(VersionOut):
    service_user_id: str
    allocation_id: str
    cluster: int
    start_date: date
    end_date: date | None


class ReviewIn(RatingsIn):
    reviewed_on: date
    facts: dict[str, bool | None] = {}
    chosen_cluster: ClusterNumber | None = None
    reason: Reason | None = None
    clustering_event: ClusteringEvent = ClusteringEvent.planned_review
    end_episode: bool = Field(
        default=False, description="With a discharge outcome kept in the current cluster: also end the episode of care."
    )


class ReviewOut(VersionOut):
    service_user_id: str
    assessment_id: str | None
    reviewed_on: date
    current_cluster: int
    outcome: str
    result: dict[str, Any]
    facts: dict[str, Any]
    chosen_cluster: int | None
    reason: str | None


class ReviewCreated(BaseModel):
    review: ReviewOut
    assessment: AssessmentOut
    allocation: AllocationOut | None


# --- stateless engines ------------------------------------------------------------------------


class AllocateIn(RatingsIn):
    facts: dict[str, bool | str] = Field(
        default_factory=dict,
        description=(
            "Answers to the suggestion's questions (decision-tree facts and inferred-rule conflicts), by id: "
            '{"first_presentation_psychosis": "no"}. Unknown ids are refused, listing the valid ones.'
        ),
    )


class ReviewEngineIn(RatingsIn):
    current_cluster: ClusterNumber
    facts: dict[str, bool | None] = {}
    history: list[dict[str, Any]] = []
    on: date | None = None
    chosen_cluster: ClusterNumber | None = None


# --- caseload and audit -----------------------------------------------------------------------


class CaseloadRow(BaseModel):
    service_user_id: str
    nhs_number: str
    name: str
    team_id: int
    clinician_id: int | None
    cluster: int | None
    cluster_since: date | None
    last_reviewed: date | None
    next_review_due: date | None
    overdue: bool
    days_overdue: int
    episode_exceeded: bool


class CaseloadGroupRow(CaseloadRow):
    """A caseload row with the person's mental health currency group today, as the web caseload shows it
    (worked out when read from the open episode, or the open inpatient spell; never stored)."""

    currency_code: str | None = Field(
        default=None,
        description="Resource group code (e.g. MAA96A) of the open episode today; null when the person has "
        "no open episode or its grouping was rejected.",
    )
    population_group: str | None = Field(
        default=None,
        description="Population group (e.g. MAA), the code the `group` filter matches; null when not grouped "
        "(such a person is under `group=ungrouped`).",
    )
    population_name: str | None = Field(default=None, description="The population group's name; null when not grouped.")
    currency_status: Status | None = Field(
        default=None,
        description="grouped; unclassified (nothing decided: the fallback group MBU or MCG); rejected (an input "
        "the currency tables refuse; no code); null when the person has no open episode.",
    )


class AuditOut(Out):
    id: int
    at: datetime
    user_id: int | None
    username: str | None
    role: str | None
    action: str
    entity: str | None
    record_id: str | None
    service_user_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str | None
    client: str | None
