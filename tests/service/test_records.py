"""Clinical records (service/records.py) on the in-memory unit of work: service users, episodes
of care, ratings with their allocations and cluster periods, and reviews - every write a new
audited version, every refusal storing nothing it should not."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from carecluster.service import records
from carecluster.service.context import Context
from carecluster.service.errors import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from carecluster.service.schemas import (
    AnswersIn,
    AssessmentAmend,
    AssessmentIn,
    ChoiceIn,
    EpisodeAmend,
    EpisodeDischargeIn,
    EpisodeIn,
    EpisodeTransferIn,
    PeriodAmend,
    ReviewAmend,
    ReviewIn,
    ServiceUserAmend,
    ServiceUserIn,
)
from carecluster.service_layer.unit_of_work import FakeUnitOfWork
from carecluster.store.models import Allocation, Assessment, AssignmentPeriod, Episode, ServiceUser
from tests.service.fakes import TODAY, account, context, team

BASE = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # non-psychotic: the engine suggests cluster 4


def nhs(serial: int) -> str:
    """A 10-digit NHS number with a valid modulus 11 check digit (serials whose check is 10 are skipped)."""
    while True:
        digits = f"943{serial:06d}"
        check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return digits + str(0 if check == 11 else check)
        serial += 1


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def world(uow: FakeUnitOfWork) -> dict[str, Any]:
    a, b = team(uow, "A"), team(uow, "B")
    return {
        "a": a,
        "b": b,
        "clin": account(uow, "clin", "clinician", a),
        "both": account(uow, "both", "clinician", a, b),
        "clin_b": account(uow, "clin_b", "clinician", b),
        "auditor": account(uow, "aud", "auditor"),
    }


def _person(ctx: Context, team_id: int, serial: int = 1, name: str = "Ann Example", **more: Any) -> str:
    made = records.create_service_user(
        ctx, ServiceUserIn(nhs_number=nhs(serial), name=name, date_of_birth=date(1980, 2, 3), team_id=team_id, **more)
    )
    return made.id


def _assess(ctx: Context, su: str, days_ago: int, **more: Any) -> Any:
    body = {"ratings": BASE, "assessed_on": TODAY - timedelta(days=days_ago), "super_class": "non-psychotic"}
    return records.create_assessment(ctx, su, AssessmentIn(**(body | more)))


def test_a_service_user_is_created_read_and_listed(uow: FakeUnitOfWork, world: dict[str, Any]) -> None:
    me = context(uow, world["clin"])
    su = _person(me, world["a"], 1, "Ann Example", clinician_id=world["clin"].user_id)
    created = uow.audit.rows[-1]
    assert (created.action, created.entity, created.record_id, created.after["name"]) == (
        "create",
        "service_user",
        su,
        "Ann Example",
    )
    got = records.get_service_user(me, su)
    assert (got.name, got.version, got.clinician_id) == ("Ann Example", 1, world["clin"].user_id)
    assert uow.audit.rows[-1].action == "read"

    _person(me, world["a"], 2, "Bob 100% Sure")
    _person(context(uow, world["clin_b"]), world["b"], 3, "Cat In B")
    listed = records.list_service_users(me, 10, 0)
    assert [p.name for p in listed.items] == ["Ann Example", "Bob 100% Sure"]  # team B is not mine
    assert [p.name for p in records.list_service_users(me, 10, 0, name="100%").items] == ["Bob 100% Sure"]
    assert [p.name for p in records.list_service_users(me, 10, 0, name="ann ex").items] == ["Ann Example"]
    spaced = f"{nhs(1)[:3]} {nhs(1)[3:6]} {nhs(1)[6:]}"
    assert [p.id for p in records.list_service_users(me, 10, 0, nhs_number=spaced).items] == [su]
    assert records.list_service_users(me, 10, 0, clinician_id=world["clin"].user_id).total == 1
    auditor = context(uow, world["auditor"])
    everyone = records.list_service_users(auditor, 2, 1)
    assert ([p.name for p in everyone.items], everyone.total) == (["Bob 100% Sure", "Cat In B"], 3)
    assert uow.audit.rows[-1].after == {"record_ids": [p.id for p in everyone.items]}
    with pytest.raises(NotFound):
        records.get_service_user(context(uow, world["clin_b"]), su)  # another team's person is not there for them
    with pytest.raises(NotFound):
        records.get_service_user(me, "no-such-record")


def test_creating_a_service_user_checks_team_clinician_and_nhs_number(
    uow: FakeUnitOfWork, world: dict[str, Any]
) -> None:
    me = context(uow, world["clin"])
    _person(me, world["a"], 1)
    stored = len(uow.records.rows)
    with pytest.raises(Conflict, match=f"NHS number {nhs(1)} is already recorded"):
        _person(me, world["a"], 1, "Someone Else")
    with pytest.raises(Forbidden, match=f"not a member of team {world['b']}"):
        _person(me, world["b"], 2)
    with pytest.raises(Invalid, match="is not a clinician"):
        _person(me, world["a"], 2, clinician_id=world["auditor"].user_id)
    with pytest.raises(Invalid, match=f"is not a member of team {world['a']}"):
        _person(me, world["a"], 2, clinician_id=world["clin_b"].user_id)
    with pytest.raises(Invalid, match="team 99 does not exist"):
        _person(context(uow, account(uow, "ghost", "clinician", 99)), 99, 2)
    assert len(uow.records.rows) == stored


def test_an_amendment_is_a_new_version_checked_against_the_one_read(uow: FakeUnitOfWork, world: dict[str, Any]) -> None:
    me = context(uow, world["clin"])
    su = _person(me, world["a"], 1)
    other = _person(me, world["a"], 2, "Other Person")
    me.expected_version = 1
    amended = records.amend_service_user(me, su, ServiceUserAmend(amend_reason="typo in name", name="Ann Exampel"))
    assert (amended.version, amended.name, amended.amend_reason) == (2, "Ann Exampel", "typo in name")
    event = uow.audit.rows[-1]
    assert (event.action, event.before["name"], event.after["name"], event.detail) == (
        "amend",
        "Ann Example",
        "Ann Exampel",
        "typo in name",
    )
    with pytest.raises(PreconditionFailed, match="version 2 is current"):
        records.amend_service_user(me, su, ServiceUserAmend(amend_reason="again", name="Ann"))
    me.expected_version = None
    with pytest.raises(Conflict, match="another current service user has that NHS number"):
        records.amend_service_user(me, other, ServiceUserAmend(amend_reason="merge", nhs_number=nhs(1)))
    history = records.history(me, ServiceUser, su)
    assert [(v.version, v.name) for v in history] == [(1, "Ann Example"), (2, "Ann Exampel")]
    assert history[0].superseded_at is not None
    with pytest.raises(NotFound, match="service user not found"):
        records.history(me, ServiceUser, "nothing")


def test_an_episode_of_care_opens_moves_team_and_ends(uow: FakeUnitOfWork, world: dict[str, Any]) -> None:
    me = context(uow, world["both"])
    su = _person(me, world["a"], 1, clinician_id=world["both"].user_id)
    with pytest.raises(Invalid, match="referral date is in the future"):
        records.create_episode(me, su, EpisodeIn(referral_date=TODAY + timedelta(days=1)))
    episode = records.create_episode(me, su, EpisodeIn(referral_date=date(2026, 1, 5)))
    assert (episode.team_id, episode.discharge_date) == (world["a"], None)
    with pytest.raises(Conflict, match="open episode"):
        records.create_episode(me, su, EpisodeIn(referral_date=date(2026, 2, 1)))
    assert records.open_episode(me, su).record_id == episode.id

    with pytest.raises(Invalid, match="already with that team"):
        records.transfer_episode(
            me, episode.id, EpisodeTransferIn(team_id=world["a"], transferred_on=TODAY, reason="move")
        )
    with pytest.raises(Invalid, match="after this date"):
        records.transfer_episode(
            me, episode.id, EpisodeTransferIn(team_id=world["b"], transferred_on=date(2026, 1, 1), reason="move")
        )
    moved = records.transfer_episode(
        me, episode.id, EpisodeTransferIn(team_id=world["b"], transferred_on=date(2026, 6, 1), reason="moved house")
    )
    assert (moved.team_id, moved.version) == (world["b"], 2)
    person = records.get_service_user(me, su)
    assert (person.team_id, person.clinician_id) == (world["b"], world["both"].user_id)  # the clinician is in B too

    _assess(me, su, 30, chosen_cluster=4)
    with pytest.raises(Invalid, match="in the future"):
        records.discharge_episode(
            me, episode.id, EpisodeDischargeIn(discharge_date=TODAY + timedelta(days=1), discharge_reason="done")
        )
    ended = records.discharge_episode(me, episode.id, EpisodeDischargeIn(discharge_date=TODAY, discharge_reason="well"))
    assert (ended.discharge_date, ended.discharge_reason) == (TODAY, "well")
    assert records.current_cluster(me, su) is None  # the cluster period ended with the episode
    with pytest.raises(Conflict, match="already ended"):
        records.discharge_episode(me, episode.id, EpisodeDischargeIn(discharge_date=TODAY, discharge_reason="again"))
    with pytest.raises(Conflict, match="open a new episode"):
        records.transfer_episode(
            me, episode.id, EpisodeTransferIn(team_id=world["a"], transferred_on=TODAY, reason="moving")
        )
    with pytest.raises(Invalid, match="before the referral date"):
        records.amend_episode(me, episode.id, EpisodeAmend(amend_reason="fix", discharge_date=date(2025, 1, 1)))
    listed = records.list_children(me, Episode, su, 10, 0)
    assert [(e.id, e.version) for e in listed.items] == [(episode.id, 3)]  # opened, moved, ended
    assert records.get_child(me, Episode, episode.id).discharge_date == TODAY


def test_a_transfer_clears_a_clinician_who_is_not_in_the_receiving_team(
    uow: FakeUnitOfWork, world: dict[str, Any]
) -> None:
    me = context(uow, world["both"])
    su = _person(me, world["a"], 1, clinician_id=world["clin"].user_id)
    episode = records.create_episode(me, su, EpisodeIn(referral_date=date(2026, 1, 5)))
    records.transfer_episode(
        me, episode.id, EpisodeTransferIn(team_id=world["b"], transferred_on=TODAY, reason="moved")
    )
    person = records.get_service_user(me, su)
    assert (person.team_id, person.clinician_id, person.version) == (world["b"], None, 2)


def test_a_rating_stores_its_allocation_and_opens_a_cluster_period(uow: FakeUnitOfWork, world: dict[str, Any]) -> None:
    me = context(uow, world["clin"])
    su = _person(me, world["a"], 1)
    episode = records.create_episode(me, su, EpisodeIn(referral_date=date(2026, 1, 5)))
    first = _assess(me, su, 60, chosen_cluster=4)
    assert first.assessment.episode_id == episode.id  # the open episode, when none is named
    assert (first.allocation.suggested_cluster, first.allocation.chosen_cluster, first.allocation.reason_required) == (
        4,
        4,
        [],
    )
    assert records.current_cluster(me, su) == 4
    _assess(me, su, 40, chosen_cluster=4)  # the same cluster continues: one period
    periods = records.list_children(me, AssignmentPeriod, su, 10, 0).items
    assert [(p.cluster, p.start_date, p.end_date) for p in periods] == [(4, TODAY - timedelta(days=60), None)]

    with pytest.raises(Invalid, match="reason"):
        _assess(me, su, 20, chosen_cluster=5)  # differs from the suggestion: a reason is due
    moved = _assess(me, su, 20, chosen_cluster=5, reason="clinical judgement")
    assert [c["code"] for c in moved.allocation.reason_required] == ["differs_from_suggestion"]
    periods = records.list_children(me, AssignmentPeriod, su, 10, 0).items
    assert [(p.cluster, p.end_date) for p in periods] == [(5, None), (4, TODAY - timedelta(days=20))]
    assert moved.allocation.previous_cluster == 4
    history = records.review_history(me, su)
    assert [(h["date"], h["cluster"]) for h in history] == [
        (TODAY - timedelta(days=60), 4),
        (TODAY - timedelta(days=40), 4),
        (TODAY - timedelta(days=20), 5),
    ]
    with pytest.raises(Invalid, match="current period began"), uow:  # refused after the rating was written
        _assess(me, su, 50, chosen_cluster=4, reason="back to four")
    assert records.review_history(me, su) == history  # ... and the rollback took it away again
    with pytest.raises(Invalid, match="in the future"):
        _assess(me, su, -1)
    with pytest.raises(Invalid, match="no such episode"):
        _assess(me, su, 1, episode_id="not-an-episode")
    assert [p.cluster for p in records.list_children(me, AssignmentPeriod, su, 10, 0).items] == [5, 4]


def test_a_choice_made_later_and_questions_answered(uow: FakeUnitOfWork, world: dict[str, Any]) -> None:
    me = context(uow, world["clin"])
    su = _person(me, world["a"], 1)
    open_one = _assess(me, su, 10)
    assert open_one.allocation.chosen_cluster is None
    assert records.current_cluster(me, su) is None
    chosen = records.choose_cluster(me, open_one.allocation.id, ChoiceIn(chosen_cluster=4))
    assert (chosen.chosen_cluster, chosen.version, chosen.chosen_by) == (4, 2, world["clin"].user_id)
    assert records.current_cluster(me, su) == 4
    with pytest.raises(Invalid, match="say why it changes"):
        records.choose_cluster(me, open_one.allocation.id, ChoiceIn(chosen_cluster=5, reason="judgement"))
    me.expected_version = 2
    changed = records.choose_cluster(
        me, open_one.allocation.id, ChoiceIn(chosen_cluster=5, reason="judgement", amend_reason="second look")
    )
    me.expected_version = None
    assert (changed.chosen_cluster, changed.version) == (5, 3)
    periods = records.list_children(me, AssignmentPeriod, su, 10, 0).items
    assert [(p.cluster, p.version) for p in periods] == [(5, 2)]  # the choice's own period is amended
    with pytest.raises(Conflict, match="already chosen"):
        records.answer_questions(me, open_one.allocation.id, AnswersIn(facts={"first_presentation_psychosis": True}))

    asked = _assess(me, su, 5, super_class="psychotic")
    status = asked.allocation.suggestion["status"]
    assert status != "suggested"
    answered = records.answer_questions(
        me, asked.allocation.id, AnswersIn(facts={"first_presentation_psychosis": True})
    )
    assert answered.version == 2
    assert answered.amend_reason == "questions answered: first_presentation_psychosis=yes"
    assert records.stored_facts(answered.suggestion) == {"first_presentation_psychosis": True}
    assert records.get_child(me, Allocation, asked.allocation.id).version == 2


def test_amending_an_assessment_and_a_period(uow: FakeUnitOfWork, world: dict[str, Any]) -> None:
    me = context(uow, world["clin"])
    su = _person(me, world["a"], 1)
    made = _assess(me, su, 30, chosen_cluster=4)
    me.expected_version = 1
    with pytest.raises(Invalid, match="in the future"):
        records.amend_assessment(
            me, made.assessment.id, AssessmentAmend(amend_reason="date", assessed_on=TODAY + timedelta(days=1))
        )
    fixed = records.amend_assessment(
        me, made.assessment.id, AssessmentAmend(amend_reason="date", assessed_on=TODAY - timedelta(days=31))
    )
    assert (fixed.assessed_on, fixed.ratings, fixed.version) == (TODAY - timedelta(days=31), BASE, 2)
    period = records.list_children(me, AssignmentPeriod, su, 10, 0).items[0]
    with pytest.raises(Invalid, match="cannot end"):
        records.amend_period(
            me, period.id, PeriodAmend(amend_reason="end", end_date=period.start_date - timedelta(days=1))
        )
    ended = records.amend_period(me, period.id, PeriodAmend(amend_reason="end", end_date=TODAY))
    assert (ended.end_date, ended.version) == (TODAY, 2)
    assert [a.version for a in records.history(me, Assessment, made.assessment.id)] == [1, 2]
    with pytest.raises(NotFound, match="assessment not found"):
        records.get_child(context(uow, world["clin_b"]), Assessment, made.assessment.id)


def test_a_review_against_the_current_cluster(uow: FakeUnitOfWork, world: dict[str, Any]) -> None:
    me = context(uow, world["clin"])
    su = _person(me, world["a"], 1)
    data = ReviewIn(ratings=BASE, reviewed_on=TODAY, chosen_cluster=4, reason="steady", super_class="non-psychotic")
    with pytest.raises(Invalid, match="no current cluster"):
        records.preview_review(me, su, data)
    _assess(me, su, 200, chosen_cluster=4)
    preview = records.preview_review(me, su, data)
    assert preview.current == 4
    made = records.create_review(me, su, data)
    assert (made.review.current_cluster, made.review.outcome) == (4, preview.result.outcome)
    assert made.allocation.suggestion == preview.allocation.model_dump(mode="json")  # what was shown is stored
    assert made.assessment.clustering_event == "planned_review"
    assert records.last_reviews(me, [su]) == {su: TODAY}
    amended = records.amend_review(me, made.review.id, ReviewAmend(amend_reason="wording", reason="stable and well"))
    assert (amended.version, amended.reason) == (2, "stable and well")
    with pytest.raises(Invalid, match="episode of care ends at review only"):
        records.create_review(me, su, data.model_copy(update={"end_episode": True}))
