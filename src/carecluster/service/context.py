"""One use case's surroundings: the open unit of work, who is acting, the reference set, the date.

Converted use cases (`people`, `audit`, `operator`, the queries of `outcomes`) reach the store only through
`ctx.uow`, so they run on `FakeUnitOfWork` in the unit tests. The rest still use `ctx.session`,
the unit of work's session; a Context built from a session joins it with a SQLAlchemy unit of
work, so every entry point keeps working unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from carecluster.reference.models import ReferenceSet
from carecluster.service.errors import PreconditionFailed, PreconditionRequired
from carecluster.service.security import Actor
from carecluster.service_layer.unit_of_work import AbstractUnitOfWork, SqlAlchemyUnitOfWork


@dataclass(kw_only=True)
class Context:
    actor: Actor
    reference: ReferenceSet
    client: str | None = None
    today: date = field(default_factory=date.today)
    expected_version: int | None = None
    """The version an amendment was based on (API `If-Match`, a web form's hidden field)."""
    versions_required: bool = False
    """Refuse an amendment that names no version (the API: 428), rather than amend blindly."""
    session: Session = None  # type: ignore[assignment]
    """The SQLAlchemy session, for the use cases not yet on repositories (None on the fake)."""
    uow: AbstractUnitOfWork = None  # type: ignore[assignment]
    """Set from `session` when not given (typed as always present: __post_init__ sees to it)."""

    def __post_init__(self) -> None:
        if self.uow is None:
            if self.session is None:
                raise ValueError("a use case needs a unit of work (or a session to join)")
            self.uow = SqlAlchemyUnitOfWork.joining(self.session)
        elif self.session is None and isinstance(self.uow, SqlAlchemyUnitOfWork):
            self.session = self.uow.session

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
        self.uow.audit.add(
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
