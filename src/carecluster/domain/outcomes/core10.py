"""CORE-10: psychological distress, 10 self-report items rated 0-4 over the last week.

Items 2 and 3 are worded positively and are reversed, so that a higher clinical score (0-40)
always means more distress. One missing item may be prorated (mean of the nine answered x 10);
with two or more missing the questionnaire is kept as partial.
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
from carecluster.domain.outcomes.sources import JACOBSON_TRUAX, MHSDS_SNOMED

BARKHAM_2013 = Source(
    citation=(
        "Barkham M, Bewick B, Mullin T, et al. The CORE-10: a short measure of psychological distress for routine "
        "use in the psychological therapies. Counselling and Psychotherapy Research 2013;13(1):3-13 (abstract: "
        "'The clinical cut-off score for general psychological distress was 11.0 with a reliable change index "
        "(90% CI) of 6')"
    ),
    url="https://doi.org/10.1080/14733145.2012.729069",
    confidence="high",
)

CORE_TRUST_SCORING = Source(
    citation=(
        "CORE System Trust, 'What's in a name (1): scoring CORE measures' (coresystemtrust.org.uk): pro-rating "
        "allowed when no more than 10% of items are missing - for the CORE-10, one item; clinical score = item "
        "mean x 10, i.e. the sum of the 10 items when complete"
    ),
    url="https://www.coresystemtrust.org.uk/whats-in-a-name-1-scoring-core-measures/",
    confidence="high",
)

REVERSED_ITEMS = Source(
    citation=(
        "CORE-10 form and user manual (Connell J, Barkham M. CORE-10 User Manual, version 1.0, 2007): items 2 and "
        "3 are positively worded and scored 4-0; cross-checked against the CamCOPS CORE-10 implementation"
    ),
    confidence="high",
)

_FREQUENCY = (
    (0, "not at all"),
    (1, "only occasionally"),
    (2, "sometimes"),
    (3, "often"),
    (4, "most or all of the time"),
)
_OPTIONS = tuple(ResponseOption(value=v, label=label) for v, label in _FREQUENCY)
_ITEMS = (
    ("1", "Tense, anxious or nervous", False),
    ("2", "Someone to turn to for support", True),
    ("3", "Able to cope when things go wrong", True),
    ("4", "Talking to people felt too much", False),
    ("5", "Panic or terror", False),
    ("6", "Made plans to end my life (risk item)", False),
    ("7", "Difficulty sleeping", False),
    ("8", "Despairing or hopeless", False),
    ("9", "Unhappy", False),
    ("10", "Distressed by unwanted images or memories", False),
)

CORE10 = MeasureDefinition(
    id="core10",
    name="CORE-10",
    kind="PROM",
    version="1",
    items=tuple(
        Item(id=item_id, label=label, options=_OPTIONS, reverse_scored=positive) for item_id, label, positive in _ITEMS
    ),
    scoring="sum",
    score_range=(0, 40),
    score_label="CORE-10 clinical score",
    direction="higher_is_worse",
    missing_rule=MissingRule(min_answered=9, prorate=True, source=CORE_TRUST_SCORING),
    reliable_change=Threshold(value=6, source=BARKHAM_2013),
    clinical_cutoff=Threshold(value=11, source=BARKHAM_2013),
    snomed=(
        SnomedCode(
            code="718583008", term="Clinical Outcomes in Routine Evaluation - 10 clinical score", source=MHSDS_SNOMED
        ),
    ),
    rules=(
        Rule(
            id="items",
            text=(
                "10 items; answers are recorded as the frequency chosen (0 = not at all ... 4 = most or all of the "
                "time), whatever number the paper form prints."
            ),
            source=REVERSED_ITEMS,
        ),
        Rule(id="reversed", text="Items 2 and 3 are reverse scored (4 - answer).", source=REVERSED_ITEMS),
        Rule(
            id="clinical_score",
            text="Clinical score = mean of answered items x 10 (= the sum when all 10 are answered), 0-40.",
            source=CORE_TRUST_SCORING,
        ),
        Rule(
            id="missing",
            text="At most one item may be missing (prorated); with two or more missing there is no valid score.",
            source=CORE_TRUST_SCORING,
        ),
        Rule(
            id="clinical_cutoff", text="A clinical score of 11 or more is in the clinical range.", source=BARKHAM_2013
        ),
        Rule(id="reliable_change", text="A change of 6 points or more is reliable.", source=BARKHAM_2013),
        Rule(
            id="clinical_significance",
            text="Clinically significant change per Jacobson and Truax.",
            source=JACOBSON_TRUAX,
        ),
    ),
    licence=(
        "CORE-10 (c) CORE System Trust; free to copy in unaltered form. Items are shown by short labels of our own; "
        "the form's wording may be loaded locally."
    ),
)
