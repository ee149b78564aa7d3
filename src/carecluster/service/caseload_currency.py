"""The API caseload with the mental health currency: each row's group today and the filter by
population group. The rows, permissions and review dates are `caseload.caseload_rows` (as for the web
caseload); who is in which group is `currency_grouping.population_group_of`, the rule the web
caseload filters by; the valid filter codes are `currency_codes.caseload_groups`, its choices.

A use case of its own beside `caseload.caseload` because the grouping reads the session (as the web
caseload's does), which the in-memory unit of work behind the plain caseload's tests does not have."""

from __future__ import annotations

from collections.abc import Sequence

from carecluster.service.caseload import caseload_rows
from carecluster.service.context import Context
from carecluster.service.currency_codes import check_caseload_group
from carecluster.service.currency_grouping import EpisodeGroup, groups_for, population_group_of
from carecluster.service.errors import Invalid
from carecluster.service.schemas import CaseloadGroupRow, CaseloadRow, Page


def caseload_with_groups(
    ctx: Context,
    *,
    team_id: int | None,
    clinician_id: int | None,
    overdue: bool | None,
    cluster: int | None,
    group: str | None,
    limit: int,
    offset: int,
) -> Page[CaseloadGroupRow]:
    """One page of the caseload, each row with its currency group; `group` keeps one population group
    (or `ungrouped`) and `total` counts only those. Audited as the plain caseload is, with the filter."""
    check_group_filter(group)
    rows = caseload_rows(ctx, team_id=team_id, clinician_id=clinician_id, overdue=overdue, cluster=cluster)
    page, total = grouped_page(ctx, rows, group=group, limit=limit, offset=offset)
    ctx.audit(
        "read_caseload",
        entity="service_user",
        after={"record_ids": [r.service_user_id for r in page]},
        detail=f"team={team_id} clinician={clinician_id} overdue={overdue} cluster={cluster} group={group} "
        f"offset={offset}",
    )
    return Page(items=page, total=total, limit=limit, offset=offset)


def check_group_filter(group: str | None) -> None:
    """Refuse a `group` the current tables do not list (422 on the query parameter, saying where the
    codes are) rather than answer an empty caseload that looks like nobody is in it."""
    if group is None:
        return
    try:
        check_caseload_group(group)
    except ValueError as error:
        raise Invalid.field(("query", "group"), str(error)) from None


def grouped_page(
    ctx: Context, rows: Sequence[CaseloadRow], *, group: str | None, limit: int, offset: int
) -> tuple[list[CaseloadGroupRow], int]:
    """(this page's rows with their group, how many rows pass the filter). Unfiltered, only the page is
    grouped; filtered, everyone is (the total counts only those in the group)."""
    if group is None:
        kept = list(rows)
        shown = kept[offset : offset + limit]
        groups = groups_for(ctx, [r.service_user_id for r in shown])
    else:
        groups = groups_for(ctx, [r.service_user_id for r in rows])
        kept = [r for r in rows if population_group_of(groups.get(r.service_user_id)) == group]
        shown = kept[offset : offset + limit]
    return [_with_group(r, groups.get(r.service_user_id)) for r in shown], len(kept)


def _with_group(row: CaseloadRow, found: EpisodeGroup | None) -> CaseloadGroupRow:
    result = found.result if found else None
    return CaseloadGroupRow(
        **row.model_dump(),
        currency_code=result.code if result else None,
        population_group=result.population_group if result else None,
        population_name=result.population_name if result else None,
        currency_status=result.status if result else None,
    )
