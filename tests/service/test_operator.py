"""Account work at the server's console (service/operator.py) on the in-memory unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carecluster.service import operator, throttle
from carecluster.service.errors import Conflict, Invalid, NotFound
from carecluster.service.schemas import UserOut
from carecluster.service.security import verify_password
from carecluster.service_layer.unit_of_work import FakeUnitOfWork
from carecluster.store.db import now
from tests.service.fakes import account

PASSWORD = "a-long-enough-password"


def test_create_admin_validates_refuses_a_taken_name_and_is_audited_as_the_operator() -> None:
    uow = FakeUnitOfWork()
    made = operator.create_admin(uow, "first.admin", "First Admin", PASSWORD)
    assert isinstance(made, UserOut)
    assert (made.username, made.role, made.active) == ("first.admin", "admin", True)
    stored = uow.users.get(made.id)
    assert stored is not None
    assert verify_password(stored.password_hash, PASSWORD)
    event = uow.audit.rows[-1]
    assert (event.user_id, event.role, event.client, event.action) == (None, "operator", "cli", "create")
    assert event.username.startswith("operator:")
    assert event.after == {
        "id": made.id,
        "username": "first.admin",
        "full_name": "First Admin",
        "role": "admin",
        "active": True,
    }
    with pytest.raises(Conflict, match="exists"):
        operator.create_admin(uow, "first.admin", "Again", PASSWORD)
    with pytest.raises(Invalid) as short:
        operator.create_admin(uow, "second", "Second", "short")
    assert short.value.errors[0][0] == ("password",)
    assert uow.users.by_username("second") is None


def test_reset_password_unlock_and_the_account_list() -> None:
    uow = FakeUnitOfWork()
    actor = account(uow, "c1", "clinician")
    stored = uow.users.get(actor.user_id)
    assert stored is not None
    stored.failed_logins = 4
    key = throttle.account_key("c1")
    uow.sign_in_delays.blocked = {
        (key, "10.0.0.1"): now() + timedelta(minutes=5),
        (key, "10.0.0.2"): now() - timedelta(minutes=1),
    }
    uow.users.sessions[actor.user_id] = 2
    lines = operator.list_accounts(uow)
    assert [(a.username, a.failed_logins, a.throttled_addresses) for a in lines] == [("c1", 4, 1)]
    assert operator.unlock(uow, "c1") == 2
    assert stored.failed_logins == 0
    assert uow.audit.rows[-1].detail == "sign-in throttle cleared for 2 address(es)"
    assert operator.reset_password(uow, "c1", PASSWORD) == 2
    assert verify_password(stored.password_hash, PASSWORD)
    assert uow.audit.rows[-1].detail == "password reset at the server console; sessions ended (2)"
    with pytest.raises(NotFound, match="no user named 'nobody'"):
        operator.unlock(uow, "nobody")
    with pytest.raises(Invalid):
        operator.reset_password(uow, "c1", "short")
