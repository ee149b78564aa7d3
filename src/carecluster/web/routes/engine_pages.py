"""Pages that need no record: the rating form with its live suggestion, and the cluster reference.

A clinician can rate and see the suggested cluster, its reasons and the booklet-style grid of
any candidate before anything is stored; the service user's record pages build on these.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from carecluster.api import allocate
from carecluster.domain.allocation import AllocationError
from carecluster.web.forms import FIELDS, read_rating_form
from carecluster.web.templating import reference_of, render

router = APIRouter(include_in_schema=False)


def _query_base(values: dict[str, str]) -> str:
    keep = {k: v for k, v in values.items() if k in (*FIELDS, "super_class", "problem_type", "problem_description")}
    return urlencode(keep)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    if getattr(request.state, "user", None) is not None:
        return RedirectResponse("/caseload", status_code=303)
    return render(request, "home.html", active="/")


@router.get("/rate", response_class=HTMLResponse)
def rate(request: Request) -> HTMLResponse:
    """The MHCT form. Submitted without JavaScript, it comes back with the suggestion and grids."""
    params = dict(request.query_params)
    submitted = any(name in params for name in FIELDS)
    form = read_rating_form(params, require_all=submitted)
    result = None
    if form.ratings is not None and not form.errors:
        try:
            result = allocate(form.ratings, form.super_class, reference_of(request), facts=form.facts)
        except AllocationError as error:
            form.errors["super_class"] = str(error)
    grid = params.get("grid", "")
    grid_cluster = int(grid) if grid.isdigit() and int(grid) in reference_of(request).grids else None
    if result is not None and grid_cluster is None and result.suggested_cluster:
        grid_cluster = result.suggested_cluster
    elif result is not None and grid_cluster is None and result.candidates:
        grid_cluster = result.candidates[0].cluster
    return render(
        request,
        "rate.html",
        status_code=422 if form.errors else 200,
        form=form.values,
        errors=form.errors,
        result=result,
        rated_count=form.rated_count,
        grid_cluster=grid_cluster,
        answerable=True,
        query_base=_query_base(form.values),
        form_method="get",
        form_action="/rate",
        active="/rate",
    )


@router.get("/rate/suggestion", response_class=HTMLResponse)
def suggestion(request: Request) -> HTMLResponse:
    """The suggestion panel alone, for the form's live update (no reload)."""
    form = read_rating_form(dict(request.query_params), require_all=False)
    result = None
    if form.ratings is not None and not form.errors:
        try:
            result = allocate(form.ratings, form.super_class, reference_of(request), facts=form.facts)
        except AllocationError:
            result = None
    if form.errors:
        return HTMLResponse(
            '<p class="nhsuk-error-message">' + "; ".join(_escape(m) for m in form.errors.values()) + "</p>"
        )
    return render(request, "partials/suggestion.html", result=result, rated_count=form.rated_count, answerable=True)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


@router.get("/clusters", response_class=HTMLResponse)
def clusters(request: Request) -> HTMLResponse:
    return render(request, "clusters.html", active="/clusters")


@router.get("/clusters/{number}", response_class=HTMLResponse)
def cluster_page(request: Request, number: int) -> HTMLResponse:
    reference = reference_of(request)
    if not 0 <= number <= 21:
        return render(request, "not_found.html", status_code=404, what=f"Cluster {number}", active="/clusters")
    protocol = reference.protocols.clusters.get(number)
    return render(request, "cluster.html", cluster=reference.cluster(number), protocol=protocol, active="/clusters")
