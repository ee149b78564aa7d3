"""The web pages' read views (service/web_views.py) on the in-memory unit of work: whom a user may
pick as clinician, which teams they read, staff names, one person's review date and banner."""

from __future__ import annotations

from datetime import date

import pytest

from carecluster.service import web_views
from carecluster.service.errors import Forbidden, NotFound
from carecluster.service_layer.unit_of_work import FakeUnitOfWork
from tests.service.fakes import Clinic, account, context, team


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def test_clinicians_are_the_active_clinical_staff_of_teams_the_user_reads(uow: FakeUnitOfWork) -> None:
    a, b, c = team(uow, "A"), team(uow, "B"), team(uow, "C")
    lead = account(uow, "zoe.lead", "team_lead", a, b)
    both = account(uow, "amy.both", "clinician", a, c)
    account(uow, "bea.gone", "clinician", a, active=False)
    account(uow, "carl.auditor", "auditor", a)
    in_c = account(uow, "cy.only", "clinician", c)

    mine = web_views.clinicians(context(uow, lead))
    assert [(p.name, p.role, p.team_ids) for p in mine] == [
        ("Amy.Both", "clinician", (a,)),  # only the teams the lead reads
        ("Zoe.Lead", "team_lead", (a, b)),
    ]
    assert [p.id for p in web_views.clinicians(context(uow, lead), [b, c])] == [lead.user_id]  # c is not theirs
    everyone = web_views.clinicians(context(uow, account(uow, "aud", "auditor")))
    assert [(p.id, p.team_ids) for p in everyone] == [
        (both.user_id, (a, c)),
        (in_c.user_id, (c,)),
        (lead.user_id, (a, b)),
    ]
    with pytest.raises(Forbidden):
        web_views.clinicians(context(uow, account(uow, "root", "admin")))


def test_readable_teams_and_staff_names(uow: FakeUnitOfWork) -> None:
    b, a = team(uow, "B"), team(uow, "A")
    team(uow, "C")
    me = account(uow, "clin", "clinician", a, b)
    assert [t.code for t in web_views.teams_readable(context(uow, me))] == ["A", "B"]
    assert [t.code for t in web_views.teams_readable(context(uow, account(uow, "aud", "auditor")))] == ["A", "B", "C"]
    assert web_views.teams_readable(context(uow, account(uow, "lost", "clinician"))) == []
    assert web_views.user_names(context(uow, me), {me.user_id, 999}) == {me.user_id: "Clin"}
    assert web_views.user_names(context(uow, me), set()) == {}


def test_the_banner_and_review_date_of_one_person(uow: FakeUnitOfWork) -> None:
    a, b = team(uow, "A"), team(uow, "B")
    me = context(uow, account(uow, "clin", "clinician", a))
    clinic = Clinic(uow)
    su = clinic.person("Ann Example", a)
    assert web_views.review_schedule(me, su) is None  # no cluster yet
    banner = web_views.person_banner(me, su)
    assert banner is not None
    assert (banner.name, banner.team, banner.cluster, banner.next_review_due, banner.overdue) == (
        "Ann Example",
        "A: Team A",
        None,
        None,
        False,
    )
    assert banner.nhs_spaced == "943 476 5919"

    clinic.period(su, 4, date(2025, 6, 1))
    clinic.review(su, date(2026, 1, 10), 4)  # the clock restarts at the last review
    schedule = web_views.review_schedule(me, su)
    assert schedule is not None
    assert (schedule.allocated, schedule.next_review_due, schedule.overdue) == (
        date(2026, 1, 10),
        date(2026, 7, 10),
        False,
    )
    banner = web_views.person_banner(me, su)
    assert banner is not None
    assert (banner.cluster, banner.cluster_title, banner.next_review_due) == (
        4,
        me.reference.cluster(4).title,
        date(2026, 7, 10),
    )

    nine = clinic.person("Nine", a)
    clinic.period(nine, 9, date(2026, 1, 1))
    assert web_views.review_schedule(me, nine) is None  # cluster 9 has no review interval
    assert web_views.person_banner(me, "nobody") is None
    assert web_views.review_schedule(me, "nobody") is None
    with pytest.raises(NotFound):
        web_views.person_banner(me, clinic.person("Elsewhere", b))


def test_a_web_caseload_view_of_an_empty_caseload(uow: FakeUnitOfWork) -> None:
    a = team(uow, "A")
    lead = context(uow, account(uow, "lead", "team_lead", a))
    view = web_views.caseload_view(
        lead, team_id=a, clinician_id=None, overdue=None, cluster=None, sort="due", limit=25, offset=0
    )
    assert (view.entries, view.total, view.counts) == (
        [],
        0,
        {"overdue": 0, "never_clustered": 0, "red_rule_broken": 0},
    )
    assert uow.audit.rows[-1].detail.startswith(f"web: team={a} ")
