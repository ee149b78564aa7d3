"""SWEMWBS: the short Warwick-Edinburgh Mental Wellbeing Scale, 7 items rated 1-5.

The raw total (7-35) is not the reported score: SWEMWBS was fitted to a Rasch model, and the
raw total must be turned into a metric score through the developers' conversion table before
scores are compared or averaged. All seven items are needed, because the table is defined for
complete raw totals only.
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
from carecluster.domain.outcomes.sources import MHSDS_SNOMED

WARWICK = Source(
    citation=(
        "Stewart-Brown S, Tennant A, Tennant R, et al. Internal construct validity of the Warwick-Edinburgh Mental "
        "Well-being Scale (WEMWBS): a Rasch analysis using data from the Scottish Health Education Population "
        "Survey. Health Qual Life Outcomes 2009;7:15; Warwick Medical School, 'Collect, score, analyse and "
        "interpret WEMWBS' (SWEMWBS raw score to metric score conversion table)"
    ),
    url="https://warwick.ac.uk/fac/sci/med/research/platform/wemwbs/using/howto",
    confidence="high",
    note=(
        "Warwick's page says raw SWEMWBS totals must be transformed with its conversion table. The 29 table values "
        "here were checked against three independent published copies, which agree to 2 decimal places."
    ),
)

SHAH_2018 = Source(
    citation=(
        "Shah N, Cader M, Andrews B, McCabe R, Stewart-Brown SL. Short Warwick-Edinburgh Mental Well-being Scale "
        "(SWEMWBS): performance in a clinical sample in relation to PHQ-9 and GAD-7. Health Qual Life Outcomes "
        "2018;16:239 ('a change of between 1 and 3 points meets thresholds for statistically important change'; "
        "2.77 SEM = 2.87 points); NHS England's MHSDS outcomes code uses 3 points for SWEMWBS, citing Shah 2018"
    ),
    url="https://doi.org/10.1186/s12955-018-1060-2",
    confidence="medium",
    note="We use 3 metric points, the upper end and the value NHS England uses; it is not a classical RCI.",
)

CONVERSION: dict[int, float] = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32, 15: 15.84,
    16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98, 23: 20.73, 24: 21.54,
    25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70,
    34: 32.55, 35: 35.00,
}  # fmt: skip
"""SWEMWBS raw total (7-35) -> metric score (Warwick Medical School)."""

_FREQUENCY = (
    (1, "none of the time"),
    (2, "rarely"),
    (3, "some of the time"),
    (4, "often"),
    (5, "all of the time"),
)
_OPTIONS = tuple(ResponseOption(value=v, label=label) for v, label in _FREQUENCY)
_ITEMS = (
    ("1", "Optimistic about the future"),
    ("2", "Feeling useful"),
    ("3", "Feeling relaxed"),
    ("4", "Dealing with problems well"),
    ("5", "Thinking clearly"),
    ("6", "Feeling close to other people"),
    ("7", "Able to make up my own mind"),
)


def metric_score(raw_total: int) -> float:
    """The SWEMWBS metric score for a complete raw total (7-35)."""
    if raw_total not in CONVERSION:
        raise ValueError(f"SWEMWBS raw total {raw_total} is outside 7-35")
    return CONVERSION[raw_total]


SWEMWBS = MeasureDefinition(
    id="swemwbs",
    name="SWEMWBS",
    kind="PROM",
    version="1",
    items=tuple(Item(id=item_id, label=label, options=_OPTIONS) for item_id, label in _ITEMS),
    scoring="conversion_table",
    conversion_table=CONVERSION,
    score_range=(7.0, 35.0),
    score_label="SWEMWBS metric score",
    direction="higher_is_better",
    missing_rule=MissingRule(
        min_answered=7,
        prorate=False,
        source=Source(
            citation="Warwick conversion table: defined for raw totals of all 7 items (7-35)",
            confidence="medium",
            note="No imputation rule for SWEMWBS was verified in this session, so partial answers are not scored.",
        ),
    ),
    reliable_change=Threshold(value=3, source=SHAH_2018),
    clinical_cutoff=None,
    snomed=(
        SnomedCode(code="718466001", term="Short Warwick-Edinburgh Mental Well-being Scale score", source=MHSDS_SNOMED),
    ),
    rules=(
        Rule(
            id="items",
            text="7 positively worded items, each 1 (none of the time) to 5 (all of the time).",
            source=WARWICK,
        ),
        Rule(id="raw", text="Raw total = sum of the 7 items (7-35).", source=WARWICK),
        Rule(
            id="metric", text="Reported score = metric score from the raw-to-metric conversion table.", source=WARWICK
        ),
        Rule(
            id="meaningful_change",
            text="A change of 3 or more metric points is treated as reliable/meaningful individual change.",
            source=SHAH_2018,
        ),
        Rule(
            id="clinical_cutoff",
            text="No clinical cut-off is built in: SWEMWBS is a population wellbeing scale without an agreed one.",
            source=WARWICK,
        ),
    ),
    licence=(
        "SWEMWBS (c) NHS Health Scotland, University of Warwick and University of Edinburgh, 2008, all rights "
        "reserved; free to use after registration with Warwick. Items are shown by short labels of our own."
    ),
)
