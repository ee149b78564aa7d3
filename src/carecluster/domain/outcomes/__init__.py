"""Outcome measures as data, with their scoring beside them (issue 7).

HoNOS (from the MHCT, never re-entered) is the clinician-rated measure; ReQoL-10, DIALOG,
SWEMWBS and CORE-10 are patient-reported; GAS and GBO measure the person's own goals; the
Friends and Family Test records experience. Pure logic: no I/O, no framework imports.

    from carecluster.domain.outcomes import MEASURES, score, paired_change
    first = score(MEASURES["core10"], {"1": 3, "2": 1, ...})
    change = paired_change(MEASURES["core10"], first, later)
"""

from __future__ import annotations

from carecluster.domain.outcomes.answers import AnswerError, OutcomeError
from carecluster.domain.outcomes.core10 import CORE10
from carecluster.domain.outcomes.dialog import DIALOG
from carecluster.domain.outcomes.fft import FFT
from carecluster.domain.outcomes.gas import GAS, kiresuk_sherman_t
from carecluster.domain.outcomes.gbo import GBO
from carecluster.domain.outcomes.honos import HONOS, answers_from_ratings, score_ratings
from carecluster.domain.outcomes.model import (
    Change,
    ChangeCategory,
    Goal,
    Item,
    ItemChange,
    MeasureDefinition,
    ScoreResult,
    SubscaleScore,
)
from carecluster.domain.outcomes.reqol10 import REQOL10
from carecluster.domain.outcomes.scoring import episode_change, paired_change, score
from carecluster.domain.outcomes.swemwbs import SWEMWBS, metric_score
from carecluster.domain.outcomes.wording import LocalWording, item_text

MEASURES: dict[str, MeasureDefinition] = {
    measure.id: measure for measure in (HONOS, REQOL10, DIALOG, SWEMWBS, CORE10, GAS, GBO, FFT)
}
"""Every built-in measure by id."""


def get_measure(measure_id: str) -> MeasureDefinition:
    """A built-in measure by id; an unknown id is an error listing the known ones."""
    try:
        return MEASURES[measure_id]
    except KeyError:
        raise OutcomeError(f"unknown outcome measure {measure_id!r}; measures are {', '.join(MEASURES)}") from None


__all__ = [
    "CORE10",
    "DIALOG",
    "FFT",
    "GAS",
    "GBO",
    "HONOS",
    "MEASURES",
    "REQOL10",
    "SWEMWBS",
    "AnswerError",
    "Change",
    "ChangeCategory",
    "Goal",
    "Item",
    "ItemChange",
    "LocalWording",
    "MeasureDefinition",
    "OutcomeError",
    "ScoreResult",
    "SubscaleScore",
    "answers_from_ratings",
    "episode_change",
    "get_measure",
    "item_text",
    "kiresuk_sherman_t",
    "metric_score",
    "paired_change",
    "score",
    "score_ratings",
]
