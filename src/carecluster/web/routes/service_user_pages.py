"""Service users: find one, add one, and read one's record - a timeline of assessments,
allocations and reviews with the HoNOS total over time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from carecluster.currency.labels import described
from carecluster.currency.rules import REFERRAL_REASON
from carecluster.domain.ratings import Ratings
from carecluster.domain.schedule import ClusteringEvent
from carecluster.reference.models import SCALE_CODES, ReferenceSet
from carecluster.service import currency_codes, currency_grouping, records, web_views
from carecluster.service.allocation_rules import today_differs
from carecluster.service.errors import Conflict, Invalid
from carecluster.service.schemas import ServiceUserIn
from carecluster.store.models import Allocation, Assessment, AssignmentPeriod, Episode, Review
from carecluster.web.charts import honos_chart, score
from carecluster.web.date_input import date_values
from carecluster.web.forms import field_errors, pydantic_faults, sentence
from carecluster.web.routes import episode_forms
from carecluster.web.routes.auth_pages import Form
from carecluster.web.session import PageError, WebUser, check_csrf, form_values, require_user, use_case
from carecluster.web.templating import reference_of, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
ALL = 500
BANNERS = {
    "created": "Service user added.",
    "created_episode": "Service user added and their episode of care opened.",
    "allocated": "Cluster choice saved.",
    "reviewed": "Review recorded.",
    "episode": "Episode of care opened.",
    "transferred": "Episode of care transferred.",
    "discharged": "Episode of care ended at discharge.",
    "currency": "Currency inputs saved.",
    "spell": "Inpatient spell saved.",
}
EPISODE_FIELDS = {
    "referral_date": "referral-day",
    "team_id": "episode_team_id",
    "referral_source": "referral_source",
    "referral_reason": "referral_reason",
    "referral_reason_code": "referral_reason_code",
    "primary_diagnosis": "primary_diagnosis",
    "transferred_on": "transferred-day",
    "discharge_date": "discharged-day",
    "discharge_reason": "discharge_reason",
    "reason": "reason",
}
EVENTS = {e.value: e.label for e in ClusteringEvent}
SU_FIELDS = {
    **EPISODE_FIELDS,
    "nhs_number": "nhs_number",
    "name": "name",
    "date_of_birth": "date_of_birth-day",
    "team_id": "team_id",
    "clinician_id": "clinician_id",
}


def format_nhs(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 10 else number


def banner_for(request: Request, service_user_id: str) -> web_views.PersonBanner | None:
    """The person banner for a page about one service user (see partials/person_banner.html)."""
    with use_case(request) as ctx:
        return web_views.person_banner(ctx, service_user_id)


def require_writer(user: WebUser) -> None:
    if not user.is_clinical:
        raise PageError(403, "You cannot do this", f"The {user.role} role cannot change clinical records.")


@router.get("/service-users", response_class=HTMLResponse)
def service_users(request: Request) -> HTMLResponse:
    user = require_user(request)
    q = request.query_params.get("q", "").strip()
    page_number = max(int(p) if (p := request.query_params.get("page", "1")).isdigit() else 1, 1)
    digits = q.replace(" ", "").replace("-", "")
    with use_case(request) as ctx:
        page = records.list_service_users(
            ctx,
            PAGE_SIZE,
            (page_number - 1) * PAGE_SIZE,
            nhs_number=digits if digits.isdigit() and len(digits) == 10 else None,
            name=q if q and not digits.isdigit() else None,
        )
        teams = {t.id: t.code for t in web_views.teams_readable(ctx)}
    pages = max((page.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)

    def url(n: int) -> str:
        return "/service-users?" + urlencode({"q": q, "page": n})

    return render(
        request,
        "service_users.html",
        active="/service-users",
        page=page,
        q=q,
        teams=teams,
        can_write=user.is_clinical,
        page_number=page_number,
        pages=pages,
        previous_url=url(page_number - 1) if page_number > 1 else None,
        next_url=url(page_number + 1) if page_number < pages else None,
    )


def _new_page(request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    with use_case(request) as ctx:
        teams = web_views.teams_readable(ctx)
        people = web_views.clinicians(ctx)
    return render(
        request,
        "service_user_new.html",
        status_code=status_code,
        active="/service-users",
        values=values,
        errors=errors,
        teams=teams,
        people=people,
        team_codes={t.id: t.code for t in teams},
        sources=episode_forms.REFERRAL_SOURCES,
        reason_limit=episode_forms.REASON_LIMIT,
        diagnosis_hint=episode_forms.DIAGNOSIS_HINT,
        reason_codes=currency_codes.referral_reasons(),
    )


@router.get("/service-users/new", response_class=HTMLResponse)
def new_service_user(request: Request) -> HTMLResponse:
    require_writer(require_user(request))
    return _new_page(request, {"clinician_id": str(request.state.user.actor.user_id)}, {})


def _date_of_birth(values: dict[str, str], errors: dict[str, str]) -> dt.date | None:
    parts = [values.get(f"dob_{p}", "") for p in ("day", "month", "year")]
    if not all(parts):
        errors["date_of_birth-day"] = "Enter the date of birth as a day, month and year, for example 17 5 1980"
        return None
    if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        errors["date_of_birth-day"] = "Date of birth must be numbers: day, month and a 4-digit year"
        return None
    try:
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        errors["date_of_birth-day"] = "Date of birth must be a real date"
        return None


@router.post("/service-users/new", response_class=HTMLResponse)
def create_service_user(request: Request, form: Form) -> Response:
    user = require_user(request)
    check_csrf(request, form)
    require_writer(user)
    values = form_values(form)
    errors: dict[str, str] = {}
    born = _date_of_birth(values, errors)
    data = None
    try:
        data = ServiceUserIn(
            nhs_number=values.get("nhs_number", ""),
            name=values.get("name", ""),
            date_of_birth=born or dt.date(2000, 1, 1),
            team_id=int(values["team_id"]) if values.get("team_id", "").isdigit() else -1,
            clinician_id=int(values["clinician_id"]) if values.get("clinician_id", "").isdigit() else None,
        )
    except ValidationError as error:
        errors = {**field_errors(pydantic_faults(error), SU_FIELDS, "nhs_number"), **errors}
    if not values.get("nhs_number"):
        errors["nhs_number"] = "Enter the NHS number"
    if not values.get("name"):
        errors["name"] = "Enter the name"
    if not values.get("team_id", "").isdigit():
        errors["team_id"] = "Choose the team"
    if "nhs_number" in errors and "10 digits" in errors["nhs_number"]:
        errors["nhs_number"] = "The NHS number must be 10 digits, for example 999 000 0018"
    episode = None
    if any(values.get(k) for k in ("referral-day", "referral-month", "referral-year", "referral_source")) or any(
        values.get(k) for k in ("referral_reason", "referral_reason_code", "primary_diagnosis")
    ):
        episode, episode_errors = episode_forms.read_episode(values, dt.date.today(), team_required=False)
        errors.update(episode_errors)
    if errors or data is None:
        return _new_page(request, values, errors, status_code=422)
    try:
        with use_case(request) as ctx:
            created = records.create_service_user(ctx, data)
            if episode is not None:  # one transaction: the person and their episode, or neither
                records.create_episode(ctx, created.id, episode)
    except Invalid as error:
        return _new_page(request, values, field_errors(error.errors, SU_FIELDS, "nhs_number"), status_code=422)
    except Conflict as error:
        return _new_page(request, values, {"nhs_number": error.message[0].upper() + error.message[1:]}, 409)
    saved = "created_episode" if episode is not None else "created"
    return RedirectResponse(f"/service-users/{created.id}?saved={saved}", status_code=303)


def _episode_events(episodes: list[Any], team_names: dict[int, str]) -> list[dict[str, Any]]:
    """An episode's referral and, once discharged, its end, as timeline events."""
    events: list[dict[str, Any]] = []
    for e in episodes:
        team = team_names.get(e.team_id, f"team {e.team_id}")
        lines = [f"Team {team}"]
        if e.referral_source:
            lines.append(f"Referred by {e.referral_source}")
        if e.referral_reason:
            lines.append(f"Reason for referral: {e.referral_reason}")
        if e.referral_reason_code:
            lines.append(f"Primary reason for referral {described(REFERRAL_REASON, e.referral_reason_code)}")
        if e.primary_diagnosis:
            lines.append(f"Primary diagnosis (ICD-10) {e.primary_diagnosis}")
        events.append(
            {
                "on": e.referral_date,
                "recorded_at": e.recorded_at,
                "order": -1,
                "kind": "Episode",
                "title": "Episode of care opened (referral)",
                "lines": lines,
                "link": None,
            }
        )
        if e.discharge_date is not None:
            events.append(
                {
                    "on": e.discharge_date,
                    "recorded_at": e.recorded_at,
                    "order": 3,
                    "kind": "Episode",
                    "title": "Episode of care ended (discharge)",
                    "lines": [f"Reason: {e.discharge_reason}"] if e.discharge_reason else [],
                    "link": None,
                }
            )
    return events


def _timeline(
    assessments: list[Any],
    allocations: list[Any],
    reviews: list[Any],
    names: dict[int, str],
    reference: ReferenceSet,
    episodes: Sequence[Any] = (),
    team_names: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """Episodes, assessments, allocations and reviews, newest first; an allocation dates from its
    assessment."""
    events: list[dict[str, Any]] = _episode_events(list(episodes), team_names or {})
    assessed_on = {a.id: a.assessed_on for a in assessments}
    by_id = {a.id: a for a in assessments}
    reviewed = {r.assessment_id for r in reviews}
    for a in assessments:
        total, _valid, note = score(a.ratings, a.problem_type, a.problem_description)
        event = EVENTS.get(a.clustering_event, a.clustering_event)
        events.append(
            {
                "on": a.assessed_on,
                "recorded_at": a.recorded_at,
                "order": 0,
                "kind": "MHCT rating",
                "title": f"MHCT rating: {event}" + (" (at review)" if a.id in reviewed else ""),
                "lines": [
                    "Ratings "
                    + ", ".join(f"{code} = {value}" for code, value in zip(SCALE_CODES, a.ratings, strict=False)),
                    f"HoNOS total {total if total is not None else 'not known'} ({note})",
                    f"Rated by {names.get(a.rater_id, 'user ' + str(a.rater_id))}",
                ],
                "link": None,
            }
        )
    for al in allocations:
        chosen = al.chosen_cluster
        lines = [f"Suggested cluster {al.suggested_cluster} ({al.suggestion.get('status', '').replace('_', ' ')})"]
        if chosen is not None:
            lines.append(f"Chosen cluster {chosen} by {names.get(al.chosen_by or 0, 'a clinician')}")
        if al.reason:
            lines.append(f"Reason: {al.reason}")
        lines += [f"A reason was required: {w.get('text')}" for w in al.reason_required]
        rated = by_id.get(al.assessment_id)
        if rated is not None:
            ratings = Ratings.of(rated.ratings, rated.problem_type, rated.problem_description)
            differs = today_differs(al.suggestion, ratings, rated.super_class, rated.heading, reference)
            if differs:
                lines.append(differs)
        events.append(
            {
                "on": assessed_on.get(al.assessment_id),
                "recorded_at": al.recorded_at,
                "order": 1,
                "kind": "Allocation",
                "title": f"Allocated to cluster {chosen}"
                if chosen is not None
                else "Allocation: no cluster chosen yet",
                "lines": lines,
                "link": (f"/allocations/{al.id}", "Open the allocation"),
                "needs_choice": chosen is None,
            }
        )
    for r in reviews:
        lines = [f"Outcome: {r.result.get('outcome_text') or r.outcome.replace('_', ' ')}"]
        if (r.result.get("engine_check") or {}).get("message"):
            lines.append(f"Warning: {r.result['engine_check']['message']}")
        if r.chosen_cluster is not None:
            lines.append(f"Chosen cluster {r.chosen_cluster}")
        if r.reason:
            lines.append(f"Reason: {r.reason}")
        events.append(
            {
                "on": r.reviewed_on,
                "recorded_at": r.recorded_at,
                "order": 2,
                "kind": "Review",
                "title": f"Review of cluster {r.current_cluster}: {r.outcome.replace('_', ' ')}",
                "lines": lines,
                "link": None,
            }
        )
    events.sort(key=lambda e: (e["on"] or dt.date.min, e["recorded_at"], e["order"]), reverse=True)
    return events


@router.get("/service-users/{record_id}", response_class=HTMLResponse)
def record(request: Request, record_id: str) -> HTMLResponse:
    user = require_user(request)
    with use_case(request) as ctx:
        su = records.get_service_user(ctx, record_id)
        assessments = records.list_children(ctx, Assessment, record_id, ALL, 0).items
        allocations = records.list_children(ctx, Allocation, record_id, ALL, 0).items
        reviews = records.list_children(ctx, Review, record_id, ALL, 0).items
        periods = records.list_children(ctx, AssignmentPeriod, record_id, ALL, 0).items
        episodes = records.list_children(ctx, Episode, record_id, ALL, 0).items
        schedule = web_views.review_schedule(ctx, record_id)
        current = records.current_cluster(ctx, record_id)
        ids = {a.rater_id for a in assessments} | {al.chosen_by for al in allocations if al.chosen_by}
        names = web_views.user_names(ctx, ids | ({su.clinician_id} if su.clinician_id else set()))
        teams = {t.id: t for t in web_views.teams_readable(ctx)}
        currency = currency_grouping.current_group(ctx, record_id)
        currency_history = currency_grouping.group_history(ctx, record_id)
    reference = reference_of(request)
    chart = honos_chart([(a.assessed_on, a.ratings, a.problem_type, a.problem_description) for a in assessments])
    pending = next((al for al in allocations if al.chosen_cluster is None), None)
    team = teams.get(su.team_id)
    review_link = None
    if current is not None and current in reference.protocols.clusters:
        review_link = "/review?" + urlencode({"su": su.id, "current": current, "on": dt.date.today().isoformat()})
    return render(
        request,
        "record.html",
        active="/service-users",
        su=su,
        person=banner_for(request, su.id),
        nhs=format_nhs(su.nhs_number),
        team=team,
        clinician=names.get(su.clinician_id or 0),
        current=reference.cluster(current) if current is not None else None,
        schedule=schedule,
        timeline=_timeline(
            assessments,
            allocations,
            reviews,
            names,
            reference,
            episodes,
            {tid: f"{t.code}: {t.name}" for tid, t in teams.items()},
        ),
        open_episode=next((e for e in episodes if e.discharge_date is None), None),
        currency=currency,
        currency_history=currency_history,
        periods=periods,
        chart=chart,
        pending=pending,
        can_write=user.is_clinical,
        review_link=review_link,
        banner=BANNERS.get(request.query_params.get("saved", "")),
    )


# --- episodes of care -------------------------------------------------------------------------


def _episode_page(
    request: Request,
    mode: str,
    su: Any,
    values: dict[str, str],
    errors: dict[str, str],
    episode: Any = None,
    status_code: int = 200,
) -> HTMLResponse:
    with use_case(request) as ctx:
        teams = web_views.teams_readable(ctx)
    return render(
        request,
        "episode_form.html",
        status_code=status_code,
        active="/service-users",
        mode=mode,
        su=su,
        person=banner_for(request, su.id),
        episode=episode,
        teams=teams,
        team_names={t.id: f"{t.code}: {t.name}" for t in teams},
        values=values,
        errors=errors,
        sources=episode_forms.REFERRAL_SOURCES,
        reason_limit=episode_forms.REASON_LIMIT,
        discharge_limit=episode_forms.DISCHARGE_LIMIT,
        diagnosis_hint=episode_forms.DIAGNOSIS_HINT,
        reason_codes=currency_codes.referral_reasons(),
    )


def _episode_and_person(request: Request, episode_id: str) -> tuple[Any, Any]:
    with use_case(request) as ctx:
        episode = records.get_child(ctx, Episode, episode_id)
        su = records.get_service_user(ctx, episode.service_user_id)
    return episode, su


@router.get("/service-users/{record_id}/episodes/new", response_class=HTMLResponse)
def new_episode(request: Request, record_id: str) -> HTMLResponse:
    """Open an episode of care at referral."""
    require_writer(require_user(request))
    with use_case(request) as ctx:
        su = records.get_service_user(ctx, record_id)
    values = {"episode_team_id": str(su.team_id), **date_values(dt.date.today(), "referral-")}
    return _episode_page(request, "open", su, values, {})


@router.post("/service-users/{record_id}/episodes/new", response_class=HTMLResponse)
def create_episode(request: Request, record_id: str, form: Form) -> Response:
    user = require_user(request)
    check_csrf(request, form)
    require_writer(user)
    values = form_values(form)
    with use_case(request) as ctx:
        su = records.get_service_user(ctx, record_id)
    data, errors = episode_forms.read_episode(values, dt.date.today(), team_required=True)
    if data is not None:
        try:
            with use_case(request) as ctx:
                records.create_episode(ctx, record_id, data)
        except Invalid as error:
            errors = field_errors(error.errors, EPISODE_FIELDS, "referral-day")
        except Conflict as error:
            errors = {"referral-day": sentence(error.message)}
    if errors:
        return _episode_page(request, "open", su, values, errors, status_code=422)
    return RedirectResponse(f"/service-users/{record_id}?saved=episode", status_code=303)


@router.get("/episodes/{episode_id}/{action}", response_class=HTMLResponse)
def episode_action(request: Request, episode_id: str, action: str) -> HTMLResponse:
    """Transfer an open episode to another team, or end it at discharge."""
    require_writer(require_user(request))
    if action not in ("transfer", "discharge"):
        return render(request, "not_found.html", status_code=404, what=f"Episode page {action!r}")
    episode, su = _episode_and_person(request, episode_id)
    prefix = "transferred-" if action == "transfer" else "discharged-"
    return _episode_page(request, action, su, date_values(dt.date.today(), prefix), {}, episode)


@router.post("/episodes/{episode_id}/{action}", response_class=HTMLResponse)
def episode_action_post(request: Request, episode_id: str, action: str, form: Form) -> Response:
    user = require_user(request)
    check_csrf(request, form)
    require_writer(user)
    if action not in ("transfer", "discharge"):
        return render(request, "not_found.html", status_code=404, what=f"Episode page {action!r}")
    values = form_values(form)
    episode, su = _episode_and_person(request, episode_id)
    today = dt.date.today()
    data: Any
    if action == "transfer":
        data, errors = episode_forms.read_transfer(values, today)
    else:
        data, errors = episode_forms.read_discharge(values, today)
    if data is not None:
        try:
            with use_case(request) as ctx:
                if action == "transfer":
                    records.transfer_episode(ctx, episode_id, data)
                else:
                    records.discharge_episode(ctx, episode_id, data)
        except Invalid as error:
            errors = field_errors(
                error.errors, EPISODE_FIELDS, "transferred-day" if action == "transfer" else "discharged-day"
            )
        except Conflict as error:
            errors = {"team_id" if action == "transfer" else "discharged-day": sentence(error.message)}
    if errors:
        return _episode_page(request, action, su, values, errors, episode, status_code=422)
    saved = "transferred" if action == "transfer" else "discharged"
    return RedirectResponse(f"/service-users/{su.id}?saved={saved}", status_code=303)
