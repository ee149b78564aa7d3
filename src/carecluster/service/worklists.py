"""Worklists: the people on a caseload who need something done, one list per kind of job.

Built on the caseload use case (so due dates and overdue days agree with the caseload page and
API) plus three readings of the store: the engine's open questions (the latest allocation's
stored status is not `suggested`), red-rule breaches (the current cluster was chosen against a
red rule) and deterioration (the HoNOS inside the last two MHCT ratings got reliably worse, as the
HoNOS definition's own reliable-change value decides). Each row carries the link that clears it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from carecluster.domain.outcomes.honos import HONOS, score_ratings
from carecluster.domain.outcomes.model import ChangeCategory
from carecluster.domain.outcomes.scoring import paired_change
from carecluster.domain.ratings import Ratings
from carecluster.service import caseload as caseload_use_case
from carecluster.service.context import Context
from carecluster.service.schemas import CaseloadRow

DUE_SOON_DAYS = 14
LISTS: tuple[tuple[str, str], ...] = (
    ("overdue", "Reviews overdue"),
    ("due_soon", f"Reviews due in the next {DUE_SOON_DAYS} days"),
    ("never_clustered", "Never clustered"),
    ("red_rule", "Clustered against a red rule"),
    ("open_questions", "Open questions from the engine"),
    ("deteriorating", "HoNOS reliably worse since the previous rating"),
)


@dataclass(frozen=True)
class WorkItem:
    """One person on one list: why they are there and the link to the action that clears it."""

    row: CaseloadRow
    why: str
    action: str
    action_label: str


@dataclass
class Worklists:
    lists: dict[str, list[WorkItem]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {key: len(self.lists.get(key, [])) for key, _ in LISTS}


def _review_link(row: CaseloadRow, today: date) -> str:
    return "/review?" + urlencode({"su": row.service_user_id, "current": row.cluster, "on": today.isoformat()})


def _open_questions(ctx: Context, ids: list[str]) -> dict[str, tuple[str, str]]:
    """Latest current allocation per person whose stored engine status is not `suggested`:
    person -> (allocation id, status)."""
    if not ids:
        return {}
    latest = ctx.uow.caseloads.latest_suggestions(ids)
    return {
        sid: (rid, str(s.get("status")))
        for sid, (rid, s) in latest.items()
        if s.get("status", "suggested") != "suggested"
    }


def _deteriorating(ctx: Context, ids: list[str]) -> dict[str, tuple[float, float]]:
    """People whose HoNOS total (from their last two MHCT ratings) rose by at least HoNOS's
    reliable-change value: person -> (previous total, latest total)."""
    if not ids:
        return {}
    found: dict[str, tuple[float, float]] = {}
    for sid, ratings in ctx.uow.caseloads.rating_history(ids).items():
        if len(ratings) < 2:
            continue
        first, later = (
            score_ratings(Ratings.of(list(r.ratings), r.problem_type, r.problem_description)) for r in ratings[-2:]
        )
        change = paired_change(HONOS, first, later)
        if change.category is ChangeCategory.RELIABLE_DETERIORATION and change.first is not None:
            found[sid] = (change.first, change.later or 0.0)
    return found


def worklists(ctx: Context, *, team_id: int | None, clinician_id: int | None) -> Worklists:
    """Every worklist for one team's or one clinician's caseload (permissions as the caseload's)."""
    rows = caseload_use_case.caseload_rows(ctx, team_id=team_id, clinician_id=clinician_id, overdue=None, cluster=None)
    ids = [r.service_user_id for r in rows]
    clustered, red = caseload_use_case.flags(ctx, ids)
    questions = _open_questions(ctx, ids)
    worse = _deteriorating(ctx, ids)
    soon = ctx.today + timedelta(days=DUE_SOON_DAYS)
    result = Worklists(lists={key: [] for key, _ in LISTS})
    add = result.lists
    for r in sorted(rows, key=lambda r: (r.next_review_due or date.max, r.name.lower())):
        record = f"/service-users/{r.service_user_id}"
        review = _review_link(r, ctx.today) if r.cluster is not None else record
        if r.overdue:
            days = f"{r.days_overdue} day{'s' if r.days_overdue != 1 else ''}"
            add["overdue"].append(WorkItem(r, f"Review was due {r.next_review_due} ({days} ago)", review, "Review"))
        elif r.next_review_due is not None and r.next_review_due <= soon:
            add["due_soon"].append(WorkItem(r, f"Review due {r.next_review_due}", review, "Review"))
        if r.service_user_id not in clustered:
            add["never_clustered"].append(
                WorkItem(r, "No cluster has ever been allocated", f"{record}/assess", "Rate and allocate")
            )
        if r.service_user_id in red:
            add["red_rule"].append(
                WorkItem(r, f"Cluster {r.cluster} was chosen against a red rule", f"{record}/assess", "Re-rate")
            )
        if r.service_user_id in questions:
            alloc_id, status = questions[r.service_user_id]
            add["open_questions"].append(
                WorkItem(
                    r,
                    f"The engine's answer is '{status.replace('_', ' ')}'",
                    f"/allocations/{alloc_id}",
                    "Answer the questions",
                )
            )
        if r.service_user_id in worse:
            before, after = worse[r.service_user_id]
            add["deteriorating"].append(WorkItem(r, f"HoNOS total {before:g} to {after:g}", review, "Review"))
    ctx.audit(
        "read_worklists",
        entity="service_user",
        after={"record_ids": sorted({i.row.service_user_id for items in add.values() for i in items})},
        detail=f"team={team_id} clinician={clinician_id}",
    )
    return result
