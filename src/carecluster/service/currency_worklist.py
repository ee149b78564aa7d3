"""The currency data-quality worklist: people whose open episode cannot be grouped (an input the
year's tables refuse) or falls to the fallback group (nothing decided it), with what is missing,
the form that fixes each gap, and counts by team and by referral month.

Built on the caseload use case, so a team lead, clinician or auditor sees exactly the people
their caseload shows; the grouping is `currency_grouping`'s (the package's cascade).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from carecluster.service import caseload as caseload_use_case
from carecluster.service.context import Context
from carecluster.service.currency_grouping import EpisodeGroup, groups_for
from carecluster.service.schemas import CaseloadRow
from carecluster.service.web_views import _QuietContext

ALL_ROWS = 1_000_000


@dataclass(frozen=True)
class CurrencyGap:
    row: CaseloadRow
    group: EpisodeGroup
    referral_month: str
    """YYYY-MM of the open episode's referral."""


@dataclass
class CurrencyWorklist:
    items: list[CurrencyGap] = field(default_factory=list)
    open_episodes: int = 0
    """People on the caseload with an open episode (grouped or not): the denominator."""
    by_team: dict[int, int] = field(default_factory=dict)
    by_month: dict[str, int] = field(default_factory=dict)
    by_team_month: dict[tuple[int, str], int] = field(default_factory=dict)
    by_field: dict[str, int] = field(default_factory=dict)
    """How many people lack or had refused each input (a person may count under several)."""


def currency_worklist(ctx: Context, *, team_id: int | None, clinician_id: int | None) -> CurrencyWorklist:
    """Everyone on the caseload whose open episode is rejected or falls to the fallback group."""
    quiet = _QuietContext(
        session=ctx.session, actor=ctx.actor, reference=ctx.reference, client=ctx.client, today=ctx.today
    )
    rows = caseload_use_case.caseload(
        quiet, team_id=team_id, clinician_id=clinician_id, overdue=None, cluster=None, limit=ALL_ROWS, offset=0
    ).items
    groups = groups_for(ctx, [r.service_user_id for r in rows])
    found = CurrencyWorklist(open_episodes=len(groups))
    for r in sorted(rows, key=lambda r: r.name.lower()):
        g = groups.get(r.service_user_id)
        if g is None or not g.needs_attention:
            continue
        found.items.append(CurrencyGap(r, g, g.referral_date.strftime("%Y-%m")))
    found.by_team = dict(Counter(i.group.team_id for i in found.items))
    found.by_month = dict(sorted(Counter(i.referral_month for i in found.items).items()))
    found.by_team_month = dict(sorted(Counter((i.group.team_id, i.referral_month) for i in found.items).items()))
    found.by_field = dict(Counter(m.field for i in found.items for m in {m.field: m for m in i.group.missing}.values()))
    ctx.audit(
        "read_currency_worklist",
        entity="service_user",
        after={"record_ids": [i.row.service_user_id for i in found.items]},
        detail=f"team={team_id} clinician={clinician_id}",
    )
    return found
