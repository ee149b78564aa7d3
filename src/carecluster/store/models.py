"""The tables. Clinical records are versioned rows; teams, users and tokens are plain rows.

Every clinical record has a stable id (a row in `records`, so that references between records
keep foreign-key integrity) and one row per version in its own table. The current version is
the row whose `superseded_at` is NULL; older versions keep who amended them, when and why.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.sql.expression import ColumnElement

from carecluster.reference.models import SCALE_CODES
from carecluster.store.sql_json import json_array

ROLES: tuple[str, ...] = ("clinician", "team_lead", "auditor", "admin")


RATING_VALUES: tuple[int, ...] = (0, 1, 2, 3, 4, 9)
"""What a stored rating may be: 0-4, or 9 for not known. The database checks it too."""
SCALE_COLUMNS: tuple[str, ...] = tuple(f"scale_{code.lower()}" for code in SCALE_CODES)
"""One small-integer column per MHCT scale, in `SCALE_CODES` order: in `Assessment` (the rating
as recorded) and in `AssessmentFact` (its copy for the reports)."""


def rating_check(column: str) -> str:
    """The database's check on one rating column: 0-4 or 9, never empty."""
    return f"{column} IN ({', '.join(str(v) for v in RATING_VALUES)})"


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's documented class attribute
        datetime: DateTime(timezone=True),
        date: Date,
        dict[str, Any]: JSON,
        list[Any]: JSON,
        str: String(200),
    }


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str]
    created_at: Mapped[datetime]
    team_type: Mapped[str | None] = mapped_column(String(3))
    """The national data set's service team type (ServTeamTypeRefToMH), e.g. A06; the currency needs it."""


class User(Base):
    """A member of staff. Not clinical: admins update accounts (role, teams, lock-out) in place."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str]
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]


class LoginThrottle(Base):
    """Failed sign-ins of one account from one client address, and until when that pair waits.

    Keyed on both so that a guesser slows only itself: the account's owner at another address
    signs in as usual (no lockout an anonymous caller can hold)."""

    __tablename__ = "login_throttle"

    account: Mapped[str] = mapped_column(String(80), primary_key=True)
    client: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]


class UserTeam(Base):
    __tablename__ = "user_teams"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)


class AuthToken(Base):
    """A bearer token or session cookie; only its SHA-256 is stored, so a database dump logs nobody in."""

    __tablename__ = "auth_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class IdempotencyKey(Base):
    """The first response to a POST with an `Idempotency-Key`, replayed on every retry."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(400))
    body_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """Append-only: who did or read what, when, with the record before and after a change."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str | None] = mapped_column(String(80))
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(32), index=True)
    service_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str | None] = mapped_column(String(80))


class ExternalIdentifier(Base):
    """Another system's id for one of our records (e.g. a FHIR QuestionnaireResponse identifier or
    an MHSDS ClustId), so that importing the same thing twice finds the first import. Append-only."""

    __tablename__ = "external_identifiers"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"), index=True)
    created_at: Mapped[datetime]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Record(Base):
    """The stable identity of a clinical record across its versions."""

    __tablename__ = "records"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class Versioned:
    """Columns every clinical version row carries. Amendments add rows; nothing is overwritten."""

    if TYPE_CHECKING:  # the mapped subclasses take their columns as keywords (SQLAlchemy's constructor)

        def __init__(self, **columns: Any) -> None: ...

    row_id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"), index=True)
    version: Mapped[int]
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amend_reason: Mapped[str | None] = mapped_column(Text)
    superseded_at: Mapped[datetime | None]

    @declared_attr
    def predecessor_row_id(cls) -> Mapped[int | None]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(ForeignKey(f"{cls.__tablename__}.row_id"), nullable=True)  # type: ignore[attr-defined]

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:  # noqa: N805
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (
            UniqueConstraint("record_id", "version", name=f"uq_{name}_record_version"),
            Index(
                f"uq_{name}_current",
                "record_id",
                unique=True,
                sqlite_where=text("superseded_at IS NULL"),
                postgresql_where=text("superseded_at IS NULL"),
            ),
            *cls.extra_table_args(),
        )

    @classmethod
    def extra_table_args(cls) -> tuple[Any, ...]:
        return ()


class ServiceUser(Versioned, Base):
    __tablename__ = "service_users"
    KIND = "service_user"

    nhs_number: Mapped[str] = mapped_column(String(10), index=True)
    name: Mapped[str]
    date_of_birth: Mapped[date]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    @classmethod
    def extra_table_args(cls) -> tuple[Any, ...]:
        return (
            Index(
                "uq_service_users_nhs_current",
                "nhs_number",
                unique=True,
                sqlite_where=text("superseded_at IS NULL"),
                postgresql_where=text("superseded_at IS NULL"),
            ),
        )


class Episode(Versioned, Base):
    """An episode of care: referral to discharge."""

    __tablename__ = "episodes"
    KIND = "episode"

    service_user_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    referral_date: Mapped[date]
    discharge_date: Mapped[date | None]
    discharge_reason: Mapped[str | None] = mapped_column(Text)
    referral_source: Mapped[str | None] = mapped_column(String(80))
    referral_reason: Mapped[str | None] = mapped_column(Text)
    primary_diagnosis: Mapped[str | None] = mapped_column(String(8))
    """ICD-10 code, e.g. F32.1 (optional)."""
    referral_reason_code: Mapped[str | None] = mapped_column(String(2))
    """The data set's primary reason for referral (PrimReasonReferralMH), beside the free text."""


class InpatientSpell(Versioned, Base):
    """A hospital provider spell on a mental health ward (admission to discharge) and the ward's bed
    type (MHAdmittedPatientClass), which the currency's spell grouping reads."""

    __tablename__ = "inpatient_spells"
    KIND = "inpatient_spell"

    service_user_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"), index=True)
    episode_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("records.id"))
    admitted_on: Mapped[date]
    discharged_on: Mapped[date | None]
    bed_type: Mapped[str | None] = mapped_column(String(3))


class Assessment(Versioned, Base):
    """One MHCT v3.1 rating: one small-integer column per scale (`SCALE_COLUMNS`), each checked by
    the database to be 0-4 or 9, with scale 8's problem type and description beside them.

    `ratings` reads and writes the 18 columns as one list in `SCALE_CODES` order (and selects
    them as a JSON array in SQL), so callers see the list they always did.
    """

    __tablename__ = "assessments"
    KIND = "assessment"

    service_user_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"), index=True)
    episode_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("records.id"))
    assessed_on: Mapped[date]
    clustering_event: Mapped[str] = mapped_column(String(40))
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scale_1: Mapped[int] = mapped_column(SmallInteger)
    scale_2: Mapped[int] = mapped_column(SmallInteger)
    scale_3: Mapped[int] = mapped_column(SmallInteger)
    scale_4: Mapped[int] = mapped_column(SmallInteger)
    scale_5: Mapped[int] = mapped_column(SmallInteger)
    scale_6: Mapped[int] = mapped_column(SmallInteger)
    scale_7: Mapped[int] = mapped_column(SmallInteger)
    scale_8: Mapped[int] = mapped_column(SmallInteger)
    scale_9: Mapped[int] = mapped_column(SmallInteger)
    scale_10: Mapped[int] = mapped_column(SmallInteger)
    scale_11: Mapped[int] = mapped_column(SmallInteger)
    scale_12: Mapped[int] = mapped_column(SmallInteger)
    scale_13: Mapped[int] = mapped_column(SmallInteger)
    scale_a: Mapped[int] = mapped_column(SmallInteger)
    scale_b: Mapped[int] = mapped_column(SmallInteger)
    scale_c: Mapped[int] = mapped_column(SmallInteger)
    scale_d: Mapped[int] = mapped_column(SmallInteger)
    scale_e: Mapped[int] = mapped_column(SmallInteger)
    problem_type: Mapped[str | None] = mapped_column(String(1))
    problem_description: Mapped[str | None] = mapped_column(Text)
    super_class: Mapped[str | None] = mapped_column(String(20))
    heading: Mapped[str | None] = mapped_column(String(40))

    @classmethod
    def extra_table_args(cls) -> tuple[Any, ...]:
        return tuple(CheckConstraint(rating_check(column), name=f"ck_assessments_{column}") for column in SCALE_COLUMNS)

    @hybrid_property
    def ratings(self) -> list[int]:
        return [getattr(self, column) for column in SCALE_COLUMNS]

    @ratings.inplace.setter
    def _ratings_setter(self, values: list[int]) -> None:
        values = list(values)
        if len(values) != len(SCALE_COLUMNS):
            raise ValueError(f"an assessment has {len(SCALE_COLUMNS)} ratings, not {len(values)}")
        for column, value in zip(SCALE_COLUMNS, values, strict=True):
            setattr(self, column, value)

    @ratings.inplace.expression
    @classmethod
    def _ratings_expression(cls) -> ColumnElement[list[int]]:
        return json_array(*(getattr(cls, column) for column in SCALE_COLUMNS))


class Allocation(Versioned, Base):
    """The engine's suggestion as computed (with its reference set) and the clinician's choice."""

    __tablename__ = "allocations"
    KIND = "allocation"

    service_user_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"), index=True)
    assessment_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"), index=True)
    suggested_cluster: Mapped[int]
    suggestion: Mapped[dict[str, Any]]
    reference_id: Mapped[str] = mapped_column(String(100))
    reference_version: Mapped[str] = mapped_column(String(100))
    previous_cluster: Mapped[int | None]
    chosen_cluster: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    reason_required: Mapped[list[Any]]
    chosen_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AssignmentPeriod(Versioned, Base):
    """A cluster assignment period, as the national data set records it: start, end, cluster."""

    __tablename__ = "assignment_periods"
    KIND = "assignment_period"

    service_user_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"), index=True)
    allocation_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"))
    cluster: Mapped[int]
    start_date: Mapped[date]
    end_date: Mapped[date | None]


class Review(Versioned, Base):
    """A review against the care transition protocol, with its outcome."""

    __tablename__ = "reviews"
    KIND = "review"

    service_user_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"), index=True)
    assessment_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("records.id"))
    reviewed_on: Mapped[date]
    current_cluster: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, Any]]
    facts: Mapped[dict[str, Any]]
    chosen_cluster: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)


class OutcomeAdministration(Versioned, Base):
    """One outcome questionnaire or goal rating as given, with its score as computed then.

    The score is stored beside the answers with the measure definition's version, so a report
    can say what was computed and by which rules even after a definition changes. `status` is
    "partial" when any item (or goal) was left unanswered: the answers are kept as given.
    """

    __tablename__ = "outcome_administrations"
    KIND = "outcome"

    service_user_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"), index=True)
    episode_id: Mapped[str] = mapped_column(String(32), ForeignKey("records.id"), index=True)
    assessment_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("records.id"))
    clustering_event: Mapped[str | None] = mapped_column(String(40))
    measure_id: Mapped[str] = mapped_column(String(40))
    measure_version: Mapped[str] = mapped_column(String(40))
    administered_on: Mapped[date]
    respondent: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]]
    goals: Mapped[list[Any] | None] = mapped_column(JSON)
    score: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10))


# --- derived tables for the reports ------------------------------------------------------------


class AssessmentFact(Base):
    """One row per current assessment with a current allocation: what the reports read of both.

    Derived, not clinical: every value is recomputed from the versioned rows (see
    `store.report_facts`) whenever either is written, in the same transaction, and the whole
    table can be rebuilt at any time. Why it exists: a year of a large provider's assessments is
    half a million rows, and reading each one's ratings out of its JSON and its allocation by a
    join cost the reports several seconds; here the ratings are integers, the counts the reports
    need (9s, HoNOS total) are already made, the service user's current team is beside them (a
    look-up per row cost more than the rest of the read), and on SQLite the rows are stored in date order
    (WITHOUT ROWID, keyed by date first), so a period is one contiguous range.
    """

    __tablename__ = "report_assessment_facts"

    assessed_on: Mapped[date] = mapped_column(primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(primary_key=True)
    """In the key after the date: a day's assessments in the order they were recorded, so the
    first and last of a day are read in index order (the service-user index carries the key)."""
    assessment_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_user_id: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[int]
    """The service user's team as recorded now (refreshed when the service user is amended)."""
    episode_id: Mapped[str | None] = mapped_column(String(32))
    rater_id: Mapped[int]
    clustering_event: Mapped[str] = mapped_column(String(40))
    nines: Mapped[int] = mapped_column(SmallInteger)
    honos_rated: Mapped[int] = mapped_column(SmallInteger)
    """Scales 1-12 rated 0-4 (a HoNOS is valid with enough of them)."""
    honos_total: Mapped[int] = mapped_column(SmallInteger)
    """Sum of scales 1-12 rated 0-4 (9s left out)."""
    allocation_id: Mapped[str] = mapped_column(String(32))
    suggested_cluster: Mapped[int]
    previous_cluster: Mapped[int | None]
    chosen_cluster: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    red_breach: Mapped[int] = mapped_column(SmallInteger)
    """1 when the allocation's stored reasons-required list names a red breach."""
    rare_transition: Mapped[int] = mapped_column(SmallInteger)
    """1 when it names a rare transition."""

    __table_args__ = (
        UniqueConstraint("assessment_id", name="uq_report_assessment_facts_assessment"),
        # a person's rows in date and recording order: their first and last of a period, or of
        # a day, are one seek (SQLite would add the key columns itself; PostgreSQL needs them)
        Index(
            "ix_report_assessment_facts_service_user",
            "service_user_id",
            "assessed_on",
            "recorded_at",
            "assessment_id",
        ),
        {"sqlite_with_rowid": False},
    )


for _column in SCALE_COLUMNS:  # 18 columns, declared from the scale codes rather than typed out
    setattr(AssessmentFact, _column, mapped_column(_column, SmallInteger, nullable=False))


class ReviewFact(Base):
    """One row per current review with its review clock: the previous review before it and the
    start of the assignment period in the reviewed cluster that began before it.

    Derived like `AssessmentFact`; refreshed for a service user whenever one of their reviews or
    assignment periods is written, since either can move another review's clock.
    """

    __tablename__ = "report_review_facts"

    reviewed_on: Mapped[date] = mapped_column(primary_key=True)
    review_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_user_id: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[int]
    """The service user's team as recorded now, as in `AssessmentFact`."""
    recorded_by: Mapped[int]
    current_cluster: Mapped[int]
    previous_review_on: Mapped[date | None]
    period_start: Mapped[date | None]

    __table_args__ = (
        UniqueConstraint("review_id", name="uq_report_review_facts_review"),
        Index("ix_report_review_facts_service_user", "service_user_id", "reviewed_on"),  # a person's latest, one seek
        {"sqlite_with_rowid": False},
    )


VERSIONED: tuple[type[Versioned], ...] = (
    ServiceUser,
    Episode,
    Assessment,
    Allocation,
    AssignmentPeriod,
    Review,
    OutcomeAdministration,
    InpatientSpell,
)
BY_KIND: dict[str, type[Versioned]] = {m.KIND: m for m in VERSIONED}  # type: ignore[attr-defined]
