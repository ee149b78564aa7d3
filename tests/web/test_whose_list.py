"""The worklists' `?whose=` choice: only readable teams, and never someone else's own list."""

from __future__ import annotations

from carecluster.service.security import Actor
from carecluster.store.models import Team
from carecluster.web.whose_list import whose_list

NORTH = Team(id=1, code="N", name="North")
SOUTH = Team(id=2, code="S", name="South")


def actor(role: str) -> Actor:
    return Actor(user_id=7, username="u", role=role, team_ids=frozenset({1, 2}))


def test_a_clinician_starts_on_their_own_list_and_may_pick_a_readable_team() -> None:
    own = whose_list(actor("clinician"), [NORTH, SOUTH], None)
    assert (own.key, own.team_id, own.clinician_id, own.label) == ("me", None, 7, "My caseload")
    team = whose_list(actor("clinician"), [NORTH, SOUTH], "team:2")
    assert (team.key, team.team_id, team.clinician_id, team.label) == ("team:2", 2, None, "Team S: South")


def test_an_unreadable_or_malformed_team_falls_back_to_the_persons_own_list() -> None:
    for asked in ("team:99", "team:x", "clinician:3", "nonsense"):
        chosen = whose_list(actor("team_lead"), [NORTH], asked)
        assert (chosen.key, chosen.team_id, chosen.clinician_id) == ("me", None, 7), asked


def test_an_auditor_has_no_own_list_and_sees_a_team() -> None:
    chosen = whose_list(actor("auditor"), [NORTH, SOUTH], "me")
    assert (chosen.key, chosen.team_id, chosen.clinician_id) == ("team:1", 1, None)
    assert [key for key, _ in chosen.choices] == ["team:1", "team:2"]
    assert whose_list(actor("auditor"), [], None).team_id == -1  # matches nobody, shows nothing
