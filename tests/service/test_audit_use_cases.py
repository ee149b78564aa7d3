"""Reading the audit trail (service/audit.py) on the in-memory unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carecluster.service import audit
from carecluster.service.errors import Forbidden
from carecluster.service_layer.unit_of_work import FakeUnitOfWork
from carecluster.store.db import now
from tests.service.fakes import account, context


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    writer = context(uow, account(uow, "c1", "clinician", 1))
    writer.audit("create", entity="service_user", record_id="su1", service_user_id="su1")
    writer.audit("read", entity="service_user", record_id="su1", service_user_id="su1")
    writer.audit("create", entity="assessment", record_id="as1", service_user_id="su1")
    other = context(uow, account(uow, "c2", "clinician", 1))
    other.audit("read", entity="service_user", record_id="su2", service_user_id="su2")
    return uow


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_auditors_and_admins_read_the_trail_newest_first_and_the_reading_is_logged(
    uow: FakeUnitOfWork, role: str
) -> None:
    reader = context(uow, account(uow, "reader", role))
    page = audit.query_audit(reader, limit=10, offset=0)
    assert [(e.username, e.action, e.record_id) for e in page.items] == [
        ("c2", "read", "su2"),
        ("c1", "create", "as1"),
        ("c1", "read", "su1"),
        ("c1", "create", "su1"),
    ]
    logged = uow.audit.rows[-1]
    assert (logged.username, logged.action, logged.entity) == ("reader", "read_audit", "audit_log")
    assert "offset=0" in (logged.detail or "")


def test_filters_combine_and_page(uow: FakeUnitOfWork) -> None:
    reader = context(uow, account(uow, "reader", "auditor"))
    by_c1 = audit.query_audit(reader, limit=10, offset=0, username="c1", action="create")
    assert [e.record_id for e in by_c1.items] == ["as1", "su1"]
    assert [e.record_id for e in audit.query_audit(reader, limit=10, offset=0, service_user_id="su2").items] == ["su2"]
    assert [e.record_id for e in audit.query_audit(reader, limit=10, offset=0, entity="assessment").items] == ["as1"]
    assert audit.query_audit(reader, limit=10, offset=0, user_id=999).items == []
    second = audit.query_audit(reader, limit=2, offset=2, record_id="su1")
    assert (second.items, second.total) == ([], 2)
    soon = now() + timedelta(minutes=1)
    assert audit.query_audit(reader, limit=10, offset=0, since=soon).total == 0
    assert audit.query_audit(reader, limit=10, offset=0, until=soon).total >= 4


def test_actions_and_person_lookup(uow: FakeUnitOfWork) -> None:
    reader = context(uow, account(uow, "reader", "auditor"))
    assert audit.audit_actions(reader) == ["create", "read"]
    uow.service_users.rows += [("su1", "9990000018"), ("su2", "9990000026"), ("su1", "9990000018")]
    assert audit.person_record_ids(reader, "999 000 0018") == ["su1"]
    assert audit.person_record_ids(reader, "su2") == ["su2"]
    assert audit.person_record_ids(reader, "   ") == []
    assert audit.person_record_ids(reader, "nobody") == []


@pytest.mark.parametrize("role", ["clinician", "team_lead"])
def test_clinical_roles_may_not_read_the_trail(uow: FakeUnitOfWork, role: str) -> None:
    before = len(uow.audit.rows)
    clinician = context(uow, account(uow, "x", role, 1))
    for read in (
        lambda: audit.query_audit(clinician, limit=10, offset=0),
        lambda: audit.audit_actions(clinician),
        lambda: audit.person_record_ids(clinician, "su1"),
    ):
        with pytest.raises(Forbidden, match="audit log"):
            read()
    assert len(uow.audit.rows) == before
