"""Goal Based Outcomes (GBO): up to three of the person's own goals, each rated 0-10 for progress.

The outcome is the movement on each goal between the first and a later rating; the mean of the
goals is given as the overall score. A goal changes reliably when it moves by 2.45 or more,
which on whole-number ratings means 3 points, the value NHS England uses.
"""

from __future__ import annotations

from carecluster.domain.outcomes.model import (
    Item,
    MeasureDefinition,
    ResponseOption,
    Rule,
    SnomedCode,
    Source,
    Threshold,
)
from carecluster.domain.outcomes.sources import MHSDS_SNOMED

LAW_JACOB = Source(
    citation=(
        "Law D, Jacob J. Goals and Goal Based Outcomes (GBOs): some useful information. 3rd edition. London: CAMHS "
        "Press, 2015: goals agreed with the person, progress rated 0 (no progress) to 10 (goal reached)"
    ),
    confidence="high",
)

EDBROOKE_CHILDS_2015 = Source(
    citation=(
        "Edbrooke-Childs J, Jacob J, Law D, Deighton J, Wolpert M. Interpreting standardized and idiographic "
        "outcome measures in CAMHS: what does change mean and how does it relate to functioning and experience? "
        "Child Adolesc Ment Health 2015;20(3):142-148 (reliable change index for GBO: 2.45)"
    ),
    url="https://doi.org/10.1111/camh.12107",
    confidence="medium",
    note=(
        "The value 2.45 was not re-read from the paper in this session. NHS England's MHSDS outcomes code uses a "
        "threshold of 3 per goal, which gives the same result for whole-number goal ratings."
    ),
)

PROGRESS = tuple(
    ResponseOption(value=v, label={0: "no progress", 5: "half way", 10: "goal reached"}.get(v, f"{v} of 10"))
    for v in range(11)
)

GBO = MeasureDefinition(
    id="gbo",
    name="Goal Based Outcomes",
    kind="GOALS",
    version="1",
    items=(Item(id="goal", label="Progress towards each goal", options=PROGRESS),),
    scoring="gbo",
    score_range=(0, 10),
    score_label="GBO mean goal score",
    direction="higher_is_better",
    reliable_change=Threshold(value=2.45, source=EDBROOKE_CHILDS_2015),
    clinical_cutoff=None,
    snomed=(
        SnomedCode(
            code="1638531000000102",
            term="Goal-Based Outcomes tool goal progress chart - goal 1 score",
            source=MHSDS_SNOMED,
        ),
        SnomedCode(
            code="1638541000000106",
            term="Goal-Based Outcomes tool goal progress chart - goal 2 score",
            source=MHSDS_SNOMED,
        ),
        SnomedCode(
            code="1638551000000109",
            term="Goal-Based Outcomes tool goal progress chart - goal 3 score",
            source=MHSDS_SNOMED,
        ),
    ),
    snomed_note="codes are per goal (goals 1-3); none known for the mean",
    rules=(
        Rule(
            id="goals", text="Goals are agreed with the person; each is rated 0-10 at every rating.", source=LAW_JACOB
        ),
        Rule(id="mean", text="Overall score = mean of the goals rated (0-10).", source=LAW_JACOB),
        Rule(
            id="missing",
            text="Every goal in the person's set must be rated for a valid overall score; otherwise it is partial.",
            source=LAW_JACOB,
        ),
        Rule(
            id="reliable_change",
            text="A change of 2.45 or more on a goal (or on the mean) is reliable.",
            source=EDBROOKE_CHILDS_2015,
        ),
    ),
    licence="GBO (c) Duncan Law, shared under Creative Commons BY-NC-SA 4.0. Goal texts are the person's own.",
)
