"""The page shown when a web form amends a record that someone changed after the form was opened.

Web amend forms carry the version they were opened on (a hidden `version` field). If the record
has moved on by the time the form is sent, nothing is saved - saving would silently undo the
other person's change, a lost update - and this page shows, field by field, what changed since,
who changed it, when and why, beside what the user had typed, so that they can decide again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from carecluster.service.schemas import VersionOut
from carecluster.web.templating import render

BOOKKEEPING = frozenset({"id", "version", "recorded_at", "recorded_by", "amend_reason", "superseded_at"})
"""Fields every version has; the page lists them per version, not as changes."""


@dataclass(frozen=True)
class FieldChange:
    name: str
    then: Any
    now: Any


def form_version(form: Mapping[str, Any]) -> int | None:
    """The version a form was opened on, or None when it carries none (an old page)."""
    value = str(form.get("version", "")).strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def changes_since(history: Sequence[VersionOut], version: int) -> list[FieldChange]:
    """Fields whose value differs between `version` and the current (last) version."""
    by_version = {v.version: v.model_dump(mode="json") for v in history}
    then, now = by_version.get(version, {}), by_version[max(by_version)]
    return [
        FieldChange(name.replace("_", " "), then.get(name), value)
        for name, value in now.items()
        if name not in BOOKKEEPING and then.get(name) != value
    ]


def conflict_page(
    request: Request,
    *,
    what: str,
    back: str,
    history: Sequence[VersionOut],
    version: int,
    submitted: Mapping[str, str],
) -> HTMLResponse:
    """409 with what changed since `version`; the user's own entries are shown, never lost."""
    later = [v for v in history if v.version > version]
    return render(
        request,
        "amend_conflict.html",
        status_code=409,
        what=what,
        back=back,
        version=version,
        changes=changes_since(history, version),
        later=later,
        submitted={k: v for k, v in submitted.items() if k not in ("csrf_token", "version") and v},
    )
