"""Demo data: synthetic people only, histories across every cluster, the four named logins."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from carecluster.reference import ReferenceSet
from carecluster.service.demo import DEMO_PASSWORD, DEMO_USERS, create_demo_data
from carecluster.service.nhs import nhs_number_problem
from carecluster.service.security import verify_password
from carecluster.store import migrate
from carecluster.store.db import Database
from carecluster.store.models import Allocation, AssignmentPeriod, AuditEvent, Review, ServiceUser, User


def test_demo_data_covers_every_cluster_with_valid_test_range_numbers(tmp_path: Path, reference: ReferenceSet) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    db = Database(url)
    summary = create_demo_data(db, reference, 60, today=date(2026, 11, 1))
    with db.transaction(write=False) as session:
        numbers = list(session.scalars(select(ServiceUser.nhs_number).where(ServiceUser.superseded_at.is_(None))))
        chosen = set(session.scalars(select(Allocation.chosen_cluster)))
        periods = set(session.scalars(select(AssignmentPeriod.cluster)))
        users = {u.username: u for u in session.scalars(select(User))}
        reviews = session.scalar(select(func.count()).select_from(Review))
        audited = session.scalar(select(func.count()).select_from(AuditEvent))
    db.dispose()
    assert summary.service_users == len(numbers) == 60
    assert all(n.startswith("999") and nhs_number_problem(n) is None for n in numbers)
    assert set(reference.allocatable_clusters) <= chosen | periods
    for username, _name, role, _teams in DEMO_USERS:
        assert users[username].role == role
        assert verify_password(users[username].password_hash, DEMO_PASSWORD)
    assert reviews == summary.reviews > 0
    assert audited > summary.service_users  # demo records went through the audited use cases


def test_a_person_transferred_to_another_team_is_never_discharged_by_the_old_teams_clinician(
    tmp_path: Path, reference: ReferenceSet
) -> None:
    """Regression: with 200 people on this day a transferred person drew a discharge, which the
    north clinician may not write, and the whole seeding stopped with "episode not found"."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    db = Database(url)
    summary = create_demo_data(db, reference, 200, today=date(2026, 12, 5))
    db.dispose()
    assert summary.service_users == 200
    assert summary.transfers > 0
