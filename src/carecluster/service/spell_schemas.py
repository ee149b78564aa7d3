"""Request and response shapes of inpatient spells (a hospital stay and the ward's bed type)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, field_validator

from carecluster.service import currency_codes
from carecluster.service.schemas import Amendment, In, VersionOut


def _bed_type(value: str | None) -> str | None:
    return currency_codes.check_bed_type(value)


BedType = Annotated[
    str | None,
    Field(default=None, description="Ward bed type (MHAdmittedPatientClass, data set v6), e.g. 200."),
]


class SpellIn(In):
    admitted_on: date
    discharged_on: date | None = None
    bed_type: BedType = None

    _check_bed_type = field_validator("bed_type")(_bed_type)


class SpellAmend(Amendment):
    admitted_on: date | None = None
    discharged_on: date | None = None
    bed_type: BedType = None

    _check_bed_type = field_validator("bed_type")(_bed_type)


class SpellOut(VersionOut):
    service_user_id: str
    episode_id: str | None
    admitted_on: date
    discharged_on: date | None
    bed_type: str | None
