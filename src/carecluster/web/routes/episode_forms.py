"""Episode of care forms: open one at referral, transfer it to another team, end it at discharge.

The pages call the same use cases as the API (`records.create_episode`, `transfer_episode`,
`discharge_episode`); this module only reads the form and words the errors for people."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from carecluster.service.schemas import EpisodeDischargeIn, EpisodeIn, EpisodeTransferIn
from carecluster.web.date_input import read_date

REFERRAL_SOURCES = (
    "GP",
    "Self-referral",
    "Carer or family",
    "Acute hospital or A&E liaison",
    "Another mental health team",
    "Social care",
    "Police or criminal justice",
    "Education or employer",
    "Other",
)
REASON_LIMIT = 4000
DISCHARGE_LIMIT = 2000
DIAGNOSIS_HINT = "Optional. An ICD-10 code, for example F32.1 (moderate depressive episode) or F20.0."
FIELD_MESSAGES = {
    "referral_source": "Choose where the referral came from",
    "referral_reason": f"The reason for referral must be {REASON_LIMIT:,} characters or fewer",
    "reason": f"Enter a reason for the transfer: at least 3 and at most {REASON_LIMIT:,} characters",
    "discharge_reason": f"Enter the reason for discharge: at least 3 and at most {DISCHARGE_LIMIT:,} characters",
    "team_id": "Choose the team",
    "referral_reason_code": "Choose the primary reason for referral from the list, or leave it as not recorded",
}


def _faults(error: ValidationError, fields: dict[str, str]) -> dict[str, str]:
    """Pydantic's faults, as messages a person can act on, keyed by the form field."""
    errors: dict[str, str] = {}
    for fault in error.errors():
        name = str(fault["loc"][0]) if fault["loc"] else ""
        target = fields.get(name, name)
        if name == "primary_diagnosis":
            errors[target] = "Enter the diagnosis as an ICD-10 code, for example F32.1, or leave it empty"
        else:
            errors.setdefault(target, FIELD_MESSAGES.get(name, "Check this answer"))
    return errors


def read_episode(
    values: dict[str, str], today: dt.date, *, team_required: bool
) -> tuple[EpisodeIn | None, dict[str, str]]:
    """An episode from the referral fields (`referral-*`, `referral_source`, `referral_reason`,
    `referral_reason_code`, `primary_diagnosis`, `episode_team_id`)."""
    errors: dict[str, str] = {}
    on = read_date(values, "referral", "the referral date", errors, not_after=today)
    team = values.get("episode_team_id", "")
    if team_required and not team.isdigit():
        errors["episode_team_id"] = "Choose the team the person is referred to"
    if not values.get("referral_source"):
        errors["referral_source"] = FIELD_MESSAGES["referral_source"]
    try:
        data = EpisodeIn(
            referral_date=on or today,
            team_id=int(team) if team.isdigit() else None,
            referral_source=values.get("referral_source") or None,
            referral_reason=values.get("referral_reason") or None,
            referral_reason_code=values.get("referral_reason_code") or None,
            primary_diagnosis=values.get("primary_diagnosis") or None,
        )
    except ValidationError as error:
        errors = {**_faults(error, {"team_id": "episode_team_id"}), **errors}
        data = None
    return (None if errors else data), errors


def read_transfer(values: dict[str, str], today: dt.date) -> tuple[EpisodeTransferIn | None, dict[str, str]]:
    errors: dict[str, str] = {}
    on = read_date(values, "transferred", "the transfer date", errors, not_after=today)
    team = values.get("team_id", "")
    try:
        data: Any = EpisodeTransferIn(
            team_id=int(team) if team.isdigit() else -1, transferred_on=on or today, reason=values.get("reason", "")
        )
    except ValidationError as error:
        errors = {**_faults(error, {}), **errors}
        data = None
    if not team.isdigit():
        errors["team_id"] = FIELD_MESSAGES["team_id"]
    return (None if errors else data), errors


def read_discharge(values: dict[str, str], today: dt.date) -> tuple[EpisodeDischargeIn | None, dict[str, str]]:
    errors: dict[str, str] = {}
    on = read_date(values, "discharged", "the discharge date", errors, not_after=today)
    try:
        data: Any = EpisodeDischargeIn(discharge_date=on or today, discharge_reason=values.get("discharge_reason", ""))
    except ValidationError as error:
        errors = {**_faults(error, {}), **errors}
        data = None
    return (None if errors else data), errors
