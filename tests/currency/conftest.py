from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from carecluster.currency import currency_reference
from carecluster.currency.reference import CurrencyReference
from carecluster.currency.rules import CONTACT_AGE, CONTACT_ID, SPELL_AGE, SPELL_ID, Activity, kind_of

HAND_GROUPED = Path(__file__).parent / "hand_grouped.csv"


@pytest.fixture(scope="session")
def ref() -> CurrencyReference:
    return currency_reference("2026-27")


def activity_of(row: dict[str, object]) -> Activity:
    """The pure function's record from a file row (the same choice the vectorised reader makes)."""
    kind = kind_of(row.get(SPELL_ID), row.get(CONTACT_ID))
    return Activity(
        kind=kind,
        age=row.get(SPELL_AGE) if kind == "spell" else row.get(CONTACT_AGE),
        diagnosis=row.get("PrimDiag"),  # type: ignore[arg-type]
        bed_type=row.get("MHAdmittedPatientClass"),  # type: ignore[arg-type]
        team_type=row.get("ServTeamTypeRefToMH"),  # type: ignore[arg-type]
        referral_reason=row.get("PrimReasonReferralMH"),  # type: ignore[arg-type]
        priority=row.get("ClinRespPriorityType"),  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def hand_grouped() -> pl.DataFrame:
    return pl.read_csv(HAND_GROUPED, infer_schema=False)
