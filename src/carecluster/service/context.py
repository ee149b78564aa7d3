"""One use case's surroundings: the open unit of work, who is acting, the reference set, the date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from carecluster.reference.models import ReferenceSet
from carecluster.service.security import Actor
from carecluster.store.repository import append_audit


@dataclass
class Context:
    session: Session
    actor: Actor
    reference: ReferenceSet
    client: str | None = None
    today: date = field(default_factory=date.today)

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
