"""DIALOG: satisfaction with eight life domains and three treatment aspects, each rated 1-7.

The mean of the eight life domains is the subjective quality of life score (the PROM); the
mean of the three treatment items is treatment satisfaction (reported as a subscale). Means
are only given when every item of the group is answered: no missing-item rule is published,
and a mean of fewer domains would change what the score means.
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
    Subscale,
)
from carecluster.domain.outcomes.sources import CARECLUSTER, MHSDS_SNOMED

PRIEBE = Source(
    citation=(
        "DIALOG scale, East London NHS Foundation Trust / Queen Mary University of London (dialog.elft.nhs.uk): "
        "'The mean of the 8 items on satisfaction with different life domains forms the subjective quality of "
        "life score. The mean of the 3 items on satisfaction with treatment components forms the treatment "
        "satisfaction score.' Priebe S, Golden E, McCabe R, Reininghaus U. BMC Psychiatry 2012;12:113"
    ),
    url="https://dialog.elft.nhs.uk/DIALOG-scale",
    confidence="high",
)

_SCALE = (
    (1, "totally dissatisfied"),
    (2, "very dissatisfied"),
    (3, "fairly dissatisfied"),
    (4, "in the middle"),
    (5, "fairly satisfied"),
    (6, "very satisfied"),
    (7, "totally satisfied"),
)
_OPTIONS = tuple(ResponseOption(value=v, label=label) for v, label in _SCALE)

# (item, our label, SNOMED CT concept for the item score in MHSDS); order as in MHSDS
_ITEMS = (
    ("1", "Mental health", "1037651000000100"),
    ("2", "Physical health", "1037661000000102"),
    ("3", "Job situation", "1037671000000109"),
    ("4", "Accommodation", "1037681000000106"),
    ("5", "Leisure activities", "1037691000000108"),
    ("6", "Friendships", "1037701000000108"),
    ("7", "Partner or family", "1037711000000105"),
    ("8", "Personal safety", "1037721000000104"),
    ("9", "Medication", "1037731000000102"),
    ("10", "Practical help received", "1037741000000106"),
    ("11", "Meetings with mental health professionals", "1037751000000109"),
)
LIFE_DOMAINS = tuple(item_id for item_id, _, _ in _ITEMS[:8])
TREATMENT_ASPECTS = tuple(item_id for item_id, _, _ in _ITEMS[8:])

DIALOG = MeasureDefinition(
    id="dialog",
    name="DIALOG",
    kind="PROM",
    version="1",
    items=tuple(
        Item(
            id=item_id,
            label=label,
            options=_OPTIONS,
            in_total=item_id in LIFE_DOMAINS,
            snomed=SnomedCode(
                code=code, term=f"DIALOG patient rated outcome measure item {item_id} score", source=MHSDS_SNOMED
            ),
        )
        for item_id, label, code in _ITEMS
    ),
    subscales=(
        Subscale(
            id="quality_of_life", label="Subjective quality of life (items 1-8)", items=LIFE_DOMAINS, statistic="mean"
        ),
        Subscale(
            id="treatment_satisfaction",
            label="Treatment satisfaction (items 9-11)",
            items=TREATMENT_ASPECTS,
            statistic="mean",
        ),
    ),
    scoring="mean",
    score_range=(1, 7),
    score_label="DIALOG subjective quality of life (mean of items 1-8)",
    direction="higher_is_better",
    missing_rule=MissingRule(min_answered=8, prorate=False, source=CARECLUSTER),
    reliable_change=None,
    clinical_cutoff=None,
    snomed=(),
    snomed_note="none known for the mean scores; MHSDS records the 11 item scores (codes on each item)",
    rules=(
        Rule(
            id="items",
            text="8 life domains and 3 treatment aspects, each rated 1-7 (1 = totally dissatisfied).",
            source=PRIEBE,
        ),
        Rule(id="quality_of_life", text="Subjective quality of life = mean of items 1-8.", source=PRIEBE),
        Rule(id="treatment_satisfaction", text="Treatment satisfaction = mean of items 9-11.", source=PRIEBE),
        Rule(
            id="missing",
            text="A mean is given only when every item of its group is answered; otherwise the result is partial.",
            source=CARECLUSTER,
        ),
        Rule(
            id="reliable_change",
            text=(
                "No published reliable change value for the DIALOG means was found; change is reported with "
                "category 'no_threshold'."
            ),
            source=CARECLUSTER,
        ),
    ),
    licence="DIALOG is free to use (East London NHS Foundation Trust / QMUL). Items are shown by short labels of our own.",
)
