"""The four roles a member of staff may hold, and the groups the permission checks use.

One definition, so a role is never a bare string that a typo could turn into a new one. The
groups hold plain strings (the enum's values) because they are compared with the role stored
on an account and bound into SQL as text.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CLINICIAN = "clinician"
    """Reads and edits service users of their own teams."""
    TEAM_LEAD = "team_lead"
    """As a clinician, plus the caseloads and reports of their teams."""
    AUDITOR = "auditor"
    """Reads clinical records, reports and the audit log of every team; changes nothing."""
    ADMIN = "admin"
    """Manages accounts and teams and reads the audit log; no clinical records."""


CLINICAL_ROLES: frozenset[str] = frozenset({Role.CLINICIAN.value, Role.TEAM_LEAD.value})
"""Roles that write clinical records (in their own teams)."""
RECORD_READERS: frozenset[str] = CLINICAL_ROLES | {Role.AUDITOR.value}
"""Roles that read clinical records."""
AUDIT_READERS: frozenset[str] = frozenset({Role.ADMIN.value, Role.AUDITOR.value})
"""Roles that read the audit log."""
