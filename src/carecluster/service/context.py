"""One use case's surroundings: the open unit of work, who is acting, the reference set, the date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from carecluster.reference.models import ReferenceSet
from carecluster.service.errors import PreconditionFailed, PreconditionRequired
from carecluster.service.security import Actor
from carecluster.store.repository import append_audit


@dataclass
class Context:
    session: Session
    actor: Actor
    reference: ReferenceSet
    client: str | None = None
    today: date = field(default_factory=date.today)
    expected_version: int | None = None
    """The version an amendment was based on (API `If-Match`, a web form's hidden field)."""
    versions_required: bool = False
    """Refuse an amendment that names no version (the API: 428), rather than amend blindly."""

    def check_version(self, current: Any, what: str = "record") -> None:
        """Optimistic concurrency: an amendment built on an older version must not silently undo
        a change made since (a lost update is a clinical hazard: see the hazard log)."""
        if self.expected_version is None:
            if self.versions_required:
                raise PreconditionRequired(
                    f"say which version of the {what} you amend: send If-Match with the ETag you read"
                )
            return
        if current.version != self.expected_version:
            raise PreconditionFailed(
                f"the {what} changed since you read it: version {current.version} is current, "
                f"your change was based on version {self.expected_version}; read it again and redo the change"
            )

    def audit(
        self,
        action: str,
        *,
        entity: str | None = None,
        record_id: str | None = None,
        service_user_id: str | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        detail: str | None = None,
    ) -> None:
        append_audit(
            self.session,
            user_id=self.actor.user_id,
            username=self.actor.username,
            role=self.actor.role,
            action=action,
            entity=entity,
            record_id=record_id,
            service_user_id=service_user_id,
            before=before,
            after=after,
            detail=detail,
            client=self.client,
        )
