"""The API caseload's currency columns: each row's mental health currency group today and the filter
by population group. Who is in which group is `currency_grouping.population_group_of`, the rule the
web caseload filters by; the valid filter codes are `currency_codes.caseload_groups`, its choices."""

from __future__ import annotations

from collections.abc import Sequence

from carecluster.service.context import Context
from carecluster.service.currency_codes import check_caseload_group
from carecluster.service.currency_grouping import EpisodeGroup, groups_for, population_group_of
from carecluster.service.errors import Invalid
from carecluster.service.schemas import CaseloadGroupRow, CaseloadRow


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
