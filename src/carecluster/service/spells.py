"""Inpatient spells: admission to a mental health ward and discharge, with the ward's bed type.

A spell belongs to the person's open episode of care when there is one. Only one spell may be
open at a time; dates may not be in the future, nor a discharge before its admission. Amendments
add versions (the bed type changes when the person moves ward: the latest is the one grouped, as
the ICB rebuilds do).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from carecluster.service import records
from carecluster.service.context import Context
from carecluster.service.errors import Conflict, Invalid
from carecluster.service.spell_schemas import SpellAmend, SpellIn, SpellOut
from carecluster.store import repository as repo
from carecluster.store.models import InpatientSpell


def open_spell(ctx: Context, service_user_id: str) -> InpatientSpell | None:
    return ctx.session.scalars(
        select(InpatientSpell)
        .where(
            InpatientSpell.service_user_id == service_user_id,
            InpatientSpell.superseded_at.is_(None),
            InpatientSpell.discharged_on.is_(None),
        )
        .order_by(InpatientSpell.admitted_on.desc())
    ).first()


def _dates(ctx: Context, admitted: date, discharged: date | None) -> None:
    if admitted > ctx.today:
        raise Invalid.field(("body", "admitted_on"), "the admission date is in the future")
    if discharged is not None and discharged > ctx.today:
        raise Invalid.field(("body", "discharged_on"), "the discharge date is in the future")
    if discharged is not None and discharged < admitted:
        raise Invalid.field(("body", "discharged_on"), "the discharge date is before the admission date")


def create_spell(ctx: Context, service_user_id: str, data: SpellIn) -> SpellOut:
    su = records._service_user(ctx, service_user_id, write=True)
    _dates(ctx, data.admitted_on, data.discharged_on)
    if data.discharged_on is None and open_spell(ctx, service_user_id) is not None:
        raise Conflict("the person has an open inpatient spell: record its discharge first")
    episode = records.open_episode(ctx, service_user_id)
    row = repo.add_record(
        ctx.session,
        InpatientSpell,
        ctx.actor.user_id,
        service_user_id=su.record_id,
        episode_id=episode.record_id if episode else None,
        admitted_on=data.admitted_on,
        discharged_on=data.discharged_on,
        bed_type=data.bed_type,
    )
    records._created(ctx, row, su.record_id)
    return records.out(row)


def amend_spell(ctx: Context, record_id: str, data: SpellAmend) -> SpellOut:
    old, su = records._child(ctx, InpatientSpell, record_id, write=True)
    ctx.check_version(old, "inpatient spell")
    changes = data.model_dump(exclude_unset=True, exclude={"amend_reason"})
    _dates(ctx, changes.get("admitted_on", old.admitted_on), changes.get("discharged_on", old.discharged_on))
    new = repo.amend(ctx.session, old, ctx.actor.user_id, data.amend_reason, changes)
    records._amended(ctx, old, new, su.record_id, data.amend_reason)
    return records.out(new)
