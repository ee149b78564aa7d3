"""The unit of work commits a block that succeeds and rolls back one that raises, on the fake and
on SQLite; the SQLAlchemy repositories answer as the fakes do for the same writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from carecluster.adapters.repository import AuditFilter
from carecluster.service import people, records
from carecluster.service.errors import Invalid
from carecluster.service.schemas import AssessmentIn, ServiceUserIn, TeamIn
from carecluster.service.security import Actor
from carecluster.service_layer.unit_of_work import AbstractUnitOfWork, FakeUnitOfWork, SqlAlchemyUnitOfWork
from carecluster.store import migrate
from carecluster.store import repository as versions
from carecluster.store.db import Database
from tests.service.fakes import TODAY, account, context, team

RATINGS = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # the engine suggests cluster 4


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


# --- a use case that fails half-way leaves nothing behind ---------------------------------------


def _rate(uow: AbstractUnitOfWork, actor: Actor, su: str, days_ago: int, cluster: int, reason: str) -> None:
    body = AssessmentIn(
        ratings=RATINGS,
        assessed_on=TODAY - timedelta(days=days_ago),
        super_class="non-psychotic",
        chosen_cluster=cluster,
        reason=reason,
    )
    records.create_assessment(context(uow, actor), su, body)


def _clinic(uow: AbstractUnitOfWork) -> tuple[Actor, str]:
    """A person rated in cluster 4, then moved to 5 twenty days ago."""
    a = team(uow, "A")
    clin = account(uow, "clin", "clinician", a)
    person = ServiceUserIn(nhs_number="9434765919", name="Ann Example", date_of_birth=date(1980, 2, 3), team_id=a)
    su = records.create_service_user(context(uow, clin), person).id
    _rate(uow, clin, su, 60, 4, "as suggested")
    _rate(uow, clin, su, 20, 5, "clinical judgement")
    return clin, su


def _fail_half_way(uow: AbstractUnitOfWork, clin: Actor, su: str, seen: Callable[[], None]) -> None:
    """In one block, rate 50 days ago in cluster 4: the assessment and its allocation are written
    and audited, then the cluster period is refused (the current one began later). `seen` looks at
    the store at that moment, before the block rolls back."""
    with uow:
        try:
            _rate(uow, clin, su, 50, 4, "back to four")
        except Invalid:
            seen()
            raise


def _plain(value: Any) -> Any:
    """A fake's state as plain values (rows as their columns), to compare before and after."""
    if hasattr(value, "_sa_instance_state"):
        return (type(value).__name__, versions.row_dict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return sorted(value)
    return value


def _fake_state(uow: FakeUnitOfWork) -> Any:
    return {name: _plain(vars(getattr(uow, name))) for name in FakeUnitOfWork.REPOSITORIES}


def test_a_use_case_failing_half_way_leaves_the_fake_exactly_as_before() -> None:
    uow = FakeUnitOfWork()
    with uow:
        clin, su = _clinic(uow)
    before = _fake_state(uow)
    rows_before, audit_before = len(uow.records.rows), len(uow.audit.rows)
    written: list[tuple[int, int]] = []
    with pytest.raises(Invalid, match="current period began"):
        _fail_half_way(uow, clin, su, lambda: written.append((len(uow.records.rows), len(uow.audit.rows))))
    assert written == [(rows_before + 2, audit_before + 2)]  # it did write: the rollback had work to do
    assert uow.rolled_back
    assert _fake_state(uow) == before
    assert [h["cluster"] for h in records.review_history(context(uow, clin), su)] == [4, 5]


def _database_state(uow: SqlAlchemyUnitOfWork) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the read-model tables too), in a stable order."""
    names = inspect(uow.session.connection()).get_table_names()
    return {
        name: sorted((tuple(r) for r in uow.session.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
        for name in names
    }


def test_the_same_failure_leaves_the_database_as_before(database: Database) -> None:
    with SqlAlchemyUnitOfWork(database) as uow:
        clin, su = _clinic(uow)
    with SqlAlchemyUnitOfWork(database, write=False) as uow:
        before = _database_state(uow)
    failing = SqlAlchemyUnitOfWork(database)
    written: list[dict[str, list[tuple[Any, ...]]]] = []
    with pytest.raises(Invalid, match="current period began"):
        _fail_half_way(failing, clin, su, lambda: written.append(_database_state(failing)))
    grew = {name for name, rows in written[0].items() if len(rows) != len(before[name])}
    assert {"assessments", "allocations", "audit_log"} <= grew  # written in the transaction, then rolled back
    with SqlAlchemyUnitOfWork(database, write=False) as uow:
        assert _database_state(uow) == before
