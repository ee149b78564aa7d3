"""The 2026/27 mental health currency: a person's group (now, history, FHIR), the MHS013 export, and
inpatient spells (a hospital stay and the ward's bed type, which the spell grouping reads)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from carecluster.currency.mhs013 import TABLE
from carecluster.http.runtime import CurrentActor, IfMatch, PageParams, run
from carecluster.service import currency_export, currency_grouping, records, spells
from carecluster.service.context import Context
from carecluster.service.currency_grouping import EpisodeGroup
from carecluster.service.schemas import Page
from carecluster.service.spell_schemas import SpellAmend, SpellIn, SpellOut
from carecluster.store.models import InpatientSpell

router = APIRouter(tags=["currency"])


class MissingOut(BaseModel):
    field: str
    what: str
    fix: str
    fix_label: str


class CurrencyGroupOut(BaseModel):
    """An episode's group: the code, its parts, the tier that decided and why, the tables' version."""

    episode_id: str
    episode_version: int
    team_id: int
    grouped_on: date
    age: int
    diagnosis: str | None
    team_type: str | None
    referral_reason_code: str | None
    status: str
    code: str | None
    population_group: str | None
    population_name: str | None
    family: str | None
    family_unit: str | None
    setting: str | None
    setting_name: str | None
    tier: str | None
    reason: str
    reference_version: str
    missing: list[MissingOut]
    spell_id: str | None = None
    """Set when grouped as an open inpatient spell (family 98)."""
    spell_version: int | None = None
    bed_type: str | None = None

    @classmethod
    def of(cls, g: EpisodeGroup) -> CurrencyGroupOut:
        r = g.result
        return cls(
            episode_id=g.episode_id,
            episode_version=g.episode_version,
            team_id=g.team_id,
            grouped_on=g.grouped_on,
            age=g.age,
            diagnosis=g.diagnosis,
            team_type=g.team_type,
            referral_reason_code=g.referral_reason_code,
            status=r.status,
            code=r.code,
            population_group=r.population_group,
            population_name=r.population_name,
            family=r.family,
            family_unit=r.family_unit,
            setting=r.setting,
            setting_name=r.setting_name,
            tier=r.tier,
            reason=r.reason,
            reference_version=r.reference_version,
            missing=[MissingOut(field=m.field, what=m.what, fix=m.fix, fix_label=m.fix_label) for m in g.missing],
            spell_id=g.spell_id,
            spell_version=g.spell_version,
            bed_type=g.bed_type,
        )


class CurrencyOut(BaseModel):
    current: CurrencyGroupOut | None
    """The open episode grouped today; null when there is no open episode."""
    history: list[CurrencyGroupOut]
    """Every version of every episode, newest first, grouped as it stood when recorded."""


def _currency(ctx: Context, service_user_id: str) -> CurrencyOut:
    current = currency_grouping.current_group(ctx, service_user_id)
    history = currency_grouping.group_history(ctx, service_user_id)
    return CurrencyOut(
        current=CurrencyGroupOut.of(current) if current else None,
        history=[CurrencyGroupOut.of(g) for g in history],
    )


@router.get("/service-users/{record_id}/currency", response_model=CurrencyOut)
def get_currency(request: Request, actor: CurrentActor, record_id: str):
    """The person's mental health currency group now (open episode) and its history."""
    return run(request, actor, lambda ctx: _currency(ctx, record_id))


@router.get("/service-users/{record_id}/currency/fhir", response_model=None)
def get_currency_fhir(request: Request, actor: CurrentActor, record_id: str) -> JSONResponse:
    """The person's groupings (one per episode version) as FHIR Observations in a collection Bundle."""
    answer = run(request, actor, lambda ctx: currency_export.fhir_observations(ctx, record_id))
    answer.headers["content-type"] = "application/fhir+json"
    return answer


class UngroupedOut(BaseModel):
    local_patient_id: str
    start: date
    reason: str


class Mhs013Out(BaseModel):
    """MHS013MHCurrencyModel as CSV text, with the spans that could not be written and why."""

    table: str
    csv: str
    periods: int
    ungrouped: list[UngroupedOut]


def _mhs013(ctx: Context) -> dict[str, Any]:
    found = currency_export.mhs013_export(ctx)
    return Mhs013Out(
        table=TABLE,
        csv=found.csv,
        periods=found.periods,
        ungrouped=[
            UngroupedOut(local_patient_id=u.local_patient_id, start=u.start, reason=u.reason) for u in found.ungrouped
        ],
    ).model_dump(mode="json")


@router.get("/currency/mhs013", response_model=Mhs013Out)
def get_mhs013(request: Request, actor: CurrentActor):
    """Resource group periods for everyone you may read, in the national data set's currency model table."""
    return run(request, actor, _mhs013)


@router.post("/service-users/{record_id}/inpatient-spells", response_model=SpellOut, status_code=201)
def create_spell(request: Request, actor: CurrentActor, record_id: str, body: SpellIn):
    """Record an admission to a mental health ward (and its discharge, if over) with the bed type."""
    return run(request, actor, lambda ctx: spells.create_spell(ctx, record_id, body), body=body, status_code=201)


@router.get("/service-users/{record_id}/inpatient-spells", response_model=Page[SpellOut])
def list_spells(request: Request, actor: CurrentActor, record_id: str, page: PageParams):
    return run(
        request, actor, lambda ctx: records.list_children(ctx, InpatientSpell, record_id, page.limit, page.offset)
    )


@router.get("/inpatient-spells/{record_id}", response_model=SpellOut)
def get_spell(request: Request, actor: CurrentActor, record_id: str):
    return run(request, actor, lambda ctx: records.get_child(ctx, InpatientSpell, record_id))


@router.post("/inpatient-spells/{record_id}/amendments", response_model=SpellOut, status_code=201)
def amend_spell(request: Request, actor: CurrentActor, record_id: str, body: SpellAmend, _if_match: IfMatch = None):
    """Amend a spell: the bed type when the person moves ward, or the discharge date."""
    return run(
        request, actor, lambda ctx: spells.amend_spell(ctx, record_id, body), body=body, status_code=201, amendment=True
    )
