"""Sources shared by several measures, written once so that every definition cites them alike."""

from __future__ import annotations

from carecluster.domain.outcomes.model import Source

MHSDS_SNOMED = Source(
    citation=(
        "NHS England Mental Health Services Data Set coded scored assessment reference list (assessment tool, "
        "SNOMED CT preferred term, concept id, valid range), as embedded in NHS England's public MHSDS "
        "outcomes analysis code (reference table MH_ASS)"
    ),
    confidence="high",
    note="Concept ids copied from that list; check against the current NHS England SNOMED CT release before use.",
)

JACOBSON_TRUAX = Source(
    citation=(
        "Jacobson NS, Truax P. Clinical significance: a statistical approach to defining meaningful change in "
        "psychotherapy research. J Consult Clin Psychol 1991;59(1):12-19"
    ),
    confidence="high",
    note="Clinically significant change = reliable change that also crosses the clinical cut-off.",
)

CARECLUSTER = Source(
    citation="carecluster design decision (no published rule found)",
    confidence="low",
    note="Conservative choice of this project; a provider may replace it with a published rule.",
)
