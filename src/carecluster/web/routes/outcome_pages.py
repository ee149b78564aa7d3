"""Outcome measures on the web (issue 7): a questionnaire form per measure that a service user
can fill in on a tablet, and the service user's outcomes page with the paired outcomes charted.

The form is one question per fieldset with large radios; a problem re-shows the page with an
error summary and every answer as it was chosen, so nothing is lost. Unanswered questions are
allowed - the questionnaire is then saved as partial - but only when that is ticked on purpose.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from carecluster.domain.outcomes import MEASURES, MeasureDefinition, item_text
from carecluster.service import outcomes, records
from carecluster.service.errors import Invalid
from carecluster.service.outcome_schemas import OutcomeIn, PairedOutcome
from carecluster.web.forms import sentence
from carecluster.web.outcome_charts import outcome_chart
from carecluster.web.routes.auth_pages import Form
from carecluster.web.routes.service_user_pages import banner_for
from carecluster.web.session import PageError, WebUser, check_csrf, form_values, require_user, use_case
from carecluster.web.templating import render

router = APIRouter(include_in_schema=False)
GOAL_ROWS = 3
RESPONDENTS = (("service_user", "The service user"), ("clinician", "A clinician"), ("carer", "A carer or relative"))
CATEGORY_WORDS = {
    "reliable_improvement": "Reliable improvement",
    "reliable_deterioration": "Reliable deterioration",
    "no_reliable_change": "No reliable change",
    "no_threshold": "Change shown, no published reliable change value",
    "not_assessable": "Not yet paired",
    "not_applicable": "Experience measure: no change to measure",
}


def _writer(user: WebUser) -> None:
    if not user.is_clinical:
        raise PageError(403, "You cannot do this", f"The {user.role} role cannot change clinical records.")


def recordable() -> list[MeasureDefinition]:
    return [m for m in MEASURES.values() if m.id not in outcomes.FROM_MHCT]


def _measure(measure_id: str | None) -> MeasureDefinition | None:
    definition = MEASURES.get(measure_id or "")
    return definition if definition is not None and definition.id not in outcomes.FROM_MHCT else None


# --- the outcomes page ------------------------------------------------------------------------


def paired_sections(paired: list[PairedOutcome]) -> list[dict[str, Any]]:
    """What `partials/outcome_paired.html` needs: each paired outcome with its chart and its words.

    The record page can embed the same section: `{% include "partials/outcome_paired.html" %}`
    with `sections=paired_sections(outcomes.paired_outcomes(ctx, record_id))`.
    """
    return [
        {
            "paired": p,
            "chart": outcome_chart(p, MEASURES[p.measure_id].score_range),
            "words": CATEGORY_WORDS.get(p.change["category"], p.change["category"]),
        }
        for p in paired
    ]


@router.get("/service-users/{record_id}/outcomes", response_class=HTMLResponse)
def outcomes_page(request: Request, record_id: str) -> HTMLResponse:
    """Paired outcomes per episode (chart, table and change) and every administration recorded."""
    user = require_user(request)
    with use_case(request) as ctx:
        su = records.get_service_user(ctx, record_id)
        paired = outcomes.paired_outcomes(ctx, record_id)
        given = outcomes.list_outcomes(ctx, record_id, 500, 0).items
    sections = paired_sections(paired)
    saved = request.query_params.get("saved")
    return render(
        request,
        "outcome_record.html",
        active="/service-users",
        su=su,
        person=banner_for(request, su.id),
        sections=sections,
        given=given,
        measures=recordable(),
        names={m.id: m.name for m in MEASURES.values()},
        can_write=user.is_clinical,
        banner="Questionnaire saved." if saved else None,
    )


# --- the questionnaire form -------------------------------------------------------------------


def _choose_page(request: Request, su: Any) -> HTMLResponse:
    return render(
        request,
        "outcome_choose.html",
        active="/service-users",
        su=su,
        person=banner_for(request, su.id),
        measures=recordable(),
    )


def _form_page(
    request: Request,
    su: Any,
    definition: MeasureDefinition,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    missing: list[str] | None = None,
) -> HTMLResponse:
    items = [
        {"id": item.id, "text": item_text(definition, item.id), "options": item.options, "field": f"item-{item.id}"}
        for item in definition.items
    ]
    goal_based = definition.scoring in ("gas", "gbo")
    return render(
        request,
        "outcome_new.html",
        status_code=status_code,
        active="/service-users",
        su=su,
        person=banner_for(request, su.id),
        measure=definition,
        items=[] if goal_based else items,
        goal_based=goal_based,
        goal_options=definition.items[0].options if goal_based else (),
        goal_rows=range(1, GOAL_ROWS + 1),
        weighted=definition.scoring == "gas",
        respondents=RESPONDENTS,
        values=values,
        errors=errors,
        missing=missing or [],
    )


@router.get("/service-users/{record_id}/outcomes/new", response_class=HTMLResponse)
def new_outcome(request: Request, record_id: str) -> HTMLResponse:
    _writer(require_user(request))
    definition = _measure(request.query_params.get("measure"))
    with use_case(request) as ctx:
        su = records.get_service_user(ctx, record_id)
        goals = outcomes.goals_to_rate(ctx, record_id, definition.id) if definition else []
    if definition is None:
        return _choose_page(request, su)
    today = dt.date.today()
    values = {"on-day": str(today.day), "on-month": str(today.month), "on-year": str(today.year)}
    values["respondent"] = "service_user"
    for n, goal in enumerate(goals[:GOAL_ROWS], start=1):
        values[f"goal-{n}-description"] = goal["description"]
        values[f"goal-{n}-weight"] = f"{goal.get('weight', 1):g}"
    return _form_page(request, su, definition, values, {})


def _date(values: dict[str, str], errors: dict[str, str]) -> dt.date | None:
    parts = [values.get(f"on-{p}", "") for p in ("day", "month", "year")]
    if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        errors["on-day"] = "Enter the date it was filled in as a day, month and 4-digit year"
        return None
    try:
        on = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        errors["on-day"] = "The date it was filled in must be a real date"
        return None
    if on > dt.date.today():
        errors["on-day"] = "The date it was filled in cannot be in the future"
    return on


def _goals(
    values: dict[str, str], weighted: bool, errors: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Goal rows with a description: the goals, and their ratings by goal id."""
    goals: list[dict[str, Any]] = []
    answers: dict[str, str] = {}
    for n in range(1, GOAL_ROWS + 1):
        description = values.get(f"goal-{n}-description", "").strip()
        rating = values.get(f"goal-{n}-rating", "")
        if not description:
            if rating:
                errors[f"goal-{n}-description"] = f"Describe goal {n}, or clear its rating"
            continue
        goal: dict[str, Any] = {"id": f"goal-{n}", "description": description}
        if weighted:
            weight = values.get(f"goal-{n}-weight", "1").strip() or "1"
            try:
                goal["weight"] = float(weight)
                if not 0 < goal["weight"] <= 100:
                    raise ValueError
            except ValueError:
                errors[f"goal-{n}-weight"] = f"The weight of goal {n} must be a number above 0, up to 100"
                continue
        goals.append(goal)
        answers[goal["id"]] = rating
    if not goals and not errors:
        errors["goal-1-description"] = "Describe at least one goal"
    return goals, answers


def _question(definition: MeasureDefinition, field: str) -> str:
    item_id = field.removeprefix("item-")
    return f"Question {definition.item_ids.index(item_id) + 1} ({item_text(definition, item_id)})"


@router.post("/service-users/{record_id}/outcomes/new", response_class=HTMLResponse)
def save_outcome(request: Request, record_id: str, form: Form) -> Response:
    user = require_user(request)
    check_csrf(request, form)
    _writer(user)
    definition = _measure(request.query_params.get("measure") or str(form.get("measure", "")))
    with use_case(request) as ctx:
        su = records.get_service_user(ctx, record_id)
    if definition is None:
        return _choose_page(request, su)
    values = form_values(form)
    errors: dict[str, str] = {}
    on = _date(values, errors)
    goals: list[dict[str, Any]] | None = None
    if definition.scoring in ("gas", "gbo"):
        goals, answers = _goals(values, definition.scoring == "gas", errors)
        asked = {g["id"]: f"goal-{g['id'].split('-')[1]}-rating" for g in goals}
    else:
        answers = {item.id: values.get(f"item-{item.id}", "") for item in definition.items}
        asked = {item.id: f"item-{item.id}" for item in definition.items}
    missing = [asked[i] for i, value in answers.items() if not value]
    if missing and len(missing) < len(asked) and values.get("partial") != "yes":
        for field in missing:
            which = f"Goal {field.split('-')[1]}" if field.startswith("goal-") else _question(definition, field)
            errors[field] = f"{which}: choose an answer, or tick that some questions were left unanswered on purpose"
    elif asked and len(missing) == len(asked) and "goal-1-description" not in errors:
        errors[missing[0]] = "Choose at least one answer"
    if errors or on is None:
        return _form_page(request, su, definition, values, errors, 422, missing)
    try:
        # the form's text (goals, the respondent's word) is validated by the model, as the API's body is
        body = OutcomeIn.model_validate(
            {
                "measure_id": definition.id,
                "administered_on": on,
                "answers": {k: (v or None) for k, v in answers.items()},
                "goals": goals,
                "respondent": values.get("respondent") or "service_user",
            }
        )
        with use_case(request) as ctx:
            outcomes.record_outcome(ctx, record_id, body)
    except ValidationError as error:
        problems = {"on-day": sentence("; ".join(str(e["msg"]) for e in error.errors()))}
        return _form_page(request, su, definition, values, problems, 422, missing)
    except Invalid as error:
        problems = {}
        for loc, message in error.errors:
            name = str(loc[-1]) if loc else ""
            fallback = {"goals": "goal-1-description", "answers": next(iter(asked.values()), "on-day")}
            field = asked.get(name) or fallback.get(name, "on-day")
            problems.setdefault(field, sentence(message))
        return _form_page(request, su, definition, values, problems, 422, missing)
    return RedirectResponse(f"/service-users/{record_id}/outcomes?saved={definition.id}", status_code=303)
