"""The parts of service/outcomes.py that run on the in-memory unit of work: which measures may be
recorded, scoring and its refusals, goals, the links an administration makes to the record, and
the HoNOS series read from the MHCT ratings. (Recording and listing also pass through
`service.records`' access checks, still on the session: tests/http/test_outcomes.py covers them.)"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from carecluster.domain.outcomes import get_measure
from carecluster.service import outcomes
from carecluster.service.errors import Invalid
from carecluster.service.outcome_schemas import GoalIn, OutcomeIn
from carecluster.service_layer.unit_of_work import FakeUnitOfWork
from carecluster.store.models import Assessment, Episode, ServiceUser
from tests.service.fakes import account, context

CORE10 = {str(i): 2 for i in range(1, 11)}


def errors(refused: pytest.ExceptionInfo[Invalid]) -> list[tuple[tuple[str | int, ...], str]]:
    return refused.value.errors


def test_honos_and_unknown_measures_cannot_be_recorded() -> None:
    assert outcomes.recordable_measure("core10").id == "core10"
    with pytest.raises(Invalid) as honos:
        outcomes.recordable_measure("honos")
    assert errors(honos)[0][0] == ("body", "measure_id")
    assert "record an assessment instead" in errors(honos)[0][1]
    with pytest.raises(Invalid) as unknown:
        outcomes.recordable_measure("nope", ("path", "record_id"))
    assert errors(unknown)[0][0] == ("path", "record_id")


def test_scoring_complete_partial_and_refused() -> None:
    core10 = get_measure("core10")
    stored, result, status = outcomes.score_answers(core10, CORE10, None)
    assert (stored, result.total, status) == (CORE10, 20.0, "complete")
    partial = {k: v for k, v in CORE10.items() if k != "3"}
    stored, _, status = outcomes.score_answers(core10, {**partial, "3": None}, None)
    assert (stored, status) == (partial, "partial")  # nothing invented for the item left out
    with pytest.raises(Invalid) as bad:
        outcomes.score_answers(core10, {**CORE10, "4": 7}, None)
    assert errors(bad)[0][0] == ("body", "answers", "4")
    with pytest.raises(Invalid) as empty:
        outcomes.score_answers(core10, {}, None)
    assert "no answers given" in errors(empty)[0][1]


def test_goals_are_needed_for_goal_measures_only_and_may_not_repeat() -> None:
    gbo, core10 = get_measure("gbo"), get_measure("core10")
    goals = outcomes._goals(gbo, [GoalIn(id="g1", description="Back to college")])
    assert goals is not None
    assert [g.id for g in goals] == ["g1"]
    stored, result, status = outcomes.score_answers(gbo, {"g1": 3}, goals)
    assert (stored, result.total, status) == ({"g1": 3}, 3.0, "complete")
    for measure, given, message in [
        (core10, [{"id": "g1", "description": "x"}], "not goal-based"),
        (gbo, None, "needs the person's goals"),
        (gbo, [{"id": "g1", "description": "a"}, {"id": "g1", "description": "b"}], "goal ids repeat: g1"),
    ]:
        with pytest.raises(Invalid) as refused:
            outcomes._goals(measure, given)
        assert errors(refused)[0][0] == ("body", "goals")
        assert message in errors(refused)[0][1]


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.clinical.episodes["ep1"] = Episode(
        record_id="ep1", row_id=1, service_user_id="su1", team_id=1, referral_date=date(2026, 1, 10)
    )
    uow.clinical.episodes["ep9"] = Episode(
        record_id="ep9", row_id=2, service_user_id="other", team_id=1, referral_date=date(2026, 1, 1)
    )
    ratings = [2, 1, 0, 3, 1, 2, 0, 1, 2, 1, 0, 2, 0, 0, 0, 0, 0, 9]  # HoNOS (scales 1-12) total 15
    for n, (on, episode) in enumerate([(date(2026, 2, 1), "ep1"), (date(2026, 5, 1), "ep1"), (date(2026, 3, 1), None)]):
        row = Assessment(
            record_id=f"as{n}", row_id=n + 1, service_user_id="su1", episode_id=episode, assessed_on=on,
            clustering_event="initial_assessment" if n == 0 else "planned_review", problem_type="A", problem_description=None,
        )  # fmt: skip
        row.ratings = [*ratings[:11], 3, *ratings[12:]] if n == 1 else ratings  # the second: scale 12 is 3
        uow.clinical.assessments[row.record_id] = row
    return uow


def outcome(**given: Any) -> OutcomeIn:
    return OutcomeIn(measure_id="core10", administered_on=date(2026, 2, 2), answers=CORE10, **given)


def test_links_follow_the_assessment_and_check_they_belong_to_the_person(uow: FakeUnitOfWork) -> None:
    ctx = context(uow, account(uow, "c1", "clinician", 1))
    su = ServiceUser(record_id="su1")
    assert outcomes._links(ctx, su, outcome(assessment_id="as0")) == ("ep1", "as0", "initial_assessment")
    assert outcomes._links(ctx, su, outcome(episode_id="ep1", clustering_event="planned_review")) == (
        "ep1",
        None,
        "planned_review",
    )
    for given, field, message in [
        ({"assessment_id": "as-none"}, "assessment_id", "no such assessment"),
        ({"episode_id": "ep9"}, "episode_id", "no such episode of care"),
        ({"episode_id": "ep1", "administered_on": date(2026, 1, 9)}, "administered_on", "began on 2026-01-10"),
    ]:
        data = (
            outcome(**given)
            if "administered_on" not in given
            else OutcomeIn(measure_id="core10", answers=CORE10, **given)
        )
        with pytest.raises(Invalid) as refused:
            outcomes._links(ctx, su, data)
        assert errors(refused)[0][0] == ("body", field)
        assert message in errors(refused)[0][1]


def test_earlier_goals_are_the_newest_current_ones_in_the_episode(uow: FakeUnitOfWork) -> None:
    ctx = context(uow, account(uow, "c1", "clinician", 1))
    assert outcomes._earlier_goals(ctx, "ep1", "gbo") is None
    common = {"service_user_id": "su1", "episode_id": "ep1", "measure_id": "gbo", "measure_version": "1"}
    first = uow.outcomes.add(1, administered_on=date(2026, 2, 1), goals=[{"id": "old"}], **common)
    uow.outcomes.add(1, administered_on=date(2026, 3, 1), goals=[{"id": "new"}], **common)
    assert outcomes._earlier_goals(ctx, "ep1", "gbo") == [{"id": "new"}]
    amended = uow.outcomes.amend(first, 1, "date corrected", {"administered_on": date(2026, 4, 1)})
    assert (amended.version, amended.predecessor_row_id, amended.goals) == (2, first.row_id, [{"id": "old"}])
    assert first.superseded_at is not None
    assert outcomes._earlier_goals(ctx, "ep1", "gbo") == [{"id": "old"}]
    assert outcomes._earlier_goals(ctx, "ep1", "gas") is None


def test_honos_series_comes_from_the_ratings_of_each_episode(uow: FakeUnitOfWork) -> None:
    ctx = context(uow, account(uow, "c1", "clinician", 1))
    series = outcomes._honos_points(ctx, "su1")
    assert list(series) == ["ep1"]  # the assessment outside an episode is not paired
    points = [point for point, _ in series["ep1"]]
    assert [(p.record_id, p.on, p.source) for p in points] == [
        ("as0", date(2026, 2, 1), "assessment"),
        ("as1", date(2026, 5, 1), "assessment"),
    ]
    assert [p.total for p in points] == [15, 16]
    paired = outcomes._pair(uow.clinical.episodes["ep1"], get_measure("honos"), series["ep1"])
    assert (paired.episode_id, paired.measure_id, len(paired.scores), paired.paired) == ("ep1", "honos", 2, True)
