"""The unit of work commits a block that succeeds and rolls back one that raises, on the fake and
on SQLite; the SQLAlchemy repositories answer as the fakes do for the same writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from carecluster.adapters.repository import AuditFilter
from carecluster.service import people
from carecluster.service.schemas import TeamIn
from carecluster.service_layer.unit_of_work import FakeUnitOfWork, SqlAlchemyUnitOfWork
from carecluster.store import migrate
from carecluster.store.db import Database
from tests.service.fakes import account, context, team


def test_the_fake_commits_on_success_and_rolls_back_on_error() -> None:
    with FakeUnitOfWork() as uow:
        pass
    assert (uow.committed, uow.rolled_back) == (True, False)
    failed = FakeUnitOfWork()
    with pytest.raises(RuntimeError), failed:
        raise RuntimeError("stop")
    assert (failed.committed, failed.rolled_back) == (False, True)


@pytest.fixture
def database(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'uow.db'}"
    migrate.upgrade(url)
    db = Database(url)
    yield db
    db.dispose()


def test_sqlalchemy_unit_of_work_commits_or_rolls_back_the_use_case(database: Database) -> None:
    with SqlAlchemyUnitOfWork(database) as uow:
        admin = context(uow, account(uow, "root", "admin"))
        people.create_team(admin, TeamIn(code="A", name="Team A"))
    with pytest.raises(RuntimeError, match="abandon"):
        _write_then_fail(database)
    with SqlAlchemyUnitOfWork(database, write=False) as uow:
        assert [t.code for t in uow.teams.page(10, 0)[0]] == ["A"]
        assert uow.users.by_username("root2") is None
        assert [e.action for e in uow.audit.page(AuditFilter(), 10, 0)[0]] == ["create"]


def _write_then_fail(database: Database) -> None:
    with SqlAlchemyUnitOfWork(database) as uow:
        admin = context(uow, account(uow, "root2", "admin"))
        people.create_team(admin, TeamIn(code="B", name="Team B"))
        raise RuntimeError("abandon")


def test_repositories_agree_with_the_fakes(database: Database) -> None:
    fake = FakeUnitOfWork()
    with SqlAlchemyUnitOfWork(database) as real:
        for uow in (fake, real):
            a, b = team(uow, "A"), team(uow, "B")
            account(uow, "c1", "clinician", a)
            account(uow, "lead", "team_lead", a, b)
            account(uow, "root", "admin")
            account(uow, "old", "admin", active=False)
        for question in (
            lambda u: [x.username for x in u.users.page(10, 0, None, None)[0]],
            lambda u: [x.username for x in u.users.page(10, 0, "clinician", None)[0]],
            lambda u: [x.username for x in u.users.page(1, 1, None, b)[0]],
            lambda u: u.users.page(1, 0, None, a)[1],
            lambda u: [u.users.team_ids(x.id) for x in u.users.page(10, 0, None, None)[0]],
            lambda u: len(u.users.active_admin_ids()),
            lambda u: u.teams.by_code("B").name,
            lambda u: u.teams.by_code("Z"),
            lambda u: u.users.end_sessions(1),
        ):
            assert question(fake) == question(real)
