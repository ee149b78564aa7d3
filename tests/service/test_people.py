"""Teams and accounts (service/people.py) on the in-memory unit of work."""

from __future__ import annotations

import pytest

from carecluster.service import people
from carecluster.service.errors import Conflict, Forbidden, Invalid, NotFound
from carecluster.service.schemas import TeamIn, TeamOut, UserIn, UserOut, UserUpdate
from carecluster.service.security import verify_password
from carecluster.service_layer.unit_of_work import FakeUnitOfWork
from tests.service.fakes import account, context, team

PASSWORD = "correct-horse-battery"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def test_an_admin_creates_a_team_and_it_is_audited(uow: FakeUnitOfWork) -> None:
    admin = context(uow, account(uow, "root", "admin"))
    made = people.create_team(admin, TeamIn(code="NE", name="North East"))
    assert isinstance(made, TeamOut)
    assert (made.code, made.name) == ("NE", "North East")
    assert people.list_teams(admin, 10, 0).items == [made]
    event = uow.audit.rows[-1]
    assert (event.action, event.entity, event.record_id, event.after) == (
        "create",
        "team",
        str(made.id),
        made.model_dump(mode="json"),
    )
    with pytest.raises(Conflict, match="code NE exists"):
        people.create_team(admin, TeamIn(code="NE", name="Again"))


def test_only_an_admin_manages_accounts(uow: FakeUnitOfWork) -> None:
    clinician = context(uow, account(uow, "c1", "clinician"))
    with pytest.raises(Forbidden, match="only an admin"):
        people.create_team(clinician, TeamIn(code="X", name="X"))
    with pytest.raises(Forbidden):
        people.list_users(clinician, 10, 0)
    with pytest.raises(Forbidden):
        people.update_user(clinician, clinician.actor.user_id, UserUpdate(full_name="Me"))
    with pytest.raises(Forbidden):
        people.privileged_changes(clinician, 10, 0)
    assert uow.audit.rows == []


def test_a_user_reads_itself_but_not_others(uow: FakeUnitOfWork) -> None:
    a = team(uow, "A")
    me = context(uow, account(uow, "c1", "clinician", a))
    other = account(uow, "c2", "clinician", a)
    seen = people.get_user(me, me.actor.user_id)
    assert isinstance(seen, UserOut)
    assert (seen.username, seen.team_ids) == ("c1", [a])
    with pytest.raises(Forbidden):
        people.get_user(me, other.user_id)
    admin = context(uow, account(uow, "root", "admin"))
    with pytest.raises(NotFound):
        people.get_user(admin, 999)


def test_create_user_checks_name_and_teams_and_hashes_the_password(uow: FakeUnitOfWork) -> None:
    a, b = team(uow, "A"), team(uow, "B")
    admin = context(uow, account(uow, "root", "admin"))
    made = people.create_user(
        admin, UserIn(username="new.one", full_name="New One", role="clinician", password=PASSWORD, team_ids=[b, a, b])
    )
    assert (made.username, made.role, made.active, made.team_ids) == ("new.one", "clinician", True, [a, b])
    stored = uow.users.get(made.id)
    assert stored is not None
    assert stored.password_hash != PASSWORD
    assert verify_password(stored.password_hash, PASSWORD)
    assert "password" not in str(uow.audit.rows[-1].after)
    with pytest.raises(Conflict, match=r"new\.one exists"):
        people.create_user(admin, UserIn(username="new.one", full_name="X", role="auditor", password=PASSWORD))
    with pytest.raises(Invalid) as refused:
        people.create_user(
            admin, UserIn(username="other", full_name="X", role="auditor", password=PASSWORD, team_ids=[a, 77])
        )
    assert refused.value.errors == [(("body", "team_ids", 1), "team 77 does not exist")]
    assert uow.users.by_username("other") is None


def test_list_users_filters_by_role_and_team_and_pages(uow: FakeUnitOfWork) -> None:
    a, b = team(uow, "A"), team(uow, "B")
    admin = context(uow, account(uow, "root", "admin"))
    account(uow, "c1", "clinician", a)
    account(uow, "c2", "clinician", b)
    account(uow, "lead", "team_lead", a, b)
    assert [u.username for u in people.list_users(admin, 10, 0).items] == ["root", "c1", "c2", "lead"]
    assert [u.username for u in people.list_users(admin, 10, 0, role="clinician").items] == ["c1", "c2"]
    assert [u.username for u in people.list_users(admin, 10, 0, team_id=b).items] == ["c2", "lead"]
    second = people.list_users(admin, 2, 2)
    assert ([u.username for u in second.items], second.total) == (["c2", "lead"], 4)


def test_update_records_before_and_after_and_ends_sessions_on_new_powers(uow: FakeUnitOfWork) -> None:
    a, b = team(uow, "A"), team(uow, "B")
    admin = context(uow, account(uow, "root", "admin"))
    target = account(uow, "c1", "clinician", a)
    uow.users.sessions[target.user_id] = 3
    renamed = people.update_user(admin, target.user_id, UserUpdate(full_name="Cee One", team_ids=[b]))
    assert (renamed.full_name, renamed.team_ids) == ("Cee One", [b])
    event = uow.audit.rows[-1]
    assert event.before["team_ids"] == [a]
    assert event.after["team_ids"] == [b]
    assert event.detail == "full_name 'C1' -> 'Cee One'; team_ids [1] -> [2]"
    assert uow.users.sessions[target.user_id] == 3  # a rename leaves the sessions running
    people.update_user(admin, target.user_id, UserUpdate(role="auditor"))
    assert uow.audit.rows[-1].detail == "role 'clinician' -> 'auditor'; sessions ended (3)"
    assert target.user_id not in uow.users.sessions
    with pytest.raises(NotFound):
        people.update_user(admin, 999, UserUpdate(full_name="Nobody"))
    with pytest.raises(Invalid):
        people.update_user(admin, target.user_id, UserUpdate(team_ids=[99]))


def test_a_new_password_unlocks_and_signs_out(uow: FakeUnitOfWork) -> None:
    admin = context(uow, account(uow, "root", "admin"))
    target = account(uow, "c1", "clinician")
    stored = uow.users.get(target.user_id)
    assert stored is not None
    stored.failed_logins = 5
    uow.users.sessions[target.user_id] = 1
    people.update_user(admin, target.user_id, UserUpdate(password=PASSWORD))
    assert stored.failed_logins == 0
    assert stored.locked_until is None
    assert verify_password(stored.password_hash, PASSWORD)
    assert uow.audit.rows[-1].detail == "password changed; sessions ended (1)"
    assert people.update_user(admin, target.user_id, UserUpdate()).username == "c1"
    assert uow.audit.rows[-1].detail == "no change"


def test_separation_of_duties_and_the_last_admin(uow: FakeUnitOfWork) -> None:
    me = account(uow, "root", "admin")
    admin = context(uow, me)
    with pytest.raises(Forbidden, match="its own role"):
        people.update_user(admin, me.user_id, UserUpdate(role="clinician"))
    with pytest.raises(Forbidden, match="deactivate itself"):
        people.update_user(admin, me.user_id, UserUpdate(active=False))
    other = account(uow, "second", "admin")
    people.update_user(admin, other.user_id, UserUpdate(role="auditor"))
    # now `root` is the last active admin: another admin (made inactive here) cannot demote it
    stale = context(uow, account(uow, "third", "admin", active=False))
    with pytest.raises(Conflict, match="last active admin"):
        people.update_user(stale, me.user_id, UserUpdate(active=False))
    with pytest.raises(Conflict, match="last active admin"):
        people.update_user(stale, me.user_id, UserUpdate(role="clinician"))
    assert people.update_user(admin, me.user_id, UserUpdate(full_name="Still Admin")).role == "admin"


def test_privileged_changes_lists_account_and_team_changes_newest_first(uow: FakeUnitOfWork) -> None:
    admin = context(uow, account(uow, "root", "admin"))
    people.create_team(admin, TeamIn(code="A", name="A"))
    admin.audit("read", entity="user", record_id="1")
    admin.audit("create", entity="service_user", record_id="x")
    made = people.create_user(admin, UserIn(username="u1", full_name="U", role="auditor", password=PASSWORD))
    listed = people.privileged_changes(admin, 10, 0)
    assert [(e.action, e.entity, e.record_id) for e in listed.items] == [
        ("create", "user", str(made.id)),
        ("create", "team", "1"),
    ]
    assert listed.total == 2


def test_user_out_is_a_schema_with_the_teams(uow: FakeUnitOfWork) -> None:
    a = team(uow, "A")
    actor = account(uow, "c1", "clinician", a)
    stored = uow.users.get(actor.user_id)
    assert stored is not None
    out = people.user_out(context(uow, actor), stored)
    assert isinstance(out, UserOut)
    assert out.team_ids == [a]
