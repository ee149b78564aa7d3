"""Who may see which reports, what the drill-downs list, and the audit trail they leave."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from carecluster.reference import ReferenceSet
from carecluster.reports import service
from carecluster.service.context import Context
from carecluster.service.errors import Forbidden, Invalid, NotFound
from carecluster.service.security import Actor
from carecluster.store.db import Database
from carecluster.store.models import AuditEvent
from tests.reports.known import PERIOD, build_known
from tests.reports.population import Population

FROM, TO = PERIOD.date_from, PERIOD.date_to


def actor(p: Population, username: str, role: str, *teams: str) -> Actor:
    return Actor(
        user_id=p.staff.get(username, 1), username=username, role=role, team_ids=frozenset(p.teams[t] for t in teams)
    )


@pytest.fixture
def known(db: Database) -> tuple[Database, Population]:
    return db, build_known(db)


def test_roles_and_team_scope(known: tuple[Database, Population], reference: ReferenceSet) -> None:
    db, p = known
    lead = actor(p, "lead", "team_lead", "A")
    with db.transaction() as session:
        ctx = Context(session=session, actor=lead, reference=reference, today=date(2026, 7, 1))
        mine = service.report(ctx, "completeness", FROM, TO)
        assert mine.filters.team_ids == (p.teams["A"],)
        assert (mine.measure("current_cluster").numerator, mine.measure("current_cluster").denominator) == (3, 4)
        with pytest.raises(Forbidden):
            service.report(ctx, "completeness", FROM, TO, team_id=p.teams["B"])
        for role in ("clinician", "admin"):
            other = Context(session=session, actor=actor(p, "c1", role, "A"), reference=reference)
            with pytest.raises(Forbidden):
                service.report(other, "completeness", FROM, TO)
        auditor = Context(session=session, actor=actor(p, "auditor", "auditor"), reference=reference)
        everyone = service.report(auditor, "completeness", FROM, TO)
        assert everyone.filters.team_ids is None
        assert everyone.measure("current_cluster").denominator == 7
        with pytest.raises(NotFound):
            service.report(auditor, "nonsense", FROM, TO)
        with pytest.raises(Invalid):
            service.report(auditor, "completeness", TO, FROM)
    with db.transaction(write=False) as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("read_report") == 2  # the two reports shown; refusals read nothing


def test_drill_down_lists_the_people_behind_a_number(
    known: tuple[Database, Population], reference: ReferenceSet
) -> None:
    db, p = known
    lead = actor(p, "lead", "team_lead", "A")
    with db.transaction() as session:
        ctx = Context(session=session, actor=lead, reference=reference)
        overdue = service.drill_down(ctx, "timeliness", "overdue_reviews", FROM, TO)
        assert [(r.service_user_id, r.value, r.on) for r in overdue.rows] == [(p.people["S7"], 508, date(2025, 2, 7))]
        unclustered = service.drill_down(ctx, "completeness", "current_cluster", FROM, TO, which="rest")
        assert {r.service_user_id for r in unclustered.rows} == {p.people["S3"]}  # S5 is team B's
        auditor = Context(session=session, actor=actor(p, "auditor", "auditor"), reference=reference)
        rest = service.drill_down(auditor, "completeness", "current_cluster", FROM, TO, which="rest")
        assert {r.service_user_id for r in rest.rows} == {p.people["S3"], p.people["S5"]}
        assert rest.total == 2
        team_b = service.drill_down(
            auditor,
            "completeness",
            "current_cluster",
            FROM,
            TO,
            which="denominator",
            dimension="team",
            key=str(p.teams["B"]),
        )
        assert {r.service_user_id for r in team_b.rows} == {p.people[s] for s in ("S5", "S8", "S9")}
        none = service.drill_down(auditor, "completeness", "current_cluster", FROM, TO, dimension="cluster", key="none")
        assert none.total == 0
        overrides = service.drill_down(auditor, "accuracy", "override_reasons", FROM, TO, which="rest")
        assert [(r.service_user_id, r.detail) for r in overrides.rows] == [(p.people["S4"], "")]
        # one cell of the transitions matrix: the moves from 11 to 10 (S2), and none from 11 to 12
        cell = service.drill_down(
            auditor, "transitions", "moves", FROM, TO, dimension="cluster", key="10", from_cluster=11
        )
        assert [(r.service_user_id, r.value, r.cluster) for r in cell.rows] == [(p.people["S2"], 11, 10)]
        assert cell.from_cluster == 11
        empty = service.drill_down(
            auditor, "transitions", "moves", FROM, TO, dimension="cluster", key="12", from_cluster=11
        )
        assert empty.total == 0
        with pytest.raises(Invalid):  # only cluster changes have a from-cluster
            service.drill_down(auditor, "accuracy", "agreement", FROM, TO, from_cluster=11)
        with pytest.raises(NotFound):
            service.drill_down(auditor, "accuracy", "no_such_measure", FROM, TO)
        with pytest.raises(Invalid):
            service.drill_down(auditor, "accuracy", "agreement", FROM, TO, dimension="ward")
    with db.transaction(write=False) as session:
        drills = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "read_report_drill")))
    assert drills[0].after == {"record_ids": [p.people["S7"]]}
    assert len(drills) == 8
    assert "from=11" in (drills[-1].detail or "")
