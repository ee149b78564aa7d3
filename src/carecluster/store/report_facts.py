"""Keep the reports' derived tables (`AssessmentFact`, `ReviewFact`) true to the clinical rows.

One SQL definition per table (`assessment_facts_select`, `review_facts_select`) serves three
callers, so the rows never depend on who wrote them:

* every transaction (`Database.transaction`, the unit of work) that writes an assessment,
  allocation, review or assignment period refreshes the rows it touched as it flushes them and
  before it commits (`ReportFactsRefresh`, the named handler it starts), so a report read
  straight after a write sees it and a rolled-back write leaves nothing behind;
* migration 0005 fills the tables from what is already stored;
* `rebuild` (CLI `carecluster db rebuild-report-facts`) refills them after rows were loaded
  around the ORM, e.g. a bulk load with SQL.

A refresh deletes the affected rows and inserts them again from the current versions: the facts
are a cache of the clinical rows, never a record in their own right.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    event,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.sql.expression import BindParameter, ColumnElement

from carecluster.store.models import (
    SCALE_COLUMNS,
    Allocation,
    Assessment,
    AssessmentFact,
    AssignmentPeriod,
    Review,
    ReviewFact,
    ServiceUser,
)

HONOS_ITEMS = 12
"""Scales 1-12 of the MHCT are the HoNOS items."""
BATCH = 500
"""Ids per refresh statement: well under every backend's limit on bound parameters."""


def _scales() -> list[Any]:
    """The 18 rating columns of an assessment, in `SCALE_CODES` order (integers, checked 0-4 or 9)."""
    return [getattr(Assessment, column) for column in SCALE_COLUMNS]


def _count(condition_per_scale: Iterable[ColumnElement[bool]], value: Any = 1) -> ColumnElement[int]:
    return sum((case((c, value), else_=0) for c in condition_per_scale), literal(0))


def _mentions(reasons: Any, code: str) -> ColumnElement[int]:
    return case((cast(reasons, String).like(f'%"{code}"%'), 1), else_=0)


def _current_service_user(service_user_id: Any) -> ColumnElement[bool]:
    return and_(ServiceUser.record_id == service_user_id, ServiceUser.superseded_at.is_(None))


def assessment_facts_select(assessment_ids: Any = None, service_user_ids: Any = None) -> Any:
    """The facts of current assessments with a current allocation (all, or those named, or
    those of the service users named)."""
    scales = _scales()
    honos = scales[:HONOS_ITEMS]
    query = (
        select(
            Assessment.assessed_on,
            Assessment.record_id,
            Assessment.service_user_id,
            ServiceUser.team_id,
            Assessment.episode_id,
            Assessment.rater_id,
            Assessment.recorded_at,
            Assessment.clustering_event,
            _count(s == 9 for s in scales),
            _count(s.between(0, 4) for s in honos),
            sum((case((s.between(0, 4), s), else_=0) for s in honos), literal(0)),
            Allocation.record_id,
            Allocation.suggested_cluster,
            Allocation.previous_cluster,
            Allocation.chosen_cluster,
            Allocation.reason,
            _mentions(Allocation.reason_required, "red_breach"),
            _mentions(Allocation.reason_required, "rare_transition"),
            *scales,
        )
        .join(Allocation, and_(Allocation.assessment_id == Assessment.record_id, Allocation.superseded_at.is_(None)))
        .join(ServiceUser, _current_service_user(Assessment.service_user_id))
        .where(Assessment.superseded_at.is_(None))
    )
    if assessment_ids is not None:
        query = query.where(Assessment.record_id.in_(assessment_ids))
    if service_user_ids is not None:
        query = query.where(Assessment.service_user_id.in_(service_user_ids))
    return query


ASSESSMENT_COLUMNS = [
    "assessed_on",
    "assessment_id",
    "service_user_id",
    "team_id",
    "episode_id",
    "rater_id",
    "recorded_at",
    "clustering_event",
    "nines",
    "honos_rated",
    "honos_total",
    "allocation_id",
    "suggested_cluster",
    "previous_cluster",
    "chosen_cluster",
    "reason",
    "red_breach",
    "rare_transition",
    *SCALE_COLUMNS,
]


def review_facts_select(service_user_ids: Any = None) -> Any:
    """Each current review with its clock's two candidate starts (all, or those of the people named)."""
    earlier = Review.__table__.alias("earlier")
    previous = (
        select(func.max(earlier.c.reviewed_on))
        .where(
            earlier.c.service_user_id == Review.service_user_id,
            earlier.c.superseded_at.is_(None),
            earlier.c.reviewed_on < Review.reviewed_on,
        )
        .scalar_subquery()
    )
    period_start = (
        select(func.max(AssignmentPeriod.start_date))
        .where(
            AssignmentPeriod.service_user_id == Review.service_user_id,
            AssignmentPeriod.superseded_at.is_(None),
            AssignmentPeriod.cluster == Review.current_cluster,
            AssignmentPeriod.start_date < Review.reviewed_on,
        )
        .scalar_subquery()
    )
    query = (
        select(
            Review.reviewed_on,
            Review.record_id,
            Review.service_user_id,
            ServiceUser.team_id,
            Review.recorded_by,
            Review.current_cluster,
            previous,
            period_start,
        )
        .join(ServiceUser, _current_service_user(Review.service_user_id))
        .where(Review.superseded_at.is_(None))
    )
    if service_user_ids is not None:
        query = query.where(Review.service_user_id.in_(service_user_ids))
    return query


REVIEW_COLUMNS = [
    "reviewed_on",
    "review_id",
    "service_user_id",
    "team_id",
    "recorded_by",
    "current_cluster",
    "previous_review_on",
    "period_start",
]


def _chunks(ids: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), BATCH):
        yield ordered[start : start + BATCH]


IDS: BindParameter[Any] = bindparam("ids", expanding=True)


@cache
def _refresh_statements() -> dict[str, tuple[Any, Any]]:
    """(delete, insert) per kind of refresh, built once: the assessment select alone takes a few
    milliseconds to build, which every write would otherwise pay again (measured on the API
    benchmark); the ids travel as an expanding bound parameter."""
    return {
        "assessments": (
            delete(AssessmentFact).where(AssessmentFact.assessment_id.in_(IDS)),
            insert(AssessmentFact).from_select(ASSESSMENT_COLUMNS, assessment_facts_select(IDS)),
        ),
        "people": (
            delete(AssessmentFact).where(AssessmentFact.service_user_id.in_(IDS)),
            insert(AssessmentFact).from_select(ASSESSMENT_COLUMNS, assessment_facts_select(service_user_ids=IDS)),
        ),
        "reviews": (
            delete(ReviewFact).where(ReviewFact.service_user_id.in_(IDS)),
            insert(ReviewFact).from_select(REVIEW_COLUMNS, review_facts_select(IDS)),
        ),
    }


def _refresh(connection: Connection | Session, kind: str, ids: Iterable[str]) -> None:
    remove, add = _refresh_statements()[kind]
    for chunk in _chunks(ids):
        connection.execute(remove, {"ids": chunk})
        connection.execute(add, {"ids": chunk})


def refresh_assessments(connection: Connection | Session, assessment_ids: Iterable[str]) -> None:
    _refresh(connection, "assessments", assessment_ids)


def refresh_people(connection: Connection | Session, service_user_ids: Iterable[str]) -> None:
    """Every assessment fact of the service users named (their team changed, say)."""
    _refresh(connection, "people", service_user_ids)


def refresh_reviews(connection: Connection | Session, service_user_ids: Iterable[str]) -> None:
    _refresh(connection, "reviews", service_user_ids)


def rebuild(connection: Connection) -> dict[str, int]:
    """Refill both tables from every current row; returns the rows written per table."""
    connection.execute(delete(AssessmentFact))
    connection.execute(delete(ReviewFact))
    connection.execute(insert(AssessmentFact).from_select(ASSESSMENT_COLUMNS, assessment_facts_select()))
    connection.execute(insert(ReviewFact).from_select(REVIEW_COLUMNS, review_facts_select()))
    return {
        AssessmentFact.__tablename__: connection.scalar(select(func.count()).select_from(AssessmentFact)) or 0,
        ReviewFact.__tablename__: connection.scalar(select(func.count()).select_from(ReviewFact)) or 0,
    }


class ReportFactsRefresh:
    """The read model's handler, started and ended by the unit of work (`Database.transaction`)
    for its one session: each flush of that session refreshes the facts of the rows it wrote,
    in the same transaction, and the unit of work flushes through `on_commit` just before it
    commits. So a report read straight after a write sees it (inside the transaction too), and a
    rolled-back write leaves nothing behind. Nothing is registered globally or at import time.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        event.listen(session, "after_flush", self.on_flush)

    @staticmethod
    def on_flush(session: Session, _context: UOWTransaction) -> None:
        """Refresh the facts of whatever this flush wrote (new versions, and old ones superseded)."""
        assessments: set[str] = set()
        people: set[str] = set()
        moved: set[str] = set()
        for row in (*session.new, *session.dirty):
            if isinstance(row, ServiceUser):
                moved.add(row.record_id)
            elif isinstance(row, Assessment):
                if row.version > 1 or row not in session.new:  # a new one has no allocation yet, unless
                    assessments.add(row.record_id)  # it comes in this flush too (added just below)
            elif isinstance(row, Allocation):
                assessments.add(row.assessment_id)
            elif isinstance(row, Review | AssignmentPeriod):
                people.add(row.service_user_id)
        if moved:
            refresh_people(session.connection(), moved)
        if assessments:
            refresh_assessments(session.connection(), assessments)
        if people | moved:
            refresh_reviews(session.connection(), people | moved)

    def on_commit(self) -> None:
        """Flush what is still pending, so its facts are refreshed before the commit."""
        self.session.flush()

    def close(self) -> None:
        """Stop listening (the session is finished, committed or rolled back)."""
        if event.contains(self.session, "after_flush", self.on_flush):
            event.remove(self.session, "after_flush", self.on_flush)
