"""The national outcome measures on a small fixture whose figures are worked out by hand.

Period 2026-01-01 to 2026-03-31; thresholds as shipped (DIALOG item 1, goal 3, ReQoL-10 5,
cut-off 25, 180 days open).

Episodes (team):
  E1 P1 (1) referred 2025-06-01, open         -> eligible all period
  E2 P2 (2) referred 2025-09-01, open         -> 152 days at 31 Jan (no), 180 at 28 Feb (yes)
  E3 P3 (1) referred 2026-01-10, open         -> 80 days at 31 Mar: never eligible
  E4 P4 (2) referred 2025-01-01, out 2025-12-15 -> discharged before the period
  E5 P5 (1) referred 2025-05-01, open         -> eligible all period

Pairs (first score with the latest later one):
  P1 DIALOG 1: 3 (1 Dec) .. 4 (15 Jan) .. 5 (20 Feb) -> +2 improved, February
  P1 DIALOG 2: 5 (1 Dec), 5 (20 Feb)                -> 0, February
  P1 DIALOG 3: 4 (20 Feb) only                       -> no pair
  P2 DIALOG 1: 6 (5 Jan), 4 (10 Mar)                 -> -2 deteriorated, March
  P3 DIALOG 1: 2, 7                                   -> episode not eligible
  P1 goal g1: 2 (1 Nov), 6 (5 Mar)                    -> +4 improved;  goal g2: 5, 7 -> +2 neither
  P1 ReQoL-10: 20 (1 Dec), 26 (20 Feb)               -> +6 improved, from below 25 to 25+: recovered
  P2 ReQoL-10: 30 (5 Jan), 24 (10 Mar)               -> -6 deteriorated; starts above the cut-off
  P5 DIALOG 1: 4 (1 Feb) only                         -> no pair

Measured twice (people with an eligible episode): P1 yes (1 Dec, 15 Jan), P2 yes (5 Jan, 10 Mar),
P5 no -> 2 of 3; team 1: 1 of 2, team 2: 1 of 1. As at month ends: January P1 of P1, P5 -> 1/2;
February P1 of P1, P2, P5 -> 1/3; March P1, P2 of three -> 2/3.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from carecluster.reports.models import Filters
from carecluster.reports.national_proms import (
    Episode,
    Recorded,
    Score,
    drill_units,
    load_thresholds,
    measures,
    units,
)

PERIOD = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
EPISODES = [
    Episode("E1", "P1", 1, date(2025, 6, 1), None),
    Episode("E2", "P2", 2, date(2025, 9, 1), None),
    Episode("E3", "P3", 1, date(2026, 1, 10), None),
    Episode("E4", "P4", 2, date(2025, 1, 1), date(2025, 12, 15)),
    Episode("E5", "P5", 1, date(2025, 5, 1), None),
]


def _s(su: str, ep: str, measure: str, item: str, on: tuple[int, int, int], value: float) -> Score:
    return Score(su, ep, measure, item, date(*on), value)


SCORES = [
    _s("P1", "E1", "dialog", "1", (2025, 12, 1), 3),
    _s("P1", "E1", "dialog", "1", (2026, 1, 15), 4),
    _s("P1", "E1", "dialog", "1", (2026, 2, 20), 5),
    _s("P1", "E1", "dialog", "2", (2025, 12, 1), 5),
    _s("P1", "E1", "dialog", "2", (2026, 2, 20), 5),
    _s("P1", "E1", "dialog", "3", (2026, 2, 20), 4),
    _s("P2", "E2", "dialog", "1", (2026, 1, 5), 6),
    _s("P2", "E2", "dialog", "1", (2026, 3, 10), 4),
    _s("P3", "E3", "dialog", "1", (2026, 1, 20), 2),
    _s("P3", "E3", "dialog", "1", (2026, 3, 1), 7),
    _s("P1", "E1", "gbo", "g1", (2025, 11, 1), 2),
    _s("P1", "E1", "gbo", "g1", (2026, 3, 5), 6),
    _s("P1", "E1", "gbo", "g2", (2025, 11, 1), 5),
    _s("P1", "E1", "gbo", "g2", (2026, 3, 5), 7),
    _s("P1", "E1", "reqol10", "total", (2025, 12, 1), 20),
    _s("P1", "E1", "reqol10", "total", (2026, 2, 20), 26),
    _s("P2", "E2", "reqol10", "total", (2026, 1, 5), 30),
    _s("P2", "E2", "reqol10", "total", (2026, 3, 10), 24),
    _s("P5", "E5", "dialog", "1", (2026, 2, 1), 4),
]
RECORDED = sorted({Recorded(s.service_user_id, s.episode_id, s.measure, s.on) for s in SCORES}, key=repr)


def _by_id() -> dict:
    return {m.id: m for m in measures(EPISODES, SCORES, RECORDED, PERIOD, load_thresholds(), {1: "T1", 2: "T2"})}


def _figures(measure, groups: str) -> list[tuple[str, int, int]]:
    return [(g.key, g.numerator, g.denominator) for g in getattr(measure, groups)]


def test_headline_figures_match_the_hand_count() -> None:
    got = {key: (m.numerator, m.denominator) for key, m in _by_id().items()}
    assert got == {
        "measured_twice": (2, 3),
        "dialog_improved": (1, 3),
        "dialog_deteriorated": (1, 3),
        "goal_improved": (1, 2),
        "goal_deteriorated": (0, 2),
        "reqol10_improved": (1, 2),
        "reqol10_deteriorated": (1, 2),
        "reqol10_recovered": (1, 1),
    }


def test_by_team_and_by_month() -> None:
    m = _by_id()
    assert _figures(m["dialog_improved"], "by_team") == [("1", 1, 2), ("2", 0, 1)]
    assert [g.label for g in m["dialog_improved"].by_team] == ["T1", "T2"]
    assert _figures(m["dialog_improved"], "by_month") == [("2026-01", 0, 0), ("2026-02", 1, 2), ("2026-03", 0, 1)]
    assert _figures(m["goal_improved"], "by_month") == [("2026-01", 0, 0), ("2026-02", 0, 0), ("2026-03", 1, 2)]
    assert _figures(m["measured_twice"], "by_team") == [("1", 1, 2), ("2", 1, 1)]
    assert _figures(m["measured_twice"], "by_month") == [("2026-01", 1, 2), ("2026-02", 1, 3), ("2026-03", 2, 3)]


def test_drill_down_names_the_people_behind_a_figure() -> None:
    every = units(EPISODES, SCORES, RECORDED, PERIOD, load_thresholds())
    improved = drill_units(every, "dialog_improved")
    assert [(u.service_user_id, u.item, u.first, u.later) for u in improved] == [("P1", "1", 3, 5)]
    rest = drill_units(every, "measured_twice", "rest")
    assert [u.service_user_id for u in rest] == ["P5"]
    team_two = drill_units(every, "dialog_improved", "denominator", team_id=2)
    assert [(u.service_user_id, u.change) for u in team_two] == [("P2", -2)]
    march = drill_units(every, "reqol10_deteriorated", month="2026-03")
    assert [u.service_user_id for u in march] == ["P2"]


def test_the_cut_off_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(resources.files("carecluster.reports").joinpath("data/national_proms.json").read_text())
    data["reqol10_cutoff"] = 27  # P1's later 26 no longer reaches it
    path = tmp_path / "local.json"
    path.write_text(json.dumps(data))
    monkeypatch.setenv("CARECLUSTER_NATIONAL_PROMS", str(path))
    recovered = _by_id()["reqol10_recovered"]
    assert (recovered.numerator, recovered.denominator) == (0, 1)
    del data["reliable_change"]["goal"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"local\.json: missing key 'goal'"):
        load_thresholds()


def test_a_team_scope_counts_only_that_team() -> None:
    scoped = Filters(date_from=PERIOD.date_from, date_to=PERIOD.date_to, team_ids=(2,))
    got = {m.id: (m.numerator, m.denominator) for m in measures(EPISODES, SCORES, RECORDED, scoped, load_thresholds())}
    assert got["measured_twice"] == (1, 1)
    assert got["dialog_deteriorated"] == (1, 1)
    assert got["goal_improved"] == (0, 0)
