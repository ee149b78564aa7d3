"""The currency group leaving the system: MHS013MHCurrencyModel periods for everyone the actor may
read, and a person's groupings as FHIR Observations. The grouping is `currency_grouping`'s."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from carecluster.currency import mhs013
from carecluster.currency.fhir import group_observation
from carecluster.service import currency_grouping, permissions
from carecluster.service.context import Context
from carecluster.store import repository as repo
from carecluster.store.models import Episode, ServiceUser, Team


@dataclass
class Mhs013Export:
    csv: str
    periods: int = 0
    ungrouped: list[mhs013.Ungrouped] = field(default_factory=list)
    """Spans the grouping refused: reported beside the file, not written into it."""


def mhs013_export(ctx: Context) -> Mhs013Export:
    """Every readable person's episodes as resource group periods. Each episode version takes
    effect on the day it was recorded (the first on the referral date), grouped with the age then;
    LocalPatientId is the NHS number, as in the clustering tables' export when no local id is held."""
    permissions.require_clinical_reader(ctx.actor)
    query = select(ServiceUser).where(ServiceUser.superseded_at.is_(None))
    if ctx.actor.role != "auditor":
        query = query.where(ServiceUser.team_id.in_(ctx.actor.team_ids or {-1}))
    people = {su.record_id: su for su in ctx.session.scalars(query)}
    versions = list(
        ctx.session.scalars(
            select(Episode)
            .where(Episode.service_user_id.in_(list(people) or ["-"]))
            .order_by(Episode.record_id, Episode.version)
        )
    )
    teams = {t.id: t for t in ctx.session.scalars(select(Team))}
    by_episode: dict[str, list[Episode]] = {}
    for row in versions:
        by_episode.setdefault(row.record_id, []).append(row)
    rows: list[mhs013.GroupPeriod] = []
    refused: list[mhs013.Ungrouped] = []
    for rows_of_one in by_episode.values():
        su = people[rows_of_one[0].service_user_id]
        grouped = []
        for row in rows_of_one:
            on = row.referral_date if row.version == 1 else max(row.recorded_at.date(), row.referral_date)
            group = currency_grouping.group_episode(row, su.date_of_birth, teams.get(row.team_id), on)
            grouped.append((on, group.result))
        found, bad = mhs013.periods(su.nhs_number, grouped, rows_of_one[-1].discharge_date)
        rows += found
        refused += bad
    rows.sort(key=lambda p: (p.local_patient_id, p.start))
    ctx.audit(
        "export",
        entity="currency",
        after={"service_users": len(people), "periods": len(rows), "ungrouped": len(refused)},
        detail=mhs013.TABLE,
    )
    return Mhs013Export(csv=mhs013.to_csv(rows), periods=len(rows), ungrouped=refused)


def fhir_observations(ctx: Context, service_user_id: str) -> dict[str, Any]:
    """A collection Bundle: one Observation per episode version's grouping, newest first."""
    history = currency_grouping.group_history(ctx, service_user_id)
    su = repo.current(ctx.session, ServiceUser, service_user_id)
    assert su is not None  # group_history has found and authorised the person
    entries = [
        {
            "resource": group_observation(
                g.result,
                nhs_number=su.nhs_number,
                identifier=g.record_key,
                effective=g.grouped_on,
            )
        }
        for g in history
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
