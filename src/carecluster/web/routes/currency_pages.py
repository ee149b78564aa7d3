"""Currency pages: record an episode's grouping inputs (diagnosis, coded referral reason), an
inpatient spell and its ward bed type, and the data-quality worklist of people whose episode
cannot be grouped or falls to the fallback group.

Paths sit under /currency/ so they never meet the episode pages' `/episodes/{id}/{action}`.
The team type is set on the admin teams page (an admin's job); the worklist links there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from carecluster.service import currency_codes, currency_grouping, currency_worklist, records, spells, web_views
from carecluster.service.errors import Conflict, Invalid
from carecluster.service.schemas import EpisodeAmend
from carecluster.service.spell_schemas import SpellAmend, SpellIn
from carecluster.store.models import Episode, InpatientSpell
from carecluster.web.date_input import date_values, read_date
from carecluster.web.forms import field_errors, pydantic_faults
from carecluster.web.routes import episode_forms
from carecluster.web.routes.auth_pages import Form
from carecluster.web.routes.service_user_pages import banner_for, require_writer
from carecluster.web.session import check_csrf, form_values, require_user, use_case
from carecluster.web.templating import render
from carecluster.web.whose_list import whose_list

router = APIRouter(include_in_schema=False)
FIELDS = {name: name for name in ("primary_diagnosis", "referral_reason_code", "amend_reason")}
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
def save_episode_inputs(request: Request, episode_id: str, form: Form) -> Response:
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
    return RedirectResponse(f"/service-users/{amended.service_user_id}?saved=currency", status_code=303)


@router.get("/currency/worklist", response_class=HTMLResponse)
def worklist(request: Request) -> Response:
    """Who cannot be grouped, or falls to the fallback group, and what to record; counts by team and month."""
    user = require_user(request)
    if user.actor.role == "admin":
        return RedirectResponse("/admin/users", status_code=303)
    with use_case(request) as ctx:
        teams = web_views.teams_readable(ctx)
        whose = whose_list(user.actor, teams, request.query_params.get("whose"))
        found = currency_worklist.currency_worklist(ctx, team_id=whose.team_id, clinician_id=whose.clinician_id)
    return render(
        request,
        "currency_worklist.html",
        active="/caseload",
        found=found,
        choices=whose.choices,
        whose=whose.key,
        whose_label=whose.label,
        team_codes={t.id: t.code for t in teams},
        inputs=currency_grouping.INPUTS,
    )


SPELL_FIELDS = {
    "admitted_on": "admitted-day",
    "discharged_on": "discharged-day",
    "bed_type": "bed_type",
    "amend_reason": "amend_reason",
}
BED_TYPE_MESSAGE = "Choose the ward's bed type from the list, or leave it as not recorded"


def _spell_page(
    request: Request,
    su_id: str,
    values: dict[str, str],
    errors: dict[str, str],
    spell: Any = None,
    status: int = 200,
) -> HTMLResponse:
    with use_case(request) as ctx:
        su = records.get_service_user(ctx, su_id)
    return render(
        request,
        "currency_spell.html",
        status_code=status,
        active="/service-users",
        su=su,
        spell=spell,
        person=banner_for(request, su.id),
        values=values,
        errors=errors,
        bed_types=currency_codes.bed_types(),
    )


def _read_spell(values: dict[str, str], errors: dict[str, str]) -> tuple[dt.date | None, dt.date | None]:
    today = dt.date.today()
    admitted = read_date(values, "admitted", "the admission date", errors, not_after=today)
    discharged = read_date(values, "discharged", "the discharge date", errors, required=False, not_after=today)
    return admitted, discharged


@router.get("/currency/service-users/{record_id}/spells/new", response_class=HTMLResponse)
def new_spell(request: Request, record_id: str) -> HTMLResponse:
    """Record an admission to a mental health ward, with the ward's bed type."""
    require_writer(require_user(request))
    return _spell_page(request, record_id, date_values(dt.date.today(), "admitted-"), {})


@router.post("/currency/service-users/{record_id}/spells/new", response_class=HTMLResponse)
def create_spell(request: Request, record_id: str, form: Form) -> Response:
    require_writer(require_user(request))
    check_csrf(request, form)
    values = form_values(form)
    errors: dict[str, str] = {}
    admitted, discharged = _read_spell(values, errors)
    data = None
    try:
        data = SpellIn(
            admitted_on=admitted or dt.date.today(), discharged_on=discharged, bed_type=values.get("bed_type") or None
        )
    except ValidationError:
        errors["bed_type"] = BED_TYPE_MESSAGE
    if not errors and data is not None:
        try:
            with use_case(request) as ctx:
                spells.create_spell(ctx, record_id, data)
        except Invalid as error:
            errors = field_errors(error.errors, SPELL_FIELDS, "admitted-day")
        except Conflict as error:
            errors = {"admitted-day": error.message[0].upper() + error.message[1:]}
    if errors:
        return _spell_page(request, record_id, values, errors, status=422)
    return RedirectResponse(f"/service-users/{record_id}?saved=spell", status_code=303)


@router.get("/currency/spells/{spell_id}", response_class=HTMLResponse)
def spell(request: Request, spell_id: str) -> HTMLResponse:
    """Change a spell's bed type (a move of ward) or record its discharge."""
    require_writer(require_user(request))
    with use_case(request) as ctx:
        found = records.get_child(ctx, InpatientSpell, spell_id)
    values = {"bed_type": found.bed_type or "", "version": str(found.version)}
    values.update(date_values(found.admitted_on, "admitted-"))
    if found.discharged_on:
        values.update(date_values(found.discharged_on, "discharged-"))
    return _spell_page(request, found.service_user_id, values, {}, found)


@router.post("/currency/spells/{spell_id}", response_class=HTMLResponse)
def amend_spell(request: Request, spell_id: str, form: Form) -> Response:
    require_writer(require_user(request))
    check_csrf(request, form)
    values = form_values(form)
    with use_case(request) as ctx:
        old = records.get_child(ctx, InpatientSpell, spell_id)
    errors: dict[str, str] = {}
    admitted, discharged = _read_spell(values, errors)
    changes: dict[str, Any] = {}
    if admitted is not None and admitted != old.admitted_on:
        changes["admitted_on"] = admitted
    if discharged != old.discharged_on and "discharged-day" not in errors:
        changes["discharged_on"] = discharged
    if (values.get("bed_type") or None) != old.bed_type:
        changes["bed_type"] = values.get("bed_type") or None
    if not errors and not changes:
        errors["bed_type"] = "Nothing has changed"
    data = None
    if not errors:
        try:
            data = SpellAmend(amend_reason=values.get("amend_reason", ""), **changes)
        except ValidationError as error:
            found = field_errors(pydantic_faults(error), SPELL_FIELDS, "bed_type")
            messages = {"bed_type": BED_TYPE_MESSAGE, "amend_reason": MESSAGES["amend_reason"]}
            errors = {k: messages.get(k, v) for k, v in found.items()}
    if data is not None:
        try:
            with use_case(request) as ctx:
                if values.get("version", "").isdigit():
                    ctx.expected_version = int(values["version"])
                spells.amend_spell(ctx, spell_id, data)
        except Invalid as error:
            errors = field_errors(error.errors, SPELL_FIELDS, "bed_type")
    if errors:
        return _spell_page(request, old.service_user_id, values, errors, old, status=422)
    return RedirectResponse(f"/service-users/{old.service_user_id}?saved=spell", status_code=303)
