"""The audit trail for auditors and admins: filter by person, user, action and date range, page
through it newest first, and export the filtered trail as CSV (safe to open in a spreadsheet).

The filters live in the query string, so a filtered view can be bookmarked and exported as shown.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from carecluster.service import audit
from carecluster.service.schemas import AuditOut
from carecluster.spreadsheet import safe_row
from carecluster.web.date_fields import DateField, read_date
from carecluster.web.session import PageError, require_user, use_case
from carecluster.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
EXPORT_LIMIT = 50_000
CSV_COLUMNS = (
    "id", "at", "username", "role", "action", "entity", "record_id", "service_user_id", "detail", "client",
    "before", "after",
)  # fmt: skip


def _auditor(request: Request) -> None:
    user = require_user(request)
    if user.actor.role not in ("auditor", "admin"):
        raise PageError(403, "You cannot see the audit trail", "Only auditors and admins read the audit trail.")


class _Filters:
    """The filter form as typed, what it means for the query, and its errors by field."""

    def __init__(self, request: Request) -> None:
        params = request.query_params
        self.person = params.get("person", "").strip()
        self.username = params.get("username", "").strip()
        self.action = params.get("action", "").strip()
        self.start: DateField = read_date(params, "from", "Start date")
        self.end: DateField = read_date(params, "to", "End date")
        page = params.get("page", "1")
        self.page = max(int(page), 1) if page.isdigit() else 1
        self.errors: dict[str, str] = {}
        for field in (self.start, self.end):
            if field.error:
                self.errors[field.name] = field.error
        if self.start.value and self.end.value and self.end.value < self.start.value:
            self.errors["to"] = "End date must be the same as or after the start date"
        if len(self.person) > 40:
            self.errors["person"] = "Enter an NHS number or record id of 40 characters or fewer"
        self.service_user_id: str | None = None

    def query(self) -> dict[str, Any]:
        since = datetime.combine(self.start.value, time.min) if self.start.value else None
        until = datetime.combine(self.end.value + timedelta(days=1), time.min) if self.end.value else None
        return {
            "username": self.username or None,
            "action": self.action or None,
            "service_user_id": self.service_user_id,
            "since": since,
            "until": until,
        }

    def params(self) -> dict[str, str]:
        out = {"person": self.person, "username": self.username, "action": self.action}
        for field in (self.start, self.end):
            for part in ("day", "month", "year"):
                out[f"{field.name}-{part}"] = getattr(field, part)
        return {k: v for k, v in out.items() if v}


def _resolve_person(ctx: Any, filters: _Filters) -> bool:
    """Turn the person filter into one record id; False (with an error) when it names nobody."""
    if not filters.person or filters.errors:
        return not filters.errors
    found = audit.person_record_ids(ctx, filters.person)
    if not found:
        filters.errors["person"] = "No service user has that NHS number or record id"
        return False
    filters.service_user_id = found[0]
    return True


@router.get("/audit", response_class=HTMLResponse)
def audit_trail(request: Request) -> HTMLResponse:
    _auditor(request)
    filters = _Filters(request)
    events: list[AuditOut] = []
    total = 0
    with use_case(request) as ctx:
        actions = audit.audit_actions(ctx)
        if _resolve_person(ctx, filters):
            found = audit.query_audit(ctx, limit=PAGE_SIZE, offset=(filters.page - 1) * PAGE_SIZE, **filters.query())
            events, total = found.items, found.total
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    base = filters.params()
    return render(
        request,
        "audit_trail.html",
        status_code=422 if filters.errors else 200,
        active="/audit",
        filters=filters,
        errors=filters.errors,
        actions=actions,
        events=events,
        total=total,
        page_number=filters.page,
        pages=pages,
        export_url="/audit.csv" + (f"?{urlencode(base)}" if base else ""),
        previous_url=f"/audit?{urlencode({**base, 'page': filters.page - 1})}" if filters.page > 1 else None,
        next_url=f"/audit?{urlencode({**base, 'page': filters.page + 1})}" if filters.page < pages else None,
    )


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return "" if value is None else value


@router.get("/audit.csv")
def audit_csv(request: Request) -> Response:
    """The filtered trail as CSV; cells a spreadsheet would run as a formula are escaped."""
    _auditor(request)
    filters = _Filters(request)
    with use_case(request) as ctx:
        if not _resolve_person(ctx, filters):
            raise PageError(422, "The filter is not valid", " ".join(filters.errors.values()))
        found = audit.query_audit(ctx, limit=EXPORT_LIMIT, offset=0, **filters.query())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in found.items:
        writer.writerow(safe_row(_cell(getattr(event, column)) for column in CSV_COLUMNS))
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-trail-{stamp}.csv"'},
    )
