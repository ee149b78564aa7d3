"""`Idempotency-Key`: a POST retried with the same key is answered with the first response.

The key row is written in the same transaction as the records it created, so either both are
committed or neither is; a concurrent retry that loses the race hits the primary key and is
answered from the winner's row.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.orm import Session

from carecluster.service.errors import Conflict
from carecluster.store.db import now
from carecluster.store.models import IdempotencyKey


def body_digest(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def replay(session: Session, user_id: int, key: str, digest: str) -> tuple[int, Any] | None:
    """The stored (status, body) for this key, or None; Conflict if it was used for another request."""
    found = session.get(IdempotencyKey, (user_id, key))
    if found is None:
        return None
    if found.body_hash != digest:
        raise Conflict("this Idempotency-Key was already used for a different request")
    return found.status_code, found.response.get("body")


def remember(
    session: Session, user_id: int, key: str, method: str, path: str, digest: str, status: int, body: Any
) -> None:
    session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            method=method,
            path=path[:400],
            body_hash=digest,
            status_code=status,
            response={"body": body},
            created_at=now(),
        )
    )
