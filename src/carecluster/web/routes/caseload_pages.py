"""The caseload: whose service users, in which cluster, when review is due, and what needs attention.

One GET form chooses whose caseload (own, a team's, or - for a team lead - one of their
clinicians'), filters (cluster, overdue only) and the sort; the state lives in the query string
so a filtered caseload can be bookmarked and the back button works.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carecluster.service import currency_codes, web_views
from carecluster.web.session import require_user, use_case
from carecluster.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
SORTS: dict[web_views.Sort, str] = {"name": "Name", "due": "Next review due", "cluster": "Cluster"}


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


@router.get("/caseload", response_class=HTMLResponse)
def caseload(request: Request) -> Response:
    user = require_user(request)
    if user.actor.role == "admin":
        return RedirectResponse("/admin/users", status_code=303)
    params = request.query_params
    sort: web_views.Sort = "name"  # also for an unknown word
    match params.get("sort"):
        case "due" | "cluster" as asked:
            sort = asked
    cluster = _int(params.get("cluster"))
    overdue = params.get("overdue") == "1"
    groups = currency_codes.caseload_groups()
    group = params.get("group") or None
    group = group if group in dict(groups) else None
    page_number = max(_int(params.get("page")) or 1, 1)
    with use_case(request) as ctx:
        teams = web_views.teams_readable(ctx)
        people = web_views.clinicians(ctx) if user.actor.role != "auditor" else []
        default = "me" if user.actor.role == "clinician" else (f"team:{teams[0].id}" if teams else "me")
        whose = params.get("whose") or default
        kind, _, ident = whose.partition(":")
        team_id = clinician_id = None
        if kind == "team" and ident.isdigit():
            team_id = int(ident)
        elif kind == "clinician" and ident.isdigit():
            clinician_id = int(ident)
        else:
            whose, clinician_id = "me", user.actor.user_id
        view = web_views.caseload_view(
            ctx,
            team_id=team_id,
            clinician_id=clinician_id,
            overdue=True if overdue else None,
            cluster=cluster,
            sort=sort,
            limit=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
            group=group,
        )
        names = {p.id: p.name for p in people}
        names.update(web_views.user_names(ctx, {e.row.clinician_id for e in view.entries if e.row.clinician_id}))
    choices: list[tuple[str, str]] = []
    if user.actor.role != "auditor":
        choices.append(("me", "My caseload"))
    choices += [(f"team:{t.id}", f"Team {t.code}: {t.name}") for t in teams]
    if user.actor.role == "team_lead":
        choices += [(f"clinician:{p.id}", f"Clinician {p.name}") for p in people if p.id != user.actor.user_id]
    base = {"whose": whose, "sort": sort, "cluster": "" if cluster is None else str(cluster), "group": group or ""}
    if overdue:
        base["overdue"] = "1"
    pages = max((view.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(
        request,
        "caseload.html",
        active="/caseload",
        view=view,
        choices=choices,
        whose=whose,
        whose_label=dict(choices).get(whose, "My caseload"),
        sort=sort,
        sorts=SORTS,
        cluster=cluster,
        overdue=overdue,
        group=group,
        groups=groups,
        team_codes={t.id: t.code for t in teams},
        names=names,
        page_number=page_number,
        pages=pages,
        previous_url=f"/caseload?{urlencode({**base, 'page': page_number - 1})}" if page_number > 1 else None,
        next_url=f"/caseload?{urlencode({**base, 'page': page_number + 1})}" if page_number < pages else None,
    )
