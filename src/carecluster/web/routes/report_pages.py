"""Audit dashboards for team leads and auditors: each report with its charts, every number a link
to the service users behind it, and CSV / XLSX / printable HTML downloads of what is on screen."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from carecluster.reports import REPORTS, Drill
from carecluster.reports import service as reports
from carecluster.reports.render import FORMATS, drill_csv, html_body, render
from carecluster.service import web_views
from carecluster.service.errors import Invalid
from carecluster.web.session import PageError, require_user, use_case
from carecluster.web.templating import render as render_page

router = APIRouter(include_in_schema=False)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _date(value: str | None, default: date) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else default
    except ValueError:
        raise PageError(400, "That date is not valid", f"{value!r} is not a date: use YYYY-MM-DD.") from None


def _params(request: Request) -> tuple[date, date, int | None]:
    q = request.query_params
    today = date.today()
    end = _date(q.get("to"), today)
    start = _date(q.get("from"), end - timedelta(days=365))
    team = q.get("team")
    return start, end, int(team) if team and team.isdigit() else None


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
    start, end, team = _params(request)
    with use_case(request) as ctx:
        reports.require_report_reader(ctx.actor)
        teams = web_views.teams_readable(ctx)
    return render_page(
        request,
        "report_index.html",
        active="/reports",
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
    start, end, team = _params(request)
    with use_case(request) as ctx:
        try:
            result = reports.report(ctx, name, start, end, team)
        except Invalid as error:
            raise _bad(error) from None
        teams = web_views.teams_readable(ctx)

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
    which = q.get("which", "numerator")
    if which not in ("numerator", "denominator", "rest"):
        which = "numerator"
    with use_case(request) as ctx:
        try:
            result = reports.drill_down(
                ctx,
                name,
                measure,
                start,
                end,
                team_id=team,
                which=which,  # type: ignore[arg-type]
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
