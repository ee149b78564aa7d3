"""The review wizard: the six steps of the care transition protocol, one screen at a time.

Each screen shows one step's criteria as the ratings decide them and asks the clinician only
the questions the ratings cannot answer. The state travels in the query string, so the back
button, a refresh or a bookmark never loses an answer.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from carecluster.api import review as run_review
from carecluster.domain.protocols import ReviewError, ReviewResult
from carecluster.service import records, web_views
from carecluster.service.errors import Conflict, Invalid
from carecluster.service.schemas import ReviewIn
from carecluster.web.date_input import date_values, read_date
from carecluster.web.forms import FIELDS, RatingForm, field_errors, pydantic_faults, read_rating_form, sentence
from carecluster.web.reasons import REASON_LIMIT, reason_errors
from carecluster.web.routes.auth_pages import Form
from carecluster.web.session import PageError, check_csrf, form_values, require_user, use_case
from carecluster.web.templating import reference_of, render

router = APIRouter(include_in_schema=False)
STEPS = ("step_up", "discharge", "step_down")
STEP_TITLES = {
    "step_up": "Step 3: step-up criteria (any one met)",
    "discharge": "Step 4: discharge criteria (all met)",
    "step_down": "Step 5: step-down criteria (all met)",
    "outcome": "Step 6: outcome",
}
STEP_OUTCOME = {"step_up": "step_up", "discharge": "discharge", "step_down": "step_down"}
# the booklet's six steps, as the progress list names them (steps 1-2 are the start page)
STEP_LIST = (
    ("current", "Current cluster"),
    ("rating", "New MHCT rating"),
    ("step_up", "Step-up criteria"),
    ("discharge", "Discharge criteria"),
    ("step_down", "Step-down criteria"),
    ("outcome", "Outcome"),
)


def _answers(params: dict[str, str]) -> dict[str, str]:
    return {key[2:]: value for key, value in params.items() if key.startswith("f_") and value}


def _carry(params: dict[str, str], **changes: str) -> str:
    keep = {k: v for k, v in params.items() if k not in ("step", "chosen", "reason")}
    keep.update(changes)
    return urlencode(keep)


def _next_screen(result: ReviewResult, step: str) -> str:
    """Where the booklet's walk goes after `step`, given what is decided now."""
    if result.outcome == "needs_answers" and result.decided_at_step == step:
        return step
    if result.outcome == STEP_OUTCOME.get(step):
        return "outcome"
    later = STEPS[STEPS.index(step) + 1 :] if step in STEPS else ()
    return later[0] if later else "outcome"


@router.get("/review", response_class=HTMLResponse)
def review_start(request: Request) -> HTMLResponse:
    """Steps 1-2: the current cluster and a new MHCT rating."""
    params = dict(request.query_params)
    # only the "Start the review" button submits: the record's link carries `current` and `su`
    # to pre-fill the form, and must open it clean
    submitted = "start" in params
    form = read_rating_form(params, require_all=submitted)
    errors = dict(form.errors)
    current = params.get("current", "")
    reference = reference_of(request)
    person = _person(request, params.get("su", ""))
    if person is not None and person.cluster is not None:
        current = str(person.cluster)  # a recorded review is of the record's own current cluster
        params["current"] = current
    if submitted and not (current.isdigit() and int(current) in reference.protocols.clusters):
        errors["current"] = "Choose the current cluster (1-21, not 9)"
    on = _review_date(params, errors)
    if submitted and not errors and "edit" not in params:  # edit=1: back to the form to re-rate
        return _step_page(request, params, "step_up")
    return render(
        request,
        "review_start.html",
        status_code=422 if errors else 200,
        form=form.values,
        errors=errors,
        current=current,
        on_values=date_values(on, "on-") if on else {k: params.get(k, "") for k in ON_PARTS},
        su=params.get("su", ""),
        result=None,
        rated_count=form.rated_count,
        form_method="get",
        form_action="/review",
        active="/review",
        person=person,
        steps=STEP_LIST,
    )


ON_PARTS = ("on-day", "on-month", "on-year")


def _on_values(params: dict[str, str]) -> dict[str, str]:
    try:
        return date_values(dt.date.fromisoformat(params.get("on", "")), "on-")
    except ValueError:
        return {}


def _review_date(params: dict[str, str], errors: dict[str, str]) -> dt.date | None:
    """The review date from the Day / Month / Year boxes, or from `on` (ISO) as the record's link
    and the later steps carry it; today when neither is given. Leaves `params["on"]` in ISO form."""
    if any(params.get(k) for k in ON_PARTS):
        on = read_date(params, "on", "the review date", errors, not_after=dt.date.today())
        for k in ON_PARTS:
            params.pop(k, None)
    else:
        try:
            on = dt.date.fromisoformat(params.get("on") or dt.date.today().isoformat())
        except ValueError:
            errors["on-day"] = "Enter the review date as a day, month and year, for example 23 11 2026"
            on = None
    if on is not None:
        params["on"] = on.isoformat()
    return on


def _person(request: Request, su: str) -> web_views.PersonBanner | None:
    """The banner of the record a review is for (none for the open wizard, or when signed out)."""
    if not su or getattr(request.state, "user", None) is None:
        return None
    with use_case(request) as ctx:
        return web_views.person_banner(ctx, su)


def _review_in(params: dict[str, str], form: RatingForm, chosen: str, reason: str | None = None) -> ReviewIn:
    """The review as the service takes it, from the wizard's query string or the record form."""
    # the query string's text (the super class word) is validated by the model, as the API's body is
    return ReviewIn.model_validate(
        {
            "ratings": [form.values[name] for name in FIELDS],
            "problem_type": params.get("problem_type") or None,
            "problem_description": params.get("problem_description") or None,
            "super_class": params.get("super_class") or None,
            "reviewed_on": dt.date.fromisoformat(params.get("on") or dt.date.today().isoformat()),
            "facts": {key: FACT_VALUES.get(value) for key, value in _answers(params).items()},
            "chosen_cluster": int(chosen) if chosen.isdigit() else None,
            "reason": reason or None,
            "end_episode": params.get("end_episode") == "yes",
        }
    )


def default_choice(result: ReviewResult, current: int) -> int:
    """What the protocol's outcome implies: the first fitting listed cluster for a move, otherwise
    the current cluster (kept until discharge, or unchanged)."""
    if result.outcome in ("step_up", "step_down") and result.suggested_clusters:
        return result.suggested_clusters[0].cluster
    return current


@router.get("/review/step/{step}", response_class=HTMLResponse)
def review_step(request: Request, step: str) -> HTMLResponse:
    return _step_page(request, dict(request.query_params), step)


def _step_page(
    request: Request,
    params: dict[str, str],
    step: str,
    record_values: dict[str, str] | None = None,
    record_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    reference = reference_of(request)
    form = read_rating_form(params, require_all=True)
    current = params.get("current", "")
    if form.errors or form.ratings is None or not current.isdigit():
        return render(
            request,
            "review_start.html",
            status_code=422,
            form=form.values,
            errors=form.errors or {"current": "Choose the current cluster"},
            current=current,
            on_values=_on_values(params),
            su=params.get("su", ""),
            result=None,
            rated_count=form.rated_count,
            form_method="get",
            form_action="/review",
            active="/review",
            person=_person(request, params.get("su", "")),
            steps=STEP_LIST,
        )
    if step not in (*STEPS, "outcome"):
        return render(request, "not_found.html", status_code=404, what=f"Review step {step!r}")
    chosen = params.get("chosen", "") or (record_values or {}).get("record_chosen", "")
    user = getattr(request.state, "user", None)
    su = params.get("su", "")
    person = _person(request, su)
    stored_suggestion: int | None = None
    has_episode = False
    try:
        if person is not None:
            # the same use case as the save: what is shown here is what would be stored
            with use_case(request) as ctx:
                preview = records.preview_review(ctx, su, _review_in(params, form, chosen))
                if not chosen and step == "outcome":
                    implied = default_choice(preview.result, preview.current)
                    preview = records.preview_review(ctx, su, _review_in(params, form, str(implied)))
                has_episode = records.open_episode(ctx, su) is not None
            result, stored_suggestion = preview.result, preview.allocation.suggested_cluster
            current = str(preview.current)
        else:
            on = dt.date.fromisoformat(params.get("on") or dt.date.today().isoformat())
            result = run_review(
                int(current),
                form.ratings,
                facts=_answers(params),
                on=on,
                chosen_cluster=int(chosen) if chosen.isdigit() else None,
                reference=reference,
            )
    except (ReviewError, Invalid, ValidationError, ValueError) as error:
        message = (
            sentence(error.errors[0][1])
            if isinstance(error, Invalid)
            else "Check the current cluster and the review date"
        )
        if isinstance(error, ReviewError):
            message = str(error)
        return render(
            request,
            "review_start.html",
            status_code=422,
            form=form.values,
            errors={"current": message},
            current=current,
            on_values=_on_values(params),
            su=su,
            result=None,
            rated_count=form.rated_count,
            form_method="get",
            form_action="/review",
            active="/review",
            person=person,
            steps=STEP_LIST,
        )
    if "advance" in params and step in STEPS:
        step = _next_screen(result, step)
        params.pop("advance")
    criteria = [c for c in result.criteria if c.step == step]
    questions = [c for c in criteria if c.question] + [p for c in criteria for p in c.parts if p.question]
    rate_scales = [q for q in result.questions if q.kind == "not_known"] if result.decided_at_step == step else []
    default_record = chosen or str(default_choice(result, int(current)))
    record = {"record_chosen": default_record, "record_reason": "", **(record_values or {})}
    return render(
        request,
        "review_step.html",
        status_code=status_code,
        step=step,
        step_title=STEP_TITLES[step],
        steps=STEP_LIST,
        person=person,
        engine_suggestion=stored_suggestion if stored_suggestion is not None else result.engine_suggestion,
        discharge_here=result.outcome == "discharge" and has_episode,
        reason_limit=REASON_LIMIT,
        result=result,
        criteria=criteria,
        questions=questions,
        rate_scales=rate_scales,
        answers=_answers(params),
        facts=reference.protocols.facts,
        carry=_carry(params),
        hidden={
            k: v
            for k, v in params.items()
            if k not in ("step", "advance", "start", "end_episode") and not k.startswith("f_")
        },
        chosen=chosen,
        reason=params.get("reason", ""),
        current_cluster=reference.cluster(int(current)),
        can_record=bool(person is not None and user is not None and user.is_clinical),
        su=su,
        record=record,
        errors=record_errors or {},
        active="/review",
    )


FACT_VALUES = {"yes": True, "no": False, "unknown": None}
RECORD_FIELDS = {
    "chosen_cluster": "record_chosen",
    "reason": "record_reason",
    "reviewed_on": "record_chosen",
    "end_episode": "end_episode",
}


@router.post("/service-users/{record_id}/reviews", response_class=HTMLResponse)
def record_review(request: Request, record_id: str, form: Form) -> Response:
    """Store the review the wizard walked through: the service re-runs the protocol on the record."""
    user = require_user(request)
    check_csrf(request, form)
    if not user.is_clinical:
        raise PageError(403, "You cannot do this", f"The {user.role} role cannot change clinical records.")
    params = form_values(form)
    record: dict[str, str] = {k: params.pop(k) for k in ("record_chosen", "record_reason") if k in params}
    params["su"] = record_id
    rating = read_rating_form(params, require_all=True)
    chosen = record.get("record_chosen", "")
    errors: dict[str, str] = {}
    if not chosen.isdigit():
        errors["record_chosen"] = "Choose the cluster you decided on"
    if rating.errors or rating.ratings is None:
        errors.update(rating.errors)
    if not errors:
        try:
            data = _review_in(params, rating, chosen, record.get("record_reason"))
            with use_case(request) as ctx:
                records.create_review(ctx, record_id, data)
        except ValidationError as error:
            errors = field_errors(pydantic_faults(error), RECORD_FIELDS, "record_chosen")
            errors.update(reason_errors(error, {"reason": "record_reason"}, {"reason": "the reason"}))
        except ValueError:
            errors["record_chosen"] = "The review date is not a date: start the review again"
        except Invalid as error:
            errors = field_errors(error.errors, RECORD_FIELDS, "record_chosen")
        except Conflict as error:
            errors = {"record_chosen": sentence(error.message)}
    if errors:
        return _step_page(request, params, "outcome", record, errors, status_code=422)
    return RedirectResponse(f"/service-users/{record_id}?saved=reviewed", status_code=303)


__all__ = ["FIELDS", "router"]
