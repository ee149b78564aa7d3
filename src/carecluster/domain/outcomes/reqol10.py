"""ReQoL-10: recovering quality of life, self-reported; 10 mental health items and a physical item.

Answers are recorded as the frequency the person chose (0 = none of the time ... 4 = most or
all of the time); negatively worded items are reversed so that a higher total (0-40) is always
better. The physical health item is reported on its own and is not part of the total.
"""

from __future__ import annotations

from carecluster.domain.outcomes.model import (
    Item,
    MeasureDefinition,
    MissingRule,
    ResponseOption,
    Rule,
    SnomedCode,
    Source,
    Threshold,
)
from carecluster.domain.outcomes.sources import CARECLUSTER, MHSDS_SNOMED

KEETHARUTH_2018 = Source(
    citation=(
        "Keetharuth AD, Brazier J, Connell J, et al. Recovering Quality of Life (ReQoL): a new generic "
        "self-reported outcome measure for use with people experiencing mental health difficulties. Br J "
        "Psychiatry 2018;212(1):42-49; ReQoL user manual (reqol.org.uk)"
    ),
    url="https://doi.org/10.1192/bjp.2017.10",
    confidence="medium",
    note=(
        "Verified here: 10 mental health items of mixed polarity plus a physical health item, 5 response "
        "options, total 0-40 with higher = better. Item order and which items are negatively worded are from "
        "our reading of the ReQoL-10 form and were NOT checked against the licensed form in this session."
    ),
)

FRANKLIN_2021 = Source(
    citation=(
        "Franklin M, Enrique A, Palacios J, Richards D. Psychometric assessment of EQ-5D-5L and ReQoL measures in "
        "patients with anxiety and depression. Qual Life Res 2021;30:2633-2647, table 1 (citing the ReQoL "
        "developers): ReQoL-10 '< 24 clinical range; >= 24 general population'"
    ),
    url="https://doi.org/10.1007/s11136-021-02833-1",
    confidence="medium",
    note="Secondary source; the ReQoL user manual itself could not be read in this session.",
)

_FREQUENCY = (
    (0, "none of the time"),
    (1, "only occasionally"),
    (2, "sometimes"),
    (3, "often"),
    (4, "most or all of the time"),
)
_OPTIONS = tuple(ResponseOption(value=v, label=label) for v, label in _FREQUENCY)

# (item, our short label, negatively worded -> reverse scored)
_ITEMS = (
    ("1", "Hard to get started with everyday tasks", True),
    ("2", "Able to trust others", False),
    ("3", "Unable to cope", True),
    ("4", "Could do the things I wanted", False),
    ("5", "Felt happy", False),
    ("6", "Thought life not worth living", True),
    ("7", "Enjoyed what I did", False),
    ("8", "Hopeful about the future", False),
    ("9", "Felt lonely", True),
    ("10", "Confident in myself", False),
)

_PHYSICAL_OPTIONS = (
    ResponseOption(value=0, label="no problems"),
    ResponseOption(value=1, label="slight problems"),
    ResponseOption(value=2, label="moderate problems"),
    ResponseOption(value=3, label="severe problems"),
    ResponseOption(value=4, label="very severe problems"),
)

REQOL10 = MeasureDefinition(
    id="reqol10",
    name="ReQoL-10",
    kind="PROM",
    version="1",
    items=(
        *(
            Item(id=item_id, label=label, options=_OPTIONS, reverse_scored=negative)
            for item_id, label, negative in _ITEMS
        ),
        Item(id="ph", label="Physical health problems (reported alone)", options=_PHYSICAL_OPTIONS, in_total=False),
    ),
    scoring="sum",
    score_range=(0, 40),
    score_label="ReQoL-10 total",
    direction="higher_is_better",
    missing_rule=MissingRule(min_answered=10, prorate=False, source=CARECLUSTER),
    reliable_change=None,
    clinical_cutoff=Threshold(value=24, source=FRANKLIN_2021),
    snomed=(
        SnomedCode(
            code="1091071000000100", term="Recovering Quality of Life 10-item questionnaire score", source=MHSDS_SNOMED
        ),
    ),
    rules=(
        Rule(
            id="items",
            text="10 mental health items, 5 responses each, plus one physical health item.",
            source=KEETHARUTH_2018,
        ),
        Rule(
            id="scoring",
            text=(
                "Each item scores 0-4 with negatively worded items (1, 3, 6, 9) reversed; total 0-40, higher is "
                "better. The physical health item is not in the total."
            ),
            source=KEETHARUTH_2018,
        ),
        Rule(
            id="missing",
            text="All 10 mental health items are needed for a total; a partial questionnaire is kept unscored.",
            source=CARECLUSTER,
        ),
        Rule(id="clinical_cutoff", text="A total below 24 is in the clinical range.", source=FRANKLIN_2021),
        Rule(
            id="reliable_change",
            text=(
                "No reliable change value is built in: none could be verified in this session. Change is reported "
                "with category 'no_threshold' until a provider sets the value from the ReQoL user manual."
            ),
            source=CARECLUSTER,
        ),
    ),
    licence=(
        "ReQoL (c) University of Sheffield, licensed through Oxford University Innovation (free for NHS use under "
        "licence). Items are shown by short labels of our own; the wording may be loaded locally by a licensee."
    ),
)
