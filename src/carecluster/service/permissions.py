"""Who may do what. Every adapter goes through these checks, so the API and the web pages agree.

clinician  - reads and edits service users of their own teams; their own caseload and their teams'.
team_lead  - as a clinician, plus caseloads of every clinician in their teams.
auditor    - reads clinical records and the audit log across all teams; changes nothing.
admin      - manages users and teams and reads the audit log; no clinical records.
Records a user may not see are reported as not found, so their existence is not disclosed.
"""

from __future__ import annotations

from carecluster.domain.roles import AUDIT_READERS, CLINICAL_ROLES, RECORD_READERS, Role
from carecluster.service.errors import Forbidden, NotFound
from carecluster.service.security import Actor

# The role groups live in domain.roles; records and web_views read CLINICAL_ROLES through here.


def can_read_team(actor: Actor, team_id: int) -> bool:
    if actor.role == Role.AUDITOR:
        return True
    return actor.role in CLINICAL_ROLES and team_id in actor.team_ids


def require_clinical_reader(actor: Actor) -> None:
    if actor.role not in RECORD_READERS:
        raise Forbidden(f"the {actor.role} role does not give access to clinical records")


def require_clinical_writer(actor: Actor) -> None:
    if actor.role not in CLINICAL_ROLES:
        raise Forbidden(f"the {actor.role} role cannot change clinical records")


def require_read(actor: Actor, team_id: int, what: str = "service user") -> None:
    require_clinical_reader(actor)
    if not can_read_team(actor, team_id):
        raise NotFound(f"{what} not found")


def require_write(actor: Actor, team_id: int, what: str = "service user") -> None:
    require_clinical_writer(actor)
    if team_id not in actor.team_ids:
        raise NotFound(f"{what} not found")


def require_write_to_team(actor: Actor, team_id: int) -> None:
    """Creating or moving a record into a team: the team itself must be one of the actor's."""
    require_clinical_writer(actor)
    if team_id not in actor.team_ids:
        raise Forbidden(f"you are not a member of team {team_id}")


def require_admin(actor: Actor) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("only an admin manages users and teams")


def require_audit_reader(actor: Actor) -> None:
    if actor.role not in AUDIT_READERS:
        raise Forbidden("only admins and auditors read the audit log")
