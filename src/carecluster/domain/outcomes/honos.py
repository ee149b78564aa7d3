"""HoNOS (working age adults) as the clinician-rated outcome measure, taken from MHCT scales 1-12.

The MHCT's first twelve scales are the HoNOS items, so a clustering rating already is a HoNOS
rating: it is never entered twice. Ratings of 9 (not known) are left out of the total, and a
total is only valid with enough items rated 0-4.
"""

from __future__ import annotations

from carecluster.domain.outcomes.model import (
    Item,
    MeasureDefinition,
    MissingRule,
    ResponseOption,
    Rule,
    ScoreResult,
    SnomedCode,
    Source,
    Subscale,
    Threshold,
)
from carecluster.domain.outcomes.scoring import score
from carecluster.domain.outcomes.sources import JACOBSON_TRUAX, MHSDS_SNOMED
from carecluster.domain.ratings import Ratings

NOT_KNOWN = 9
HONOS_MIN_RATED = 10
"""A HoNOS total is valid with at least this many of its 12 items rated 0-4: the one definition,
read by the scoring, the charts and the reports' SQL (see `VALIDITY`)."""

WING_1996 = Source(
    citation=(
        "Wing JK, Curtis RH, Beevor AS. HoNOS: Health of the Nation Outcome Scales. Report on research and "
        "development July 1993-December 1995. London: Royal College of Psychiatrists, 1996; rating key and "
        "glossary (NHS Data Dictionary, HONOS RATING); James M, Painter J, Buckingham B, Stewart MW. A review and "
        "update of the HoNOS. BJPsych Bull 2018;42(2):63-68"
    ),
    url="https://doi.org/10.1192/bjb.2017.17",
    confidence="high",
)

PARABIAGHI_2005 = Source(
    citation=(
        "Parabiaghi A, Barbato A, D'Avanzo B, Erlicher A, Lora A. Assessing reliable and clinically significant "
        "change on Health of the Nation Outcome Scales: method for displaying longitudinal data. Aust N Z J "
        "Psychiatry 2005;39(8):719-725"
    ),
    url="https://doi.org/10.1080/j.1440-1614.2005.01656.x",
    confidence="high",
    note=(
        "Abstract: whole sample (n=4759 re-assessed) - reliable change 8 points, clinical improvement cut-off 11, "
        "remission cut-off 5; severe patients - reliable change 7, cut-off 12. We use the whole-sample values. "
        "Reading 'cut-off 11' as 'a total of 11 or more is in the clinical range' is ours."
    ),
)

VALIDITY = Source(
    citation=(
        "Convention for a valid HoNOS total: no more than 2 of the 12 items missing or rated 9 (at least 10 rated "
        "0-4), as used for Australian NOCC HoNOS reporting and on English HoNOS score sheets ('sheets with more "
        "than 2 unknown items will be returned')"
    ),
    confidence="medium",
    note=(
        "NHS England's own published rule for HoNOS totals from MHSDS could not be retrieved in this session; "
        "10 of 12 is the widely used threshold. Change `min_answered` here if NHS England's methodology differs."
    ),
)

_KEY = (
    (0, "no problem"),
    (1, "minor problem needing no action"),
    (2, "mild problem, definitely present"),
    (3, "moderately severe problem"),
    (4, "severe to very severe problem"),
)
_OPTIONS = tuple(ResponseOption(value=v, label=label) for v, label in _KEY)

# (item, our short label, SNOMED CT concept for the item score in MHSDS)
_ITEMS = (
    ("1", "Overactive, aggressive or agitated behaviour", "979641000000103"),
    ("2", "Non-accidental self-injury", "979651000000100"),
    ("3", "Problem drinking or drug use", "979661000000102"),
    ("4", "Cognitive problems", "979671000000109"),
    ("5", "Physical illness or disability", "979681000000106"),
    ("6", "Hallucinations and delusions", "979691000000108"),
    ("7", "Depressed mood", "979701000000108"),
    ("8", "Other mental and behavioural problems", "979711000000105"),
    ("9", "Relationships", "979721000000104"),
    ("10", "Activities of daily living", "979731000000102"),
    ("11", "Living conditions", "979741000000106"),
    ("12", "Occupation and activities", "979751000000109"),
)

HONOS = MeasureDefinition(
    id="honos",
    name="HoNOS",
    kind="CROM",
    version="1",
    items=tuple(
        Item(
            id=item_id,
            label=label,
            options=_OPTIONS,
            not_known=(NOT_KNOWN,),
            snomed=SnomedCode(
                code=code, term=f"HoNOS working age adults rating scale {item_id} score", source=MHSDS_SNOMED
            ),
        )
        for item_id, label, code in _ITEMS
    ),
    subscales=(
        Subscale(id="behaviour", label="Behaviour (items 1-3)", items=("1", "2", "3")),
        Subscale(id="impairment", label="Impairment (items 4-5)", items=("4", "5")),
        Subscale(id="symptoms", label="Symptoms (items 6-8)", items=("6", "7", "8")),
        Subscale(id="social", label="Social (items 9-12)", items=("9", "10", "11", "12")),
    ),
    scoring="sum",
    score_range=(0, 48),
    score_label="HoNOS total",
    direction="higher_is_worse",
    missing_rule=MissingRule(min_answered=HONOS_MIN_RATED, prorate=False, source=VALIDITY),
    reliable_change=Threshold(value=8, source=PARABIAGHI_2005),
    clinical_cutoff=Threshold(value=11, source=PARABIAGHI_2005),
    significant_item_rating=2,
    snomed=(),
    snomed_note=(
        "none known for the HoNOS total; MHSDS records the 12 item scores (codes on each item), from which the "
        "total is derived"
    ),
    rules=(
        Rule(id="items", text="12 items, each rated 0-4; 9 = not known.", source=WING_1996),
        Rule(id="total", text="Total 0-48 = sum of items rated 0-4; items rated 9 are left out.", source=WING_1996),
        Rule(
            id="validity",
            text="The total is valid only with at least 10 of the 12 items rated 0-4 (no more than 2 not known).",
            source=VALIDITY,
        ),
        Rule(
            id="subscales",
            text="Subscales: behaviour 1-3, impairment 4-5, symptoms 6-8, social 9-12 (sums of items rated 0-4).",
            source=WING_1996,
        ),
        Rule(
            id="significant_items",
            text="An item rated 2 or more (a problem definitely present) is counted as clinically significant.",
            source=Source(
                citation="HoNOS rating key: 2 = mild problem but definitely present (Wing et al. 1996)",
                confidence="medium",
                note="Counting items rated 2+ as clinically significant is the usual HoNOS reporting convention.",
            ),
        ),
        Rule(
            id="reliable_change",
            text="A change of 8 points or more in the total is reliable (whole-sample value).",
            source=PARABIAGHI_2005,
        ),
        Rule(
            id="clinical_cutoff",
            text=(
                "A total of 11 or more is in the clinical range; reliable improvement to 10 or less is clinically "
                "significant improvement (Jacobson and Truax)."
            ),
            source=PARABIAGHI_2005,
        ),
        Rule(
            id="clinical_significance",
            text="Clinically significant change per Jacobson and Truax.",
            source=JACOBSON_TRUAX,
        ),
        Rule(
            id="mhct",
            text="HoNOS items 1-12 are MHCT v3.1 scales 1-12: the clustering rating is reused, never re-entered.",
            source=Source(
                citation="MHCT v3.1 (Payment by Results care clusters), Part 1 scales 1-12", confidence="high"
            ),
        ),
    ),
    licence=(
        "HoNOS (c) Royal College of Psychiatrists. Items are shown by short labels of our own; the glossary wording "
        "is not included and may be loaded locally by a licensed provider."
    ),
)


def answers_from_ratings(ratings: Ratings) -> dict[str, int]:
    """HoNOS answers (item id -> 0-4 or 9) from an MHCT rating's scales 1-12."""
    return {str(number): value for number, value in enumerate(ratings.honos, start=1)}


def score_ratings(ratings: Ratings) -> ScoreResult:
    """Score the HoNOS held inside an MHCT rating."""
    return score(HONOS, answers_from_ratings(ratings))
