"""Worklists page: for a clinician's own caseload or a team's, every list of people who need
something done, with counts, and each row linking to the action that clears it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carecluster.service import web_views, worklists
from carecluster.web.session import require_user, use_case
from carecluster.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/worklists", response_class=HTMLResponse)
def worklists_page(request: Request) -> Response:
    user = require_user(request)
    if user.actor.role == "admin":
        return RedirectResponse("/admin/users", status_code=303)
    with use_case(request) as ctx:
        teams = web_views.teams_readable(ctx)
        default = "me" if user.actor.role == "clinician" or not teams else f"team:{teams[0].id}"
        whose = request.query_params.get("whose") or default
        kind, _, ident = whose.partition(":")
        team_id = clinician_id = None
        if kind == "team" and ident.isdigit() and int(ident) in {t.id for t in teams}:
            team_id = int(ident)
        elif user.actor.role != "auditor":
            whose, clinician_id = "me", user.actor.user_id
        else:
            whose, team_id = default, teams[0].id if teams else -1
        found = worklists.worklists(ctx, team_id=team_id, clinician_id=clinician_id)
        names = web_views.user_names(
            ctx, {i.row.clinician_id for items in found.lists.values() for i in items if i.row.clinician_id}
        )
    choices: list[tuple[str, str]] = [] if user.actor.role == "auditor" else [("me", "My caseload")]
    choices += [(f"team:{t.id}", f"Team {t.code}: {t.name}") for t in teams]
    return render(
        request,
        "worklists.html",
        active="/caseload",
        found=found,
        lists=worklists.LISTS,
        choices=choices,
        whose=whose,
        whose_label=dict(choices).get(whose, "My caseload"),
        names=names,
        due_soon_days=worklists.DUE_SOON_DAYS,
    )
