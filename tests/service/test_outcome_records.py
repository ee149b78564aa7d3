"""Outcome measures recorded against real records on the in-memory unit of work: the records
use cases (access, episodes, history) and the outcome repository read one store of versions."""

from __future__ import annotations

from datetime import date

import pytest

from carecluster.service import outcomes, records
from carecluster.service.errors import Invalid, NotFound
from carecluster.service.outcome_schemas import OutcomeAmend, OutcomeIn
from carecluster.service.schemas import AssessmentIn, EpisodeIn, ServiceUserIn
from carecluster.service_layer.unit_of_work import FakeUnitOfWork
from tests.service.fakes import account, context, team

BASE = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def test_an_outcome_is_recorded_amended_and_paired_within_its_episode(uow: FakeUnitOfWork) -> None:
    a, b = team(uow, "A"), team(uow, "B")
    me = context(uow, account(uow, "clin", "clinician", a))
    su = records.create_service_user(
        me, ServiceUserIn(nhs_number="9434765919", name="Ann", date_of_birth=date(1980, 1, 1), team_id=a)
    ).id
    answers = {str(i): 3 for i in range(1, 8)}
    with pytest.raises(Invalid, match="no open episode"):
        outcomes.record_outcome(
            me, su, OutcomeIn(measure_id="swemwbs", administered_on=date(2026, 2, 1), answers=answers)
        )
    episode = records.create_episode(me, su, EpisodeIn(referral_date=date(2026, 1, 5)))
    rating = records.create_assessment(
        me, su, AssessmentIn(ratings=BASE, assessed_on=date(2026, 2, 1), super_class="non-psychotic", chosen_cluster=4)
    )
    with pytest.raises(Invalid, match="began on 2026-01-05"):
        outcomes.record_outcome(
            me, su, OutcomeIn(measure_id="swemwbs", administered_on=date(2026, 1, 1), answers=answers)
        )

    first = outcomes.record_outcome(
        me,
        su,
        OutcomeIn(
            measure_id="swemwbs", administered_on=date(2026, 2, 1), answers=answers, assessment_id=rating.assessment.id
        ),
    )
    assert (first.episode_id, first.assessment_id, first.status) == (episode.id, rating.assessment.id, "complete")
    assert outcomes.get_outcome(me, first.id).id == first.id  # found by the records use case too
    later = outcomes.record_outcome(
        me,
        su,
        OutcomeIn(measure_id="swemwbs", administered_on=date(2026, 6, 1), answers={str(i): 5 for i in range(1, 8)}),
    )
    me.expected_version = 1
    fixed = outcomes.amend_outcome(
        me, later.id, OutcomeAmend(amend_reason="item 1 misread", answers={**answers, "1": 4})
    )
    me.expected_version = None
    assert (fixed.version, fixed.answers["1"]) == (2, 4)
    assert [v.version for v in outcomes.outcome_history(me, later.id)] == [1, 2]
    assert [o.id for o in outcomes.list_outcomes(me, su, 10, 0).items] == [later.id, first.id]

    paired = outcomes.paired_outcomes(me, su)
    by_measure = {p.measure_id: p for p in paired}
    assert set(by_measure) == {"honos", "swemwbs"}  # HoNOS comes from the MHCT rating in the episode
    assert [s.record_id for s in by_measure["swemwbs"].scores] == [first.id, later.id]
    assert [s.record_id for s in by_measure["honos"].scores] == [rating.assessment.id]
    with pytest.raises(NotFound):
        outcomes.get_outcome(context(uow, account(uow, "other", "clinician", b)), first.id)
