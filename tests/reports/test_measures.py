"""Every measure's numerator and denominator on the known population (tests/reports/known.py)."""

from __future__ import annotations

from datetime import date

import pytest

from carecluster.reference import ReferenceSet
from carecluster.reports import Filters, Report, build_report
from carecluster.store.db import Database
from tests.reports.known import PERIOD, build_known
from tests.reports.population import Population


@pytest.fixture
def known(db: Database) -> tuple[Database, Population]:
    return db, build_known(db)


def run(db: Database, name: str, reference: ReferenceSet, filters: Filters = PERIOD) -> Report:
    with db.transaction(write=False) as session:
        return build_report(session, name, filters, reference)


def counts(report: Report, measure: str) -> tuple[int, int]:
    m = report.measure(measure)
    return m.numerator, m.denominator


def by(report: Report, measure: str, dimension: str) -> dict[str, tuple[int, int]]:
    groups = getattr(report.measure(measure), f"by_{dimension}")
    return {g.key: (g.numerator, g.denominator) for g in groups}


def test_completeness(known: tuple[Database, Population], reference: ReferenceSet) -> None:
    db, p = known
    r = run(db, "completeness", reference)
    assert counts(r, "current_cluster") == (5, 7)
    assert by(r, "current_cluster", "team") == {str(p.teams["A"]): (3, 4), str(p.teams["B"]): (2, 3)}
    assert by(r, "current_cluster", "cluster") == {
        "0": (1, 1),
        "3": (1, 1),
        "4": (1, 1),
        "11": (1, 1),
        "14": (1, 1),
        "none": (0, 2),
    }
    assert counts(r, "initial_clustering") == (3, 5)
    assert counts(r, "complete_ratings") == (8, 11)
    assert r.table("nines").rows == [["0", 8], ["1", 1], ["2", 1], ["3 or more", 1]]
    assert counts(r, "discharge_clustering") == (1, 2)
    assert counts(r, "event_clustering") == (1, 2)
    assert any("proxy" in note for note in r.notes)


def test_timeliness(known: tuple[Database, Population], reference: ReferenceSet) -> None:
    db, p = known
    r = run(db, "timeliness", reference)
    assert counts(r, "reviews_in_time") == (2, 4)
    assert r.measure("reviews_in_time").mean_value == pytest.approx((4 + 1) / 4)  # S4 4 days late, S8 1 (clamped)
    assert by(r, "reviews_in_time", "clinician") == {str(p.staff["c1"]): (2, 2), str(p.staff["c2"]): (0, 2)}
    assert counts(r, "overdue_reviews") == (1, 5)
    assert r.measure("overdue_reviews").mean_value == (date(2026, 6, 30) - date(2025, 2, 7)).days == 508
    assert counts(r, "episode_exceeded") == (2, 3)
    end = date(2026, 6, 30)
    starts = [date(2026, 2, 3), date(2026, 3, 20), date(2025, 1, 10), date(2025, 8, 31), date(2026, 2, 12)]
    assert counts(r, "time_in_cluster") == (5, 5)
    assert r.measure("time_in_cluster").mean_value == pytest.approx(sum((end - s).days for s in starts) / 5)
    assert r.table("overdue_ages").rows[-1] == ["183 days or more", 1]
    assert sum(row[1] for row in r.table("overdue_ages").rows) == 1


def test_accuracy(known: tuple[Database, Population], reference: ReferenceSet) -> None:
    db, p = known
    r = run(db, "accuracy", reference)
    assert counts(r, "red_breach") == (1, 9)
    assert counts(r, "agreement") == (5, 9)
    assert by(r, "agreement", "team") == {str(p.teams["A"]): (3, 6), str(p.teams["B"]): (2, 3)}
    assert counts(r, "agreement_super_class") == (8, 9)
    assert counts(r, "cluster_0") == (1, 9)
    assert counts(r, "cluster_9") == (1, 9)
    assert counts(r, "rare_transitions") == (1, 2)
    assert counts(r, "override_reasons") == (3, 4)


def test_transitions(known: tuple[Database, Population], reference: ReferenceSet) -> None:
    db, _ = known
    r = run(db, "transitions", reference)
    # 2 moves (11 to 10, 1 to 2) among 4 re-ratings of people already in a cluster (S1 twice, S2, S4)
    assert counts(r, "moves") == (2, 4)
    said = r.measure("moves").headline
    assert said is not None
    assert said.startswith("67 moves per 100 people re-rated while in a cluster (2 moves; 3 people).")
    assert said.endswith("Commonest: 1 to 2 (1), 11 to 10 (1).")
    moves = {(row[0], row[1]): (row[2], row[3]) for row in r.table("moves").rows}
    assert moves == {
        (11, 10): (1, "rare"),
        (1, 2): (1, reference.cluster(1).transitions.likelihood(2).replace("_", " ")),  # type: ignore[union-attr]
    }
    matrix = r.table("matrix")
    assert matrix.columns == ["From \\ to", "1", "2", "10", "11"]
    assert matrix.rows == [  # square: every cluster moved from or to, both ways
        ["from 1", None, 1, None, None],
        ["from 2", None, None, None, None],
        ["from 10", None, None, None, None],
        ["from 11", None, None, 1, None],
    ]
    assert matrix.shading is not None
    assert matrix.shading[3][3] == "rare"
    likelihood = dict((row[0], row[1]) for row in r.table("by_likelihood").rows)
    assert likelihood["rare"] == 1
    assert sum(likelihood.values()) == 2


def test_outcomes(known: tuple[Database, Population], reference: ReferenceSet) -> None:
    db, _ = known
    r = run(db, "outcomes", reference)
    assert counts(r, "honos_paired") == (3, 5)
    assert counts(r, "honos_change") == (3, 3)
    assert r.measure("honos_change").mean_value == pytest.approx((10 - 10 + 4) / 3)
    assert counts(r, "honos_reliable_improvement") == (1, 3)
    assert counts(r, "honos_reliable_deterioration") == (1, 3)
    assert by(r, "honos_paired", "cluster") == {"1": (1, 1), "4": (1, 1), "0": (0, 1), "9": (0, 1), "none": (1, 1)}
    assert [t.id for t in r.tables] == ["honos_by_cluster", "prom_coverage"]


def test_team_and_clinician_filters(known: tuple[Database, Population], reference: ReferenceSet) -> None:
    db, p = known
    team_a = Filters(date_from=PERIOD.date_from, date_to=PERIOD.date_to, team_ids=(p.teams["A"],))
    assert counts(run(db, "completeness", reference, team_a), "current_cluster") == (3, 4)
    c2 = Filters(date_from=PERIOD.date_from, date_to=PERIOD.date_to, clinician_id=p.staff["c2"])
    assert counts(run(db, "completeness", reference, c2), "current_cluster") == (2, 3)
    nobody = Filters(date_from=PERIOD.date_from, date_to=PERIOD.date_to, team_ids=())
    assert counts(run(db, "accuracy", reference, nobody), "agreement") == (0, 0)


def test_period_bounds_are_inclusive(known: tuple[Database, Population], reference: ReferenceSet) -> None:
    db, _ = known
    one_day = Filters(date_from=date(2026, 6, 1), date_to=date(2026, 6, 1))
    r = run(db, "accuracy", reference, one_day)
    assert counts(r, "agreement") == (0, 1)  # S2's review assessment of 1 June, and nothing else


def test_transition_headline_shares_follow_the_protocol_lists(reference: ReferenceSet) -> None:
    from carecluster.reports import transitions

    source = next(c for c in reference.clusters if c.transitions and c.transitions.step_up and c.transitions.step_down)
    assert source.transitions is not None
    up, down = source.transitions.step_up[0], source.transitions.step_down[0]
    counts = {(source.number, up): 3, (source.number, down): 1}
    said = transitions.headline(counts, 8, reference)
    assert said.startswith("50 moves per 100 people re-rated while in a cluster (4 moves; 8 people).")
    assert "75% stepped up, 25% stepped down." in said
    assert said.endswith(f"Commonest: {source.number} to {up} (3), {source.number} to {down} (1).")
    assert transitions.headline({}, 0, reference) == "Nobody already in a cluster was rated again in this period."
