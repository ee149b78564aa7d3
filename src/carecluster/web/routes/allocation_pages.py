"""Rate a service user's MHCT and allocate: the rating form stores an assessment, and the
allocation page shows the stored suggestion, its candidates and grids, and takes the choice.

The allocation page shows the suggestion exactly as it was stored (reference set and version
included), not a fresh computation: what the clinician saw is what the record says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from carecluster.api import allocate
from carecluster.domain.allocation import AllocationError
from carecluster.domain.results import Candidate
from carecluster.domain.schedule import ClusteringEvent
from carecluster.service import records
from carecluster.service.errors import Conflict, Invalid, PreconditionFailed
from carecluster.service.schemas import AnswersIn, AssessmentIn, ChoiceIn
from carecluster.store.models import Allocation, Assessment
from carecluster.web.conflict import conflict_page, form_version
from carecluster.web.date_input import date_values, read_date
from carecluster.web.forms import FACT_PREFIX, FIELDS, field_errors, pydantic_faults, rating_values, read_rating_form
from carecluster.web.reasons import REASON_LIMIT, reason_errors, reason_hint
from carecluster.web.routes.auth_pages import Form
from carecluster.web.routes.engine_pages import _query_base
from carecluster.web.routes.service_user_pages import banner_for, format_nhs, require_writer
from carecluster.web.session import check_csrf, form_values, require_user, use_case
from carecluster.web.templating import reference_of, render

router = APIRouter(include_in_schema=False)
EVENTS = [(e.value, e.label) for e in ClusteringEvent]
ASSESS_FIELDS = {
    "assessed_on": "assessed_on-day",
    "clustering_event": "clustering_event",
    "super_class": "super_class",
    "heading": "super_class",
    "problem_type": "problem_type",
    "problem_description": "problem_description",
}
CHOICE_FIELDS = {"chosen_cluster": "chosen_cluster", "reason": "reason", "amend_reason": "amend_reason"}


def _iso(text: str | None) -> bool:
    try:
        dt.date.fromisoformat(text or "")
    except ValueError:
        return False
    return True


class StoredSuggestion:
    """A stored allocation's suggestion with the attributes the suggestion and grid partials read."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)
        self.data = data
        self.suggested_cluster: int | None = data.get("suggested_cluster")
        self.candidates = [Candidate.model_validate(c) for c in data.get("candidates", [])]

    def candidate(self, cluster: int) -> Candidate:
        for candidate in self.candidates:
            if candidate.cluster == cluster:
                return candidate
        raise KeyError(cluster)


def _assess_page(
    request: Request, su: Any, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    form = read_rating_form(values, require_all=False)
    result = None
    if form.ratings is not None and not form.errors:
        try:
            result = allocate(form.ratings, form.super_class, reference_of(request), facts=form.facts)
        except AllocationError:
            result = None
    grid = values.get("grid", "")
    grid_cluster = int(grid) if grid.isdigit() and int(grid) in reference_of(request).grids else None
    if result is not None and grid_cluster is None and result.candidates:
        grid_cluster = result.suggested_cluster or result.candidates[0].cluster
    return render(
        request,
        "assess.html",
        status_code=status_code,
        active="/service-users",
        su=su,
        person=banner_for(request, su.id),
        nhs=format_nhs(su.nhs_number),
        form=values,
        errors=errors,
        result=result,
        rated_count=form.rated_count,
        grid_cluster=grid_cluster,
        answerable=True,
        query_base=_query_base(values),
        form_method="post",
        form_action=f"/service-users/{su.id}/assess",
        events=EVENTS,
    )


@router.get("/service-users/{record_id}/assess", response_class=HTMLResponse)
def assess(request: Request, record_id: str) -> HTMLResponse:
    """The rating form for one service user; query values prefill it (the candidates' grid links)."""
    require_writer(require_user(request))
    with use_case(request) as ctx:
        su = records.get_service_user(ctx, record_id)
        current = records.current_cluster(ctx, record_id)
    values = dict(request.query_params)
    if not any(values.get(f"assessed_on-{p}") for p in ("day", "month", "year")):
        on = dt.date.fromisoformat(values["assessed_on"]) if _iso(values.get("assessed_on")) else dt.date.today()
        values.update(date_values(on, "assessed_on-"))
    values.setdefault("clustering_event", "initial_assessment" if current is None else "planned_review")
    return _assess_page(request, su, values, {})


def _assessed_on(values: dict[str, str], errors: dict[str, str]) -> dt.date | None:
    """The assessment date from the Day / Month / Year boxes (a script may post one ISO
    `assessed_on` instead); a bad date is an error on the day box."""
    if values.get("assessed_on") and not any(values.get(f"assessed_on-{p}") for p in ("day", "month", "year")):
        try:
            on = dt.date.fromisoformat(values["assessed_on"])
        except ValueError:
            errors["assessed_on-day"] = "Enter the assessment date as a day, month and year, for example 23 11 2026"
            return None
        values.update(date_values(on, "assessed_on-"))
        if on > dt.date.today():
            errors["assessed_on-day"] = "The assessment date must be today or in the past"
            return None
        return on
    return read_date(values, "assessed_on", "the assessment date", errors, not_after=dt.date.today())


@router.post("/service-users/{record_id}/assess", response_class=HTMLResponse)
def assess_post(request: Request, record_id: str, form: Form) -> Response:
    user = require_user(request)
    check_csrf(request, form)
    require_writer(user)
    values = form_values(form)
    with use_case(request) as ctx:
        su = records.get_service_user(ctx, record_id)
    rating = read_rating_form(values, require_all=True)
    errors = dict(rating.errors)
    assessed_on = _assessed_on(values, errors) or dt.date.today()
    if values.get("clustering_event") not in {value for value, _ in EVENTS}:
        errors["clustering_event"] = "Choose the clustering event"
    if errors or rating.ratings is None:
        return _assess_page(request, su, values, errors, status_code=422)
    try:
        # the form's text (the super class word, the answers) is validated by the model, as the API's body is
        data = AssessmentIn.model_validate(
            {
                "ratings": rating_values(rating),
                "problem_type": values.get("problem_type") or None,
                "problem_description": values.get("problem_description") or None,
                "super_class": values.get("super_class") or None,
                "assessed_on": assessed_on,
                "clustering_event": ClusteringEvent(values["clustering_event"]),
                "facts": rating.facts,
            }
        )
    except ValidationError as error:
        return _assess_page(request, su, values, field_errors(pydantic_faults(error), ASSESS_FIELDS, "s1"), 422)
    try:
        with use_case(request) as ctx:
            created = records.create_assessment(ctx, record_id, data)
    except Invalid as error:
        return _assess_page(request, su, values, field_errors(error.errors, ASSESS_FIELDS, "assessed_on"), 422)
    except Conflict as error:
        return _assess_page(request, su, values, {"assessed_on": error.message}, 409)
    return RedirectResponse(f"/allocations/{created.allocation.id}", status_code=303)


def _allocation_page(
    request: Request,
    allocation_id: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    user = require_user(request)
    with use_case(request) as ctx:
        allocation = records.get_child(ctx, Allocation, allocation_id)
        assessment = records.get_child(ctx, Assessment, allocation.assessment_id)
        su = records.get_service_user(ctx, allocation.service_user_id)
    reference = reference_of(request)
    result = StoredSuggestion(allocation.suggestion)
    grid = request.query_params.get("grid", "")
    grid_cluster = int(grid) if grid.isdigit() and int(grid) in reference.grids else None
    if grid_cluster is None:
        grid_cluster = result.suggested_cluster or (result.candidates[0].cluster if result.candidates else None)
    values = values or {}
    default_choice = (
        allocation.chosen_cluster if allocation.chosen_cluster is not None else allocation.suggested_cluster
    )
    values.setdefault("chosen_cluster", str(default_choice))
    values.setdefault("reason", "")
    values.setdefault("amend_reason", "")
    same_reference = (allocation.reference_id, allocation.reference_version) == (reference.id, reference.version)
    return render(
        request,
        "allocation.html",
        status_code=status_code,
        active="/service-users",
        allocation=allocation,
        assessment=assessment,
        su=su,
        person=banner_for(request, su.id),
        reason_limit=REASON_LIMIT,
        reason_hint_choice=reason_hint(
            "Required when your choice differs from the suggestion, breaks one of its red (must score) rules,"
            " or is a rare move from the current cluster."
        ),
        reason_hint_change=reason_hint("Required when you change a cluster already chosen."),
        nhs=format_nhs(su.nhs_number),
        result=result,
        rated_count=18,
        grid_cluster=grid_cluster,
        query_base="",
        values=values,
        errors=errors or {},
        can_write=user.is_clinical,
        answerable=user.is_clinical
        and allocation.chosen_cluster is None
        and any(q.get("kind") in ("fact", "inferred_rule") for q in allocation.suggestion.get("questions") or []),
        answer_form="answers-form",
        same_reference=same_reference,
        event_label=dict(EVENTS).get(assessment.clustering_event, assessment.clustering_event),
    )


@router.get("/allocations/{allocation_id}", response_class=HTMLResponse)
def allocation_page(request: Request, allocation_id: str) -> HTMLResponse:
    return _allocation_page(request, allocation_id)


@router.post("/allocations/{allocation_id}/choice", response_class=HTMLResponse)
def choose(request: Request, allocation_id: str, form: Form) -> Response:
    """Save the choice; the service decides whether a reason is required and says why."""
    user = require_user(request)
    check_csrf(request, form)
    require_writer(user)
    values = {k: str(v).strip() for k, v in form.items() if k in CHOICE_FIELDS}
    chosen = values.get("chosen_cluster", "")
    if not chosen.isdigit():
        return _allocation_page(request, allocation_id, values, {"chosen_cluster": "Choose a cluster"}, 422)
    try:
        data = ChoiceIn(
            chosen_cluster=int(chosen),
            reason=values.get("reason") or None,
            amend_reason=values.get("amend_reason") or None,
        )
    except ValidationError as error:
        errors = field_errors(pydantic_faults(error), CHOICE_FIELDS, "reason")
        errors.update(
            reason_errors(
                error,
                {"reason": "reason", "amend_reason": "amend_reason"},
                {"reason": "a reason for your choice", "amend_reason": "a reason for the change"},
            )
        )
        return _allocation_page(request, allocation_id, values, errors, 422)
    version = form_version(form)
    try:
        with use_case(request) as ctx:
            ctx.expected_version = version  # a choice changed since the page was opened is not overwritten
            saved = records.choose_cluster(ctx, allocation_id, data)
    except PreconditionFailed:
        with use_case(request) as ctx:
            history = records.history(ctx, Allocation, allocation_id)
        back = f"/allocations/{allocation_id}"
        return conflict_page(
            request, what="allocation", back=back, history=history, version=version or 0, submitted=values
        )
    except Invalid as error:
        errors = field_errors(error.errors, CHOICE_FIELDS, "chosen_cluster")
        return _allocation_page(request, allocation_id, values, errors, 422)
    except Conflict as error:
        return _allocation_page(request, allocation_id, values, {"chosen_cluster": error.message}, 409)
    return RedirectResponse(f"/service-users/{saved.service_user_id}?saved=allocated", status_code=303)


@router.post("/allocations/{allocation_id}/answers", response_class=HTMLResponse)
def answer(request: Request, allocation_id: str, form: Form) -> Response:
    """Save answers to the stored suggestion's questions; the suggestion is worked out again."""
    user = require_user(request)
    check_csrf(request, form)
    require_writer(user)
    facts: dict[str, bool | str] = {
        key.removeprefix(FACT_PREFIX): str(value)
        for key, value in form.items()
        if key.startswith(FACT_PREFIX) and str(value) in ("yes", "no")
    }
    if not facts:
        return _allocation_page(request, allocation_id, None, {"facts": "Answer at least one question: yes or no"}, 422)
    try:
        with use_case(request) as ctx:
            records.answer_questions(ctx, allocation_id, AnswersIn(facts=facts))
    except Invalid as error:
        return _allocation_page(
            request, allocation_id, None, field_errors(error.errors, {"facts": "facts"}, "facts"), 422
        )
    except Conflict as error:
        return _allocation_page(request, allocation_id, None, {"facts": error.message}, 409)
    return RedirectResponse(f"/allocations/{allocation_id}", status_code=303)


__all__ = ["FIELDS", "router"]
