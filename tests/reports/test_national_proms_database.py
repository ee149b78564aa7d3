"""The national PROMs report from a database: registered with the other reports, scoped and
audited, with a drill-down by team and by month to the people behind a figure."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from carecluster.api import resolve_reference
from carecluster.reports import service
from carecluster.service import outcomes, records
from carecluster.service.context import Context
from carecluster.service.errors import Invalid, NotFound
from carecluster.service.outcome_schemas import OutcomeIn
from carecluster.service.security import Actor
from carecluster.store.models import AuditEvent, User
from tests.interop.test_database_round_trip import PEOPLE, START, history, staffed


def test_report_and_drill_down(tmp_path: Path) -> None:
    db, clinician = staffed(f"sqlite:///{tmp_path / 'r.db'}")
    history(db, clinician)
    with db.transaction() as session:
        ctx = Context(session=session, actor=clinician, reference=resolve_reference(None))
        first = next(p for p in records.list_service_users(ctx, 10, 0).items if p.nhs_number == PEOPLE[0])
        for day, value in ((10, 3), (100, 5)):
            answers = {str(i): 4 for i in range(1, 12)} | {"1": value}
            outcomes.record_outcome(
                ctx,
                first.id,
                OutcomeIn(measure_id="dialog", administered_on=START + timedelta(days=day), answers=answers),
            )
        auditor_id = session.scalar(select(User.id).where(User.username == "auditor"))
    auditor = Actor(user_id=auditor_id, username="auditor", role="auditor", team_ids=frozenset())
    start, end = START + timedelta(days=50), date.today()
    with db.transaction() as session:
        ctx = Context(session=session, actor=auditor, reference=resolve_reference(None))
        report = service.report(ctx, "national_proms", start, end)
        summary = {row[0]: (row[1], row[2]) for row in report.tables[0].rows}
        assert summary["DIALOG items reliably improved"] == (1, 11)  # item 1: 3 then 5; ten items unchanged
        assert summary["Measured twice"] == (1, 1)  # the second person has no episode of care
        month = f"{(START + timedelta(days=100)):%Y-%m}"
        by_month = service.drill_down(
            ctx, "national_proms", "dialog_improved", start, end, dimension="month", key=month
        )
        assert [(r.nhs_number, r.detail, r.value) for r in by_month.rows] == [(PEOPLE[0], "item 1: 3 then 5", 2.0)]
        team_key = report.tables[1].drills[0].key
        by_team = service.drill_down(
            ctx, "national_proms", "dialog_improved", start, end, which="rest", dimension="team", key=team_key
        )
        assert by_team.total == 10
        with pytest.raises(NotFound):
            service.drill_down(ctx, "national_proms", "nonsense", start, end)
        with pytest.raises(Invalid):
            service.drill_down(ctx, "national_proms", "dialog_improved", start, end, dimension="month", key="May")
    with db.transaction(write=False) as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("read_report_drill") == 2
    db.dispose()
