"""Worklists (service/worklists.py) on the in-memory unit of work: each list holds exactly the
people it should, in due-date order, with the reason and the link that clears it."""

from __future__ import annotations

from datetime import date

import pytest

from carecluster.domain.outcomes.honos import HONOS
from carecluster.service import worklists
from carecluster.service.errors import Forbidden
from carecluster.service_layer.unit_of_work import FakeUnitOfWork
from tests.service.fakes import TODAY, Clinic, account, context, team

BASE = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # HoNOS total 10
RELIABLE = int(HONOS.reliable_change.value)


def _raised(by: int) -> list[int]:
    """BASE with `by` added across HoNOS items 1-6 (each kept within 0-4)."""
    values = list(BASE)
    for item in range(6):
        step = min(by, 4 - values[item])
        values[item] += step
        by -= step
    assert by == 0
    return values


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def _names(found: worklists.Worklists, key: str) -> list[str]:
    return [item.row.name for item in found.lists[key]]


def test_the_review_lists_in_due_order_with_their_links(uow: FakeUnitOfWork) -> None:
    a = team(uow, "A")
    lead = context(uow, account(uow, "lead", "team_lead", a))
    clinic = Clinic(uow)
    one_day = clinic.person("Overdue One Day", a)
    clinic.period(one_day, 4, date(2025, 12, 30))  # due 30 June
    clinic.period(clinic.person("Overdue Long", a), 4, date(2025, 6, 1))  # due 1 December
    clinic.period(clinic.person("Due On The Last Day", a), 4, date(2026, 1, 15))  # due 15 July: today + 14
    soon = clinic.person("Due Soon", a)
    clinic.period(soon, 4, date(2026, 1, 10))
    clinic.period(clinic.person("Due Later", a), 4, date(2026, 1, 16))
    never = clinic.person("Never Clustered", a)

    found = worklists.worklists(lead, team_id=a, clinician_id=None)

    assert _names(found, "overdue") == ["Overdue Long", "Overdue One Day"]
    first, second = found.lists["overdue"]
    assert first.why == f"Review was due 2025-12-01 ({(TODAY - date(2025, 12, 1)).days} days ago)"
    assert second.why == "Review was due 2026-06-30 (1 day ago)"
    assert (second.action, second.action_label) == (f"/review?su={one_day}&current=4&on=2026-07-01", "Review")
    assert _names(found, "due_soon") == ["Due Soon", "Due On The Last Day"]
    assert found.lists["due_soon"][0].why == "Review due 2026-07-10"
    assert found.lists["due_soon"][0].action.startswith(f"/review?su={soon}&")
    assert _names(found, "never_clustered") == ["Never Clustered"]
    item = found.lists["never_clustered"][0]
    assert (item.why, item.action, item.action_label) == (
        "No cluster has ever been allocated",
        f"/service-users/{never}/assess",
        "Rate and allocate",
    )
    assert found.counts == {
        "overdue": 2,
        "due_soon": 2,
        "never_clustered": 1,
        "red_rule": 0,
        "open_questions": 0,
        "deteriorating": 0,
    }


def test_red_rules_open_questions_and_deterioration(uow: FakeUnitOfWork) -> None:
    a = team(uow, "A")
    lead = context(uow, account(uow, "lead", "team_lead", a))
    clinic = Clinic(uow)

    red = clinic.person("Red Rule", a)
    chosen = clinic.allocation(red, clinic.assessment(red, date(2026, 5, 1), BASE), reasons=("red_breach",))
    clinic.period(red, 4, date(2026, 5, 1), allocation_id=chosen)

    asked = clinic.person("Asked", a)
    clinic.allocation(asked, clinic.assessment(asked, date(2026, 4, 1), BASE))
    question = clinic.allocation(asked, clinic.assessment(asked, date(2026, 6, 1), BASE), status="needs_answers")
    answered = clinic.person("Answered Since", a)  # the older allocation asked; the latest one did not
    clinic.allocation(answered, clinic.assessment(answered, date(2026, 4, 1), BASE), status="needs_answers")
    clinic.allocation(answered, clinic.assessment(answered, date(2026, 6, 1), BASE))

    worse = clinic.person("Worse", a)
    clinic.assessment(worse, date(2026, 1, 1), _raised(RELIABLE + 2))  # only the last two count
    clinic.assessment(worse, date(2026, 3, 1), BASE)
    clinic.assessment(worse, date(2026, 6, 1), _raised(RELIABLE))
    nearly = clinic.person("Nearly Worse", a)
    clinic.assessment(nearly, date(2026, 3, 1), BASE)
    clinic.assessment(nearly, date(2026, 6, 1), _raised(RELIABLE - 1))
    amended = clinic.person("Amended Away", a)
    clinic.assessment(amended, date(2026, 3, 1), BASE)
    clinic.supersede(clinic.assessment(amended, date(2026, 6, 1), _raised(RELIABLE)))

    found = worklists.worklists(lead, team_id=a, clinician_id=None)

    assert _names(found, "red_rule") == ["Red Rule"]
    item = found.lists["red_rule"][0]
    assert (item.why, item.action, item.action_label) == (
        "Cluster 4 was chosen against a red rule",
        f"/service-users/{red}/assess",
        "Re-rate",
    )
    assert _names(found, "open_questions") == ["Asked"]
    item = found.lists["open_questions"][0]
    assert (item.why, item.action) == ("The engine's answer is 'needs answers'", f"/allocations/{question}")
    assert _names(found, "deteriorating") == ["Worse"]
    item = found.lists["deteriorating"][0]
    assert (item.why, item.action) == (f"HoNOS total 10 to {10 + RELIABLE}", f"/service-users/{worse}")
    assert "Red Rule" not in _names(found, "never_clustered")


def test_the_audit_entry_names_everyone_listed_once(uow: FakeUnitOfWork) -> None:
    a = team(uow, "A")
    me = account(uow, "clin", "clinician", a)
    clinic = Clinic(uow)
    listed = clinic.person("Never Clustered", a, me.user_id)
    clinic.period(clinic.person("Fine", a, me.user_id), 4, date(2026, 6, 1))
    clinic.person("Someone Else's", a)

    found = worklists.worklists(context(uow, me), team_id=None, clinician_id=me.user_id)

    assert sum(found.counts.values()) == 1
    event = uow.audit.rows[-1]
    assert (event.action, event.entity) == ("read_worklists", "service_user")
    assert event.after == {"record_ids": [listed]}
    assert event.detail == f"team=None clinician={me.user_id}"
    assert len(uow.audit.rows) == 1  # the caseload inside is not audited separately


def test_an_admin_or_another_team_is_refused(uow: FakeUnitOfWork) -> None:
    a, b = team(uow, "A"), team(uow, "B")
    with pytest.raises(Forbidden):
        worklists.worklists(context(uow, account(uow, "root", "admin")), team_id=a, clinician_id=None)
    with pytest.raises(Forbidden):
        worklists.worklists(context(uow, account(uow, "clin_b", "clinician", b)), team_id=a, clinician_id=None)
    assert uow.audit.rows == []


def test_an_empty_caseload_has_empty_lists(uow: FakeUnitOfWork) -> None:
    a = team(uow, "A")
    found = worklists.worklists(context(uow, account(uow, "lead", "team_lead", a)), team_id=a, clinician_id=None)
    assert found.counts == dict.fromkeys(found.counts, 0)
    assert set(found.lists) == {key for key, _ in worklists.LISTS}
