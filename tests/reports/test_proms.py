"""PROM coverage from the outcome administrations table: pairs, signed change, reliable improvement."""

from __future__ import annotations

from datetime import date

from carecluster.reference import ReferenceSet
from carecluster.reports import Filters, build_report
from carecluster.store import repository as repo
from carecluster.store.db import Database
from carecluster.store.models import OutcomeAdministration
from tests.reports.population import Population


def test_prom_pairs_per_measure(db: Database, reference: ReferenceSet) -> None:
    with db.transaction() as session:
        p = Population(session)
        p.team("A")
        p.person("c1", "clinician", "A")

        def given(
            su: str, episode: str, measure: str, on: date, total: float | None, respondent: str = "service_user"
        ) -> None:
            repo.add_record(
                session,
                OutcomeAdministration,
                p.user,
                service_user_id=p.people[su],
                episode_id=episode,
                assessment_id=None,
                clustering_event=None,
                measure_id=measure,
                measure_version="1",
                administered_on=on,
                respondent=respondent,
                answers={},
                goals=None,
                score={"valid": total is not None, "total": total},
                status="complete" if total is not None else "partial",
            )
            session.flush()

        for su in ("P1", "P2", "P3"):
            p.su(su, "A", "c1")
        e1, e2, e3 = (p.episode(su, date(2026, 1, 1)) for su in ("P1", "P2", "P3"))
        given("P1", e1, "core10", date(2026, 2, 1), 25.0)  # CORE-10: higher is worse; 25 -> 15 improves by 10
        given("P1", e1, "core10", date(2026, 3, 1), 18.0)
        given("P1", e1, "core10", date(2026, 5, 1), 15.0)
        given("P2", e2, "core10", date(2026, 2, 1), 10.0)  # 10 -> 12: 2 points worse
        given("P2", e2, "core10", date(2026, 4, 1), 12.0)
        given("P3", e3, "core10", date(2026, 2, 1), 20.0)  # one valid only: the later one is partial
        given("P3", e3, "core10", date(2026, 4, 1), None)
        given("P1", e1, "swemwbs", date(2026, 2, 1), 20.0)  # SWEMWBS: higher is better; +4 is reliable (3)
        given("P1", e1, "swemwbs", date(2026, 4, 1), 24.0)
        given("P2", e2, "swemwbs", date(2026, 4, 1), 20.0, respondent="clinician")  # not a PROM
        given("P2", e2, "core10", date(2025, 12, 1), 30.0)  # before the period

    with db.transaction(write=False) as session:
        report = build_report(
            session, "outcomes", Filters(date_from=date(2026, 1, 1), date_to=date(2026, 6, 30)), reference
        )
    rows = {row[0]: row[1:] for row in report.table("prom_coverage").rows}
    assert rows["CORE-10"] == [3, 2, 2 / 3, (10 - 2) / 2, 1 / 2]
    assert rows["SWEMWBS"] == [1, 1, 1.0, 4.0, 1.0]
