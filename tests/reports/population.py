"""Build known populations straight into the tables, so every numerator and denominator is known.

Rows go in through the repository (versioned records, as the service writes them), but without
the use cases' checks: a test can store what older or imported data may hold (cluster 9, an
override without a reason) and what the engine stored at the time (`reason_required`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from carecluster.store import repository as repo
from carecluster.store.db import now
from carecluster.store.models import (
    Allocation,
    Assessment,
    AssignmentPeriod,
    Episode,
    Review,
    ServiceUser,
    Team,
    User,
    UserTeam,
)

WHY = {
    "differs": {"code": "differs_from_suggestion", "text": "differs"},
    "red": {"code": "red_breach", "text": "red"},
    "rare": {"code": "rare_transition", "text": "rare"},
}


def honos(total: int, nines: int = 0) -> list[int]:
    """An MHCT rating whose HoNOS items (scales 1-12) sum to `total`, with `nines` of them rated 9."""
    values = [9] * nines + [0] * (12 - nines)
    left = total
    for i in range(nines, 12):
        values[i] = min(4, left)
        left -= values[i]
    assert left == 0, "total too high for the items left"
    return values + [0] * 6


@dataclass
class Population:
    session: Session
    user: int = 0
    teams: dict[str, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)
    team_of: dict[str, int] = field(default_factory=dict)
    _nhs: int = 9990000000

    def team(self, code: str) -> int:
        row = Team(code=code, name=f"Team {code}", created_at=now())
        self.session.add(row)
        self.session.flush()
        self.teams[code] = row.id
        return row.id

    def person(self, username: str, role: str, *teams: str) -> int:
        row = User(username=username, full_name=username.title(), role=role, password_hash="x", created_at=now())
        self.session.add(row)
        self.session.flush()
        for code in teams:
            self.session.add(UserTeam(user_id=row.id, team_id=self.teams[code]))
        self.staff[username] = row.id
        self.user = self.user or row.id
        return row.id

    def su(self, label: str, team: str, clinician: str | None) -> str:
        self._nhs += 1
        row = repo.add_record(
            self.session,
            ServiceUser,
            self.user,
            nhs_number=str(self._nhs),
            name=f"Person {label}",
            date_of_birth=date(1980, 1, 1),
            team_id=self.teams[team],
            clinician_id=self.staff[clinician] if clinician else None,
        )
        self.session.flush()
        self.people[label] = row.record_id
        self.team_of[label] = self.teams[team]
        return row.record_id

    def episode(self, su: str, referral: date, discharge: date | None = None) -> str:
        row = repo.add_record(
            self.session,
            Episode,
            self.user,
            service_user_id=self.people[su],
            team_id=self.team_of[su],
            referral_date=referral,
            discharge_date=discharge,
        )
        self.session.flush()
        return row.record_id

    def assess(
        self,
        su: str,
        on: date,
        ratings: list[int],
        *,
        suggested: int,
        chosen: int | None,
        rater: str,
        episode: str | None = None,
        event: str = "initial_assessment",
        previous: int | None = None,
        reason: str | None = None,
        why: tuple[str, ...] = (),
    ) -> tuple[Assessment, Allocation]:
        assessment = repo.add_record(
            self.session,
            Assessment,
            self.user,
            service_user_id=self.people[su],
            episode_id=episode,
            assessed_on=on,
            clustering_event=event,
            rater_id=self.staff[rater],
            ratings=ratings,
            problem_type=None,
            problem_description=None,
            super_class=None,
            heading=None,
        )
        self.session.flush()
        allocation = repo.add_record(
            self.session,
            Allocation,
            self.user,
            service_user_id=self.people[su],
            assessment_id=assessment.record_id,
            suggested_cluster=suggested,
            suggestion={},
            reference_id="carecluster-builtin",
            reference_version="test",
            previous_cluster=previous,
            chosen_cluster=chosen,
            reason=reason,
            reason_required=[WHY[w] for w in why],
            chosen_by=self.staff[rater] if chosen is not None else None,
        )
        self.session.flush()
        return assessment, allocation

    def period(self, su: str, allocation: Allocation, cluster: int, start: date, end: date | None = None) -> None:
        repo.add_record(
            self.session,
            AssignmentPeriod,
            self.user,
            service_user_id=self.people[su],
            allocation_id=allocation.record_id,
            cluster=cluster,
            start_date=start,
            end_date=end,
        )
        self.session.flush()

    def review(self, su: str, on: date, current: int, reviewer: str, assessment: Assessment | None = None) -> Review:
        row = repo.add_record(
            self.session,
            Review,
            self.staff[reviewer],
            service_user_id=self.people[su],
            assessment_id=assessment.record_id if assessment else None,
            reviewed_on=on,
            current_cluster=current,
            outcome="no_change",
            result={},
            facts={},
            chosen_cluster=None,
            reason=None,
        )
        self.session.flush()
        return row

    def amend(self, row: Any, **changes: Any) -> Any:
        return repo.amend(self.session, row, self.user, "test amendment", changes)
