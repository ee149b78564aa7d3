"""The 2026/27 mental health currency group of a person's episode of care (read only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from carecluster.currency.mhs013 import TABLE
from carecluster.http.runtime import CurrentActor, run
from carecluster.service import currency_export, currency_grouping
from carecluster.service.context import Context
from carecluster.service.currency_grouping import EpisodeGroup

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
