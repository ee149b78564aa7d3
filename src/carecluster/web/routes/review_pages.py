"""The review wizard: the six steps of the care transition protocol, one screen at a time.

Each screen shows one step's criteria as the ratings decide them and asks the clinician only
the questions the ratings cannot answer. The state travels in the query string, so the back
button, a refresh or a bookmark never loses an answer.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from carecluster.api import review as run_review
from carecluster.domain.protocols import ReviewError, ReviewResult
from carecluster.web.forms import FIELDS, read_rating_form
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
    submitted = "current" in params
    form = read_rating_form(params, require_all=submitted)
    errors = dict(form.errors)
    current = params.get("current", "")
    reference = reference_of(request)
    if submitted and not (current.isdigit() and int(current) in reference.protocols.clusters):
        errors["current"] = "Choose the current cluster (1-21, not 9)"
    on = params.get("on") or dt.date.today().isoformat()
    try:
        dt.date.fromisoformat(on)
    except ValueError:
        errors["on"] = "Enter the review date as YYYY-MM-DD"
    if submitted and not errors:
        return review_step(request, "step_up")
    return render(
        request,
        "review_start.html",
        status_code=422 if errors else 200,
        form=form.values,
        errors=errors,
        current=current,
        on=on,
        result=None,
        rated_count=form.rated_count,
        form_method="get",
        form_action="/review",
        active="/review",
    )


@router.get("/review/step/{step}", response_class=HTMLResponse)
def review_step(request: Request, step: str) -> HTMLResponse:
    params = dict(request.query_params)
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
            on=params.get("on", ""),
            result=None,
            rated_count=form.rated_count,
            form_method="get",
            form_action="/review",
            active="/review",
        )
    if step not in (*STEPS, "outcome"):
        return render(request, "not_found.html", status_code=404, what=f"Review step {step!r}")
    on = dt.date.fromisoformat(params.get("on") or dt.date.today().isoformat())
    chosen = params.get("chosen", "")
    try:
        result = run_review(
            int(current),
            form.ratings,
            facts=_answers(params),
            on=on,
            chosen_cluster=int(chosen) if chosen.isdigit() else None,
            reference=reference,
        )
    except ReviewError as error:
        return render(
            request,
            "review_start.html",
            status_code=422,
            form=form.values,
            errors={"current": str(error)},
            current=current,
            on=params.get("on", ""),
            result=None,
            rated_count=form.rated_count,
            form_method="get",
            form_action="/review",
            active="/review",
        )
    if "advance" in params and step in STEPS:
        step = _next_screen(result, step)
        params.pop("advance")
    criteria = [c for c in result.criteria if c.step == step]
    questions = [c for c in criteria if c.question] + [p for c in criteria for p in c.parts if p.question]
    return render(
        request,
        "review_step.html",
        step=step,
        step_title=STEP_TITLES[step],
        steps=(*STEPS, "outcome"),
        result=result,
        criteria=criteria,
        questions=questions,
        answers=_answers(params),
        facts=reference.protocols.facts,
        carry=_carry(params),
        hidden={k: v for k, v in params.items() if k not in ("step", "advance") and not k.startswith("f_")},
        chosen=chosen,
        reason=params.get("reason", ""),
        current_cluster=reference.cluster(int(current)),
        active="/review",
    )


__all__ = ["FIELDS", "router"]
