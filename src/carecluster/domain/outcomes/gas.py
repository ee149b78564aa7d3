"""Goal Attainment Scaling (GAS): personal goals, each rated -2..+2, summarised as a T-score.

Each goal is weighted (importance, or importance x difficulty) and rated against the level
expected when it was set (0 = expected). The Kiresuk-Sherman T-score puts any number of
weighted goals on one scale where 50 means 'goals attained as expected', with the usual
assumption that goal outcomes correlate at rho = 0.3.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from carecluster.domain.outcomes.model import Item, MeasureDefinition, ResponseOption, Rule, Source

RHO = 0.3

KIRESUK_SHERMAN = Source(
    citation=(
        "Kiresuk TJ, Sherman RE. Goal attainment scaling: a general method for evaluating comprehensive community "
        "mental health programs. Community Ment Health J 1968;4(6):443-453; Turner-Stokes L. Goal attainment "
        "scaling (GAS) in rehabilitation: a practical guide. Clin Rehabil 2009;23(4):362-370"
    ),
    url="https://doi.org/10.1007/BF01530764",
    confidence="high",
    note="T = 50 + 10 * sum(w x) / sqrt((1 - rho) * sum(w^2) + rho * (sum w)^2), rho = 0.3.",
)

ATTAINMENT = (
    ResponseOption(value=-2, label="much less than expected"),
    ResponseOption(value=-1, label="somewhat less than expected"),
    ResponseOption(value=0, label="expected level"),
    ResponseOption(value=1, label="somewhat more than expected"),
    ResponseOption(value=2, label="much more than expected"),
)


def kiresuk_sherman_t(weighted: Sequence[tuple[float, int]], rho: float = RHO) -> float:
    """The GAS T-score for (weight, attainment) pairs; 50 when every goal is at the expected level."""
    if not weighted:
        raise ValueError("a GAS T-score needs at least one goal")
    sum_wx = sum(w * x for w, x in weighted)
    sum_w = sum(w for w, _ in weighted)
    sum_w2 = sum(w * w for w, _ in weighted)
    return 50 + 10 * sum_wx / math.sqrt((1 - rho) * sum_w2 + rho * sum_w**2)


GAS = MeasureDefinition(
    id="gas",
    name="Goal Attainment Scaling",
    kind="GOALS",
    version="1",
    items=(Item(id="goal", label="Attainment of each goal against the expected level", options=ATTAINMENT),),
    scoring="gas",
    # |T - 50| < 10 * 2 / sqrt(rho) = 36.51 for any number and weighting of goals
    score_range=(13.48, 86.52),
    score_label="GAS T-score",
    direction="higher_is_better",
    reliable_change=None,
    clinical_cutoff=None,
    snomed=(),
    rules=(
        Rule(
            id="goals",
            text="Each goal has a description, a weight (> 0) and an attainment of -2..+2 at each rating (0 = expected).",
            source=KIRESUK_SHERMAN,
        ),
        Rule(
            id="t_score",
            text="T = 50 + 10*sum(w*x) / sqrt((1 - 0.3)*sum(w^2) + 0.3*(sum w)^2).",
            source=KIRESUK_SHERMAN,
        ),
        Rule(
            id="expected",
            text="T of 50 or more means goals attained as expected or better overall.",
            source=KIRESUK_SHERMAN,
        ),
        Rule(
            id="missing",
            text="Every goal must be rated for a T-score; otherwise the rating is partial.",
            source=KIRESUK_SHERMAN,
        ),
        Rule(
            id="reliable_change",
            text="No reliable change value exists for GAS T-scores; change is reported with category 'no_threshold'.",
            source=KIRESUK_SHERMAN,
        ),
    ),
    licence="Goal Attainment Scaling is a published method, free to use.",
)
