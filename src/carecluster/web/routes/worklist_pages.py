"""Worklists page: for a clinician's own caseload or a team's, every list of people who need
something done, with counts, and each row linking to the action that clears it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carecluster.service import web_views, worklists
from carecluster.web.session import require_user, use_case
from carecluster.web.templating import render
from carecluster.web.whose_list import whose_list

router = APIRouter(include_in_schema=False)


@router.get("/worklists", response_class=HTMLResponse)
def worklists_page(request: Request) -> Response:
    user = require_user(request)
    if user.actor.role == "admin":
        return RedirectResponse("/admin/users", status_code=303)
    with use_case(request) as ctx:
        teams = web_views.teams_readable(ctx)
        whose = whose_list(user.actor, teams, request.query_params.get("whose"))
        found = worklists.worklists(ctx, team_id=whose.team_id, clinician_id=whose.clinician_id)
        names = web_views.user_names(
            ctx, {i.row.clinician_id for items in found.lists.values() for i in items if i.row.clinician_id}
        )
    return render(
        request,
        "worklists.html",
        active="/caseload",
        found=found,
        lists=worklists.LISTS,
        choices=whose.choices,
        whose=whose.key,
        whose_label=whose.label,
        names=names,
        due_soon_days=worklists.DUE_SOON_DAYS,
    )
