"""The Friends and Family Test (FFT): the NHS's single patient experience question since April 2020.

It is an experience measure (PREM), not an outcome: one answer, reported as positive (very good
or good), neutral, negative (poor or very poor) or don't know. It has no score, so no paired
change. The question wording is NHS England's and is public, so it is held here verbatim.
"""

from __future__ import annotations

from carecluster.domain.outcomes.model import Item, MeasureDefinition, ResponseOption, Rule, Source

QUESTION = "Overall, how was your experience of our service?"

NHSE_FFT_2020 = Source(
    citation=(
        "NHS England. Using the Friends and Family Test to improve patient experience: guidance (revised question "
        "in use from 1 April 2020): mandatory question 'Overall, how was your experience of our service?' with six "
        "responses Very good, Good, Neither good nor poor, Poor, Very poor, Don't know; results published as "
        "percentage positive (very good + good) and negative (poor + very poor)"
    ),
    url="https://www.england.nhs.uk/fft/",
    confidence="medium",
    note=(
        "Question wording and the very good ... very poor scale were confirmed on several NHS trust pages that "
        "quote the guidance; the exact six response labels are from the guidance as we know it, not re-read here."
    ),
)

_RESPONSES = (
    (1, "Very good", "positive"),
    (2, "Good", "positive"),
    (3, "Neither good nor poor", "neutral"),
    (4, "Poor", "negative"),
    (5, "Very poor", "negative"),
    (6, "Don't know", "dont_know"),
)

FFT = MeasureDefinition(
    id="fft",
    name="Friends and Family Test",
    kind="PREM",
    version="1",
    items=(
        Item(
            id="experience",
            label=QUESTION,
            options=tuple(ResponseOption(value=v, label=label, category=group) for v, label, group in _RESPONSES),
        ),
    ),
    scoring="single_choice",
    score_range=(1, 6),
    score_label="FFT response",
    direction="higher_is_worse",  # response codes run from very good (1) to very poor (5); 6 = don't know
    rules=(
        Rule(id="question", text=f"One mandatory question: '{QUESTION}'", source=NHSE_FFT_2020),
        Rule(
            id="responses",
            text="Six responses: Very good, Good, Neither good nor poor, Poor, Very poor, Don't know.",
            source=NHSE_FFT_2020,
        ),
        Rule(
            id="reporting",
            text="Positive = very good or good; negative = poor or very poor; neutral and don't know reported apart.",
            source=NHSE_FFT_2020,
        ),
        Rule(
            id="free_text",
            text="At least one free-text follow-up question is asked; it is recorded, not scored.",
            source=NHSE_FFT_2020,
        ),
    ),
    licence="Crown copyright / NHS England; the question is public and shown verbatim.",
)
