"""Whose list a worklist page shows: the signed-in person's own caseload or one readable team's.

The worklists and the currency worklist answer the same `?whose=` choice the same way, so the
rule lives here once: an auditor has no caseload of their own and sees a team; a team that is
not readable falls back to the person's own list, never to someone else's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from carecluster.service.security import Actor
from carecluster.store.models import Team


@dataclass(frozen=True)
class WhoseList:
    """The resolved choice (`key`), what the use case filters on, and the form's choices."""

    key: str
    team_id: int | None
    clinician_id: int | None
    choices: list[tuple[str, str]]

    @property
    def label(self) -> str:
        return dict(self.choices).get(self.key, "My caseload")


def whose_list(actor: Actor, teams: Sequence[Team], asked: str | None) -> WhoseList:
    """Resolve `asked` (`me` or `team:<id>`) against the teams `actor` may read."""
    default = "me" if actor.role == "clinician" or not teams else f"team:{teams[0].id}"
    key = asked or default
    kind, _, ident = key.partition(":")
    team_id = clinician_id = None
    if kind == "team" and ident.isdigit() and int(ident) in {t.id for t in teams}:
        team_id = int(ident)
    elif actor.role != "auditor":
        key, clinician_id = "me", actor.user_id
    else:
        key, team_id = default, teams[0].id if teams else -1
    choices: list[tuple[str, str]] = [] if actor.role == "auditor" else [("me", "My caseload")]
    choices += [(f"team:{t.id}", f"Team {t.code}: {t.name}") for t in teams]
    return WhoseList(key, team_id, clinician_id, choices)
