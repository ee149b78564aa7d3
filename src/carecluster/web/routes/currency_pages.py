"""Currency pages: record an episode's grouping inputs (diagnosis, coded referral reason), and the
data-quality worklist of people whose episode cannot be grouped or falls to the fallback group.

Paths sit under /currency/ so they never meet the episode pages' `/episodes/{id}/{action}`.
The team type is set on the admin teams page (an admin's job); the worklist links there.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from carecluster.service import currency_codes, currency_grouping, currency_worklist, records, web_views
from carecluster.service.errors import Invalid
from carecluster.service.schemas import EpisodeAmend
from carecluster.store.models import Episode
from carecluster.web.forms import field_errors, pydantic_faults
from carecluster.web.routes import episode_forms
from carecluster.web.routes.auth_pages import Form
from carecluster.web.routes.service_user_pages import banner_for, require_writer
from carecluster.web.session import check_csrf, require_user, use_case
from carecluster.web.templating import render

router = APIRouter(include_in_schema=False)
FIELDS = {"primary_diagnosis": "primary_diagnosis", "referral_reason_code": "referral_reason_code"}
FIELDS["amend_reason"] = "amend_reason"
MESSAGES = {
    "primary_diagnosis": "Enter the diagnosis as an ICD-10 code, for example F32.1, or leave it empty",
    "referral_reason_code": "Choose the primary reason for referral from the list, or leave it as not recorded",
    "amend_reason": "Say why you are changing the episode: at least 3 characters",
}


def _episode_page(
    request: Request, episode_id: str, values: dict[str, str] | None, errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    with use_case(request) as ctx:
        episode = records.get_child(ctx, Episode, episode_id)
        su = records.get_service_user(ctx, episode.service_user_id)
        current = currency_grouping.current_group(ctx, su.id)
    if values is None:
        values = {
            "primary_diagnosis": episode.primary_diagnosis or "",
            "referral_reason_code": episode.referral_reason_code or "",
            "version": str(episode.version),
        }
    return render(
        request,
        "currency_episode.html",
        status_code=status,
        active="/service-users",
        episode=episode,
        su=su,
        person=banner_for(request, su.id),
        currency=current if current and current.episode_id == episode.id else None,
        values=values,
        errors=errors,
        reason_codes=currency_codes.referral_reasons(),
        diagnosis_hint=episode_forms.DIAGNOSIS_HINT,
    )


@router.get("/currency/episodes/{episode_id}", response_class=HTMLResponse)
def episode_inputs(request: Request, episode_id: str) -> HTMLResponse:
    """The episode's currency inputs, its group now, and the form that changes the inputs."""
    require_writer(require_user(request))
    return _episode_page(request, episode_id, None, {})


@router.post("/currency/episodes/{episode_id}", response_class=HTMLResponse)
def save_episode_inputs(request: Request, episode_id: str, form: Form) -> HTMLResponse:
    require_writer(require_user(request))
    check_csrf(request, form)
    values = {k: str(form.get(k, "")).strip() for k in ("primary_diagnosis", "referral_reason_code", "amend_reason")}
    values["version"] = str(form.get("version", ""))
    with use_case(request) as ctx:
        old = records.get_child(ctx, Episode, episode_id)
    changes: dict[str, Any] = {}
    for name in ("primary_diagnosis", "referral_reason_code"):
        if (values[name] or None) != getattr(old, name):
            changes[name] = values[name] or None
    if not changes:
        return _episode_page(request, episode_id, values, {"primary_diagnosis": "Nothing has changed"}, 422)
    try:
        data = EpisodeAmend(amend_reason=values["amend_reason"], **changes)
    except ValidationError as error:
        found = field_errors(pydantic_faults(error), FIELDS, "primary_diagnosis")
        return _episode_page(request, episode_id, values, {k: MESSAGES.get(k, v) for k, v in found.items()}, 422)
    try:
        with use_case(request) as ctx:
            if values["version"].isdigit():
                ctx.expected_version = int(values["version"])
            amended = records.amend_episode(ctx, episode_id, data)
    except Invalid as error:
        return _episode_page(request, episode_id, values, field_errors(error.errors, FIELDS, "primary_diagnosis"), 422)
    return RedirectResponse(f"/service-users/{amended.service_user_id}?saved=currency", status_code=303)  # type: ignore[return-value]


@router.get("/currency/worklist", response_class=HTMLResponse)
def worklist(request: Request) -> HTMLResponse:
    """Who cannot be grouped, or falls to the fallback group, and what to record; counts by team and month."""
    user = require_user(request)
    if user.actor.role == "admin":
        return RedirectResponse("/admin/users", status_code=303)  # type: ignore[return-value]
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
        found = currency_worklist.currency_worklist(ctx, team_id=team_id, clinician_id=clinician_id)
    choices: list[tuple[str, str]] = [] if user.actor.role == "auditor" else [("me", "My caseload")]
    choices += [(f"team:{t.id}", f"Team {t.code}: {t.name}") for t in teams]
    return render(
        request,
        "currency_worklist.html",
        active="/caseload",
        found=found,
        choices=choices,
        whose=whose,
        whose_label=dict(choices).get(whose, "My caseload"),
        team_codes={t.id: t.code for t in teams},
        inputs=currency_grouping.INPUTS,
    )
