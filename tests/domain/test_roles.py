"""Roles are defined once (domain.roles); the API's schema and the permission groups follow it."""

from __future__ import annotations

from typing import get_args

from carecluster.domain.roles import AUDIT_READERS, CLINICAL_ROLES, RECORD_READERS, Role
from carecluster.service import permissions, schemas
from carecluster.service.errors import Forbidden
from carecluster.service.security import Actor


def test_the_api_schema_offers_exactly_the_domain_roles() -> None:
    assert set(get_args(schemas.Role)) == {r.value for r in Role}


def test_groups_and_checks() -> None:
    assert {"clinician", "team_lead"} == CLINICAL_ROLES
    assert {"clinician", "team_lead", "auditor"} == RECORD_READERS
    assert {"admin", "auditor"} == AUDIT_READERS
    for role in Role:
        actor = Actor(1, "x", role.value, frozenset({7}))  # stored roles are plain strings
        readable = role.value in RECORD_READERS
        try:
            permissions.require_clinical_reader(actor)
            allowed = True
        except Forbidden:
            allowed = False
        assert allowed == readable, role
        assert permissions.can_read_team(actor, 8) == (role is Role.AUDITOR)
        assert permissions.can_read_team(actor, 7) == (role is not Role.ADMIN)
