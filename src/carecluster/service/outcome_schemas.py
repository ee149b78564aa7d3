"""What comes in and goes out of the outcome use cases (issue 7).

Kept apart from `schemas.py` so that the outcome bodies read as one page: an administration in,
an administration out (answers as given, score as computed), and the paired outcome per episode.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from carecluster.domain.schedule import ClusteringEvent
from carecluster.service.schemas import Amendment, In, VersionOut

Respondent = Literal["service_user", "clinician", "carer", "parent"]


class GoalIn(In):
    """A goal agreed with the person (GAS, GBO): our id, their words, and for GAS its weight."""

    id: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
    description: Annotated[str, Field(min_length=1, max_length=500)]
    weight: Annotated[float, Field(gt=0, le=100)] = 1.0


class OutcomeIn(In):
    measure_id: str = Field(description="swemwbs, core10, reqol10, dialog, gas, gbo or fft; HoNOS comes from the MHCT.")
    administered_on: date
    answers: dict[str, Any] = Field(
        description="Item id (or goal id) -> answer; an item left out or null is unanswered (the form is partial)."
    )
    goals: list[GoalIn] | None = Field(
        default=None, description="GAS and GBO: the goals rated; defaults to the goals last rated in the episode."
    )
    episode_id: str | None = Field(default=None, description="Defaults to the open episode of care.")
    assessment_id: str | None = Field(default=None, description="The MHCT assessment (clustering event) it goes with.")
    clustering_event: ClusteringEvent | None = Field(default=None, description="Defaults to the assessment's event.")
    respondent: Respondent = "service_user"


class OutcomeAmend(Amendment):
    administered_on: date | None = None
    answers: dict[str, Any] | None = None
    goals: list[GoalIn] | None = None
    clustering_event: ClusteringEvent | None = None


class OutcomeOut(VersionOut):
    service_user_id: str
    episode_id: str
    assessment_id: str | None
    clustering_event: str | None
    measure_id: str
    measure_version: str = Field(description="Version of the measure definition the score was computed with.")
    administered_on: date
    respondent: str
    answers: dict[str, Any]
    goals: list[dict[str, Any]] | None
    score: dict[str, Any] = Field(description="The score as computed at recording (ScoreResult).")
    status: Literal["complete", "partial"]


class ScorePoint(BaseModel):
    """One score in an episode's series: an outcome administration, or the HoNOS of an MHCT rating."""

    source: Literal["outcome", "assessment"]
    record_id: str
    on: date
    total: float | None
    valid: bool
    status: str
    reason: str | None


class PairedOutcome(BaseModel):
    """For one episode and one measure: the scores in order and the change from first to last valid."""

    episode_id: str
    referral_date: date
    discharge_date: date | None
    measure_id: str
    measure_name: str
    measure_version: str
    score_label: str
    direction: str
    scores: list[ScorePoint]
    paired: bool = Field(description="True when a first and a later valid score exist.")
    change: dict[str, Any] = Field(description="The domain's Change: first, later, change, category, threshold...")
