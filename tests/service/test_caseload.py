"""Caseloads (service/caseload.py) on the in-memory unit of work: who may see whose caseload,
the review clock (from the later of the open period's start and the last review), the filters,
the paging and the audit entry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from carecluster.service import caseload
from carecluster.service.errors import Forbidden, Invalid
from carecluster.service.schemas import CaseloadRow
from carecluster.service_layer.unit_of_work import FakeUnitOfWork
from tests.service.fakes import TODAY, Clinic, account, context, team

ALL = 1000


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def _rows(uow: FakeUnitOfWork, actor_ctx: object, **query: object) -> dict[str, CaseloadRow]:
    params = {"team_id": None, "clinician_id": None, "overdue": None, "cluster": None, "limit": ALL, "offset": 0}
    page = caseload.caseload(actor_ctx, **(params | query))
    return {row.name: row for row in page.items}


def test_the_review_clock_and_what_counts_as_current(uow: FakeUnitOfWork) -> None:
    a, b = team(uow, "A"), team(uow, "B")
    lead = context(uow, account(uow, "lead", "team_lead", a))
    clinic = Clinic(uow)
    due_today = clinic.person("Ann Due Today", a)
    clinic.period(due_today, 4, date(2026, 1, 1))  # 6 months: due 1 July, overdue only from 2 July
    reviewed = clinic.person("Bob Reviewed", a)
    clinic.period(reviewed, 1, date(2026, 1, 1))  # 12 weeks
    clinic.review(reviewed, date(2026, 3, 1), 1)
    clinic.review(reviewed, date(2026, 6, 1), 1)
    clinic.supersede(clinic.review(reviewed, date(2026, 6, 20), 1))  # an amended-away review does not count
    late = clinic.person("Cat Overdue", a)
    clinic.period(late, 4, date(2025, 6, 1))
    clinic.person("Dan Never", a)
    clinic.period(clinic.person("Eve Cluster Nine", a), 9, date(2026, 1, 1))  # no review interval
    clinic.period(clinic.person("Fay Ended", a), 4, date(2025, 1, 1), end=date(2026, 3, 1))
    clinic.person("Gus Other Team", b)
    clinic.supersede(clinic.person("Old Version", a))

    rows = _rows(uow, lead, team_id=a)

    assert list(rows) == ["Ann Due Today", "Bob Reviewed", "Cat Overdue", "Dan Never", "Eve Cluster Nine", "Fay Ended"]
    ann = rows["Ann Due Today"]
    assert (ann.cluster, ann.cluster_since, ann.next_review_due, ann.overdue, ann.days_overdue) == (
        4,
        date(2026, 1, 1),
        date(2026, 7, 1),
        False,
        0,
    )
    bob = rows["Bob Reviewed"]
    assert bob.last_reviewed == date(2026, 6, 1)
    assert bob.next_review_due == date(2026, 6, 1) + timedelta(weeks=12)
    assert not bob.overdue
    cat = rows["Cat Overdue"]
    assert (cat.next_review_due, cat.overdue, cat.days_overdue) == (
        date(2025, 12, 1),
        True,
        (TODAY - date(2025, 12, 1)).days,
    )
    for name in ("Dan Never", "Fay Ended"):
        assert (rows[name].cluster, rows[name].next_review_due, rows[name].overdue) == (None, None, False)
    eve = rows["Eve Cluster Nine"]
    assert (eve.cluster, eve.next_review_due, eve.overdue, eve.episode_exceeded) == (9, None, False, False)
    assert rows["Ann Due Today"].service_user_id == due_today


def test_filters_paging_and_the_audit_entry(uow: FakeUnitOfWork) -> None:
    a = team(uow, "A")
    lead_account = account(uow, "lead", "team_lead", a)
    mine = account(uow, "clin", "clinician", a)
    lead = context(uow, lead_account)
    clinic = Clinic(uow)
    clinic.period(clinic.person("Ann", a, mine.user_id), 4, date(2025, 6, 1))  # overdue
    clinic.period(clinic.person("Bea", a), 4, date(2026, 5, 1))
    clinic.period(clinic.person("Cal", a, mine.user_id), 1, date(2026, 5, 1))
    clinic.person("Dee", a, mine.user_id)

    assert list(_rows(uow, lead, team_id=a, overdue=True)) == ["Ann"]
    assert list(_rows(uow, lead, team_id=a, overdue=False)) == ["Bea", "Cal", "Dee"]
    assert list(_rows(uow, lead, team_id=a, cluster=4)) == ["Ann", "Bea"]
    assert list(_rows(uow, lead, clinician_id=mine.user_id)) == ["Ann", "Cal", "Dee"]

    page = caseload.caseload(lead, team_id=a, clinician_id=None, overdue=None, cluster=None, limit=2, offset=1)
    assert ([r.name for r in page.items], page.total, page.limit, page.offset) == (["Bea", "Cal"], 4, 2, 1)
    event = uow.audit.rows[-1]
    assert (event.action, event.entity, event.username) == ("read_caseload", "service_user", "lead")
    assert event.after == {"record_ids": [r.service_user_id for r in page.items]}
    assert event.detail == f"team={a} clinician=None overdue=None cluster=None offset=1"


def test_caseload_rows_is_not_audited_and_an_empty_caseload_is_empty(uow: FakeUnitOfWork) -> None:
    a = team(uow, "A")
    lead = context(uow, account(uow, "lead", "team_lead", a))
    assert caseload.caseload_rows(lead, team_id=a, clinician_id=None, overdue=None, cluster=None) == []
    assert uow.audit.rows == []
    assert caseload.flags(lead, []) == (set(), set())


def test_who_may_see_whose_caseload(uow: FakeUnitOfWork) -> None:
    a, b = team(uow, "A"), team(uow, "B")
    clinic = Clinic(uow)
    clinic.person("In A", a)
    clinic.person("In B", b)
    clin_a = account(uow, "clin_a", "clinician", a)
    other_a = account(uow, "other_a", "clinician", a)
    clin_b = account(uow, "clin_b", "clinician", b)
    lead_a = context(uow, account(uow, "lead_a", "team_lead", a))
    me = context(uow, clin_a)

    def ask(ctx: object, team_id: int | None = None, clinician_id: int | None = None) -> list[str]:
        return list(_rows(uow, ctx, team_id=team_id, clinician_id=clinician_id))

    with pytest.raises(Invalid) as missing:
        ask(me)
    assert missing.value.errors == [(("query", "team_id"), "give a team_id or a clinician_id")]
    with pytest.raises(Forbidden, match=f"not a member of team {b}"):
        ask(me, team_id=b)
    with pytest.raises(Forbidden, match="their own caseload"):
        ask(me, clinician_id=other_a.user_id)
    with pytest.raises(Forbidden, match=f"clinician {clin_b.user_id} is not in any of your teams"):
        ask(lead_a, clinician_id=clin_b.user_id)
    with pytest.raises(Forbidden):
        ask(context(uow, account(uow, "root", "admin")), team_id=a)
    assert uow.audit.rows == []  # a refusal reads nothing

    assert ask(lead_a, clinician_id=other_a.user_id) == []  # a team lead may look at a colleague's caseload
    assert ask(me, team_id=a) == ["In A"]
    auditor = context(uow, account(uow, "aud", "auditor"))
    assert ask(auditor, team_id=b) == ["In B"]  # an auditor reads every team


def test_a_clinician_sees_only_their_teams_people_on_their_own_caseload(uow: FakeUnitOfWork) -> None:
    a, b = team(uow, "A"), team(uow, "B")
    me = account(uow, "clin", "clinician", a)
    clinic = Clinic(uow)
    clinic.person("Mine In A", a, me.user_id)
    clinic.person("Mine In B", b, me.user_id)  # left over from a move: not readable from team A
    assert list(_rows(uow, context(uow, me), clinician_id=me.user_id)) == ["Mine In A"]
    auditor = context(uow, account(uow, "aud", "auditor"))
    assert list(_rows(uow, auditor, clinician_id=me.user_id)) == ["Mine In A", "Mine In B"]


def test_the_flags_see_every_period_but_only_the_open_ones_red_rule(uow: FakeUnitOfWork) -> None:
    a = team(uow, "A")
    lead = context(uow, account(uow, "lead", "team_lead", a))
    clinic = Clinic(uow)
    red = clinic.person("Red", a)
    chosen = clinic.allocation(red, clinic.assessment(red, date(2026, 5, 1), [0] * 18), reasons=("red_breach",))
    clinic.period(red, 4, date(2026, 5, 1), allocation_id=chosen)
    past_red = clinic.person("Past Red", a)
    old = clinic.allocation(past_red, clinic.assessment(past_red, date(2025, 5, 1), [0] * 18), reasons=("red_breach",))
    clinic.period(past_red, 4, date(2025, 5, 1), allocation_id=old, end=date(2026, 1, 1))
    differs = clinic.person("Differs", a)
    ok = clinic.allocation(
        differs, clinic.assessment(differs, date(2026, 5, 1), [0] * 18), reasons=("differs_from_suggestion",)
    )
    clinic.period(differs, 4, date(2026, 5, 1), allocation_id=ok)
    never = clinic.person("Never", a)

    clustered, red_rule = caseload.flags(lead, [red, past_red, differs, never])
    assert clustered == {red, past_red, differs}
    assert red_rule == {red}
