"""Audit dashboards for team leads and auditors: each report with its charts, every number a link
to the service users behind it, and CSV / XLSX / printable HTML downloads of what is on screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from carecluster.reports import REPORTS, Drill
from carecluster.reports import service as reports
from carecluster.reports.measures import Which
from carecluster.reports.render import FORMATS, drill_csv, html_body, render
from carecluster.service import web_views
from carecluster.service.errors import Invalid
from carecluster.web.date_fields import DateField, read_date
from carecluster.web.session import PageError, require_user, use_case
from carecluster.web.templating import render as render_page

router = APIRouter(include_in_schema=False)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _iso(value: str, label: str) -> DateField | date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return DateField("", "", "", "", None, f"{label} must be a real date, for example 27 3 2026")


@dataclass
class Period:
    """The report filter as asked for: the period and team, and what is wrong with it, by field."""

    start: date
    end: date
    team: int | None
    fields: dict[str, DateField] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _period(request: Request) -> Period:
    """Dates come as Day / Month / Year boxes from the form, or as YYYY-MM-DD in links; a date that
    is not one is an error shown on the form, and the report is not run on a guess."""
    q = request.query_params
    today = date.today()
    team_text = q.get("team")
    team = int(team_text) if team_text and team_text.isdigit() else None
    found: dict[str, date | None] = {}
    errors: dict[str, str] = {}
    typed: dict[str, DateField] = {}
    for name, label in (("from", "Start date"), ("to", "End date")):
        if any(q.get(f"{name}-{part}") for part in ("day", "month", "year")):
            got = read_date(q, name, label)
            typed[name] = got
            found[name] = got.value
            if got.error:
                errors[name] = got.error
        elif q.get(name):
            iso = _iso(q.get(name, ""), label)
            found[name] = iso if isinstance(iso, date) else None
            if not isinstance(iso, date):
                errors[name] = iso.error or ""
        else:
            found[name] = None
    end = found["to"] or today
    start = found["from"] or end - timedelta(days=365)
    if not errors and start > end:
        errors["to"] = "End date must be the same as or after the start date"
    fields = {
        name: typed.get(name) or DateField(name, str(d.day), str(d.month), str(d.year), d, None)
        for name, d in (("from", start), ("to", end))
    }
    for name, message in errors.items():
        shown = typed.get(name) or DateField(name, "", "", "", None, None)
        fields[name] = DateField(name, shown.day, shown.month, shown.year, None, message)
    return Period(start, end, team, fields, errors)


def _params(request: Request) -> tuple[date, date, int | None]:
    """For links (exports, drill-downs): a bad date there is a bad link, answered as such."""
    period = _period(request)
    if period.errors:
        raise PageError(400, "That date is not valid", " ".join(period.errors.values()))
    return period.start, period.end, period.team


def _query(start: date, end: date, team: int | None, **extra: str | None) -> str:
    values = {"from": start.isoformat(), "to": end.isoformat()}
    if team is not None:
        values["team"] = str(team)
    values.update({k: v for k, v in extra.items() if v is not None})
    return urlencode(values)


def _bad(error: Invalid) -> PageError:
    return PageError(400, "That report cannot be shown", "; ".join(m for _loc, m in error.errors))


def _known(name: str) -> None:
    if name not in REPORTS:
        raise PageError(404, "Not found", f"There is no report called {name}.")


@router.get("/reports", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    require_user(request)
    period = _period(request)
    start, end, team = period.start, period.end, period.team
    with use_case(request) as ctx:
        reports.require_report_reader(ctx.actor)
        teams = web_views.teams_readable(ctx)
    return render_page(
        request,
        "report_index.html",
        status_code=422 if period.errors else 200,
        active="/reports",
        period=period,
        errors=period.errors,
        reports=list(REPORTS.values()),
        teams=teams,
        start=start,
        end=end,
        team=team,
        query=_query(start, end, team),
    )


@router.get("/reports/{name}", response_class=HTMLResponse)
def dashboard(request: Request, name: str) -> HTMLResponse:
    require_user(request)
    _known(name)
    period = _period(request)
    start, end, team = period.start, period.end, period.team
    with use_case(request) as ctx:
        teams = web_views.teams_readable(ctx)
        if period.errors:
            reports.require_report_reader(ctx.actor)
            return render_page(
                request,
                "report_dashboard.html",
                status_code=422,
                active="/reports",
                report=None,
                title=REPORTS[name].title,
                body="",
                reports=list(REPORTS.values()),
                teams=teams,
                name=name,
                period=period,
                errors=period.errors,
                team=team,
                query=_query(start, end, team),
                formats=FORMATS,
            )
        try:
            result = reports.report(ctx, name, start, end, team)
        except Invalid as error:
            raise _bad(error) from None

    def link(measure: str, which: str, dimension: str | None, key: str | None, from_cluster: int | None = None) -> str:
        extra = {"from_cluster": str(from_cluster)} if from_cluster is not None else {}
        return f"/reports/{name}/drill/{measure}?" + _query(
            start, end, team, which=which, dimension=dimension, key=key, **extra
        )

    return render_page(
        request,
        "report_dashboard.html",
        active="/reports",
        report=result,
        title=result.title,
        period=period,
        body=html_body(result, link=link, heading_level=1),
        reports=list(REPORTS.values()),
        teams=teams,
        name=name,
        start=start,
        end=end,
        team=team,
        query=_query(start, end, team),
        formats=FORMATS,
    )


@router.get("/reports/{name}/export.{fmt}")
def export(request: Request, name: str, fmt: str) -> Response:
    require_user(request)
    _known(name)
    if fmt not in FORMATS:
        raise PageError(404, "Not found", f"Reports can be downloaded as {', '.join(FORMATS)}.")
    start, end, team = _params(request)
    with use_case(request) as ctx:
        try:
            result = reports.report(ctx, name, start, end, team)
        except Invalid as error:
            raise _bad(error) from None
    filename = f"carecluster-{name}-{start}-{end}.{fmt}"
    return Response(
        render(result, fmt),
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _from_cluster(text: str | None) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) > 21:
        raise PageError(400, "Not a cluster", f"{text!r} is not a cluster number (0-21).")
    return int(text)


def _drill(request: Request, name: str, measure: str) -> tuple[Drill, date, date, int | None]:
    _known(name)
    start, end, team = _params(request)
    q = request.query_params
    which: Which = "numerator"  # also for an unknown word
    match q.get("which"):
        case "denominator" | "rest" as asked:
            which = asked
    with use_case(request) as ctx:
        try:
            result = reports.drill_down(
                ctx,
                name,
                measure,
                start,
                end,
                team_id=team,
                which=which,
                dimension=q.get("dimension") or None,
                key=q.get("key") or None,
                from_cluster=_from_cluster(q.get("from_cluster")),
            )
        except Invalid as error:
            raise _bad(error) from None
    return result, start, end, team


@router.get("/reports/{name}/drill/{measure}", response_class=HTMLResponse)
def drill_page(request: Request, name: str, measure: str) -> HTMLResponse:
    require_user(request)
    result, start, end, team = _drill(request, name, measure)
    q = request.query_params
    extra = {k: q.get(k) for k in ("which", "dimension", "key", "from_cluster")}
    return render_page(
        request,
        "report_drill.html",
        active="/reports",
        drill=result,
        title=REPORTS[name].title,
        back=f"/reports/{name}?" + _query(start, end, team) + f"#m-{measure}",
        csv_url=f"/reports/{name}/drill/{measure}/export.csv?" + _query(start, end, team, **extra),
        start=start,
        end=end,
    )


@router.get("/reports/{name}/drill/{measure}/export.csv")
def drill_export(request: Request, name: str, measure: str) -> Response:
    require_user(request)
    result, start, end, _team = _drill(request, name, measure)
    filename = f"carecluster-{name}-{measure}-{result.which}-{start}-{end}.csv"
    return Response(
        drill_csv(result).encode(),
        media_type=MEDIA["csv"],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
