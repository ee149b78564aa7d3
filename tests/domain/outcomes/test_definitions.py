"""Every built-in definition is complete data: items, rules with sources, codes, licence."""

from __future__ import annotations

import re

import pytest

from carecluster.domain.outcomes import MEASURES, OutcomeError, get_measure
from carecluster.domain.outcomes.model import MeasureDefinition

ALL = list(MEASURES.values())


def test_registry_holds_every_measure_the_issue_asks_for() -> None:
    assert set(MEASURES) == {"honos", "reqol10", "dialog", "swemwbs", "core10", "gas", "gbo", "fft"}
    assert {m.kind for m in ALL} == {"CROM", "PROM", "GOALS", "PREM"}
    assert get_measure("core10") is MEASURES["core10"]


def test_unknown_measure_is_named() -> None:
    with pytest.raises(OutcomeError, match="unknown outcome measure 'phq9'; measures are honos, "):
        get_measure("phq9")


@pytest.mark.parametrize("definition", ALL, ids=lambda m: m.id)
def test_every_rule_has_a_source_and_a_confidence(definition: MeasureDefinition) -> None:
    assert definition.rules
    for rule in definition.rules:
        assert rule.source.citation.strip()
        assert rule.source.confidence in {"high", "medium", "low"}
    for threshold in (definition.reliable_change, definition.clinical_cutoff):
        if threshold is not None:
            assert threshold.source.citation.strip()
    if definition.missing_rule is not None:
        assert definition.missing_rule.source.citation.strip()
    assert definition.licence.strip()


@pytest.mark.parametrize("definition", ALL, ids=lambda m: m.id)
def test_snomed_codes_are_sctids_or_said_to_be_unknown(definition: MeasureDefinition) -> None:
    codes = [c.code for c in definition.snomed] + [i.snomed.code for i in definition.items if i.snomed]
    for code in codes:
        assert re.fullmatch(r"\d{6,18}", code)
    if not codes:
        assert definition.snomed_note == "none known"


@pytest.mark.parametrize("definition", ALL, ids=lambda m: m.id)
def test_item_labels_are_short_own_words(definition: MeasureDefinition) -> None:
    """Licensed wording is never shipped: labels stay short (FFT's public question excepted)."""
    for item in definition.items:
        if definition.id != "fft":
            assert len(item.label) <= 60, item.label


def test_definitions_reject_inconsistent_data() -> None:
    data = MEASURES["core10"].model_dump()
    data["items"][1]["id"] = "1"
    with pytest.raises(ValueError, match="item ids repeat"):
        MeasureDefinition.model_validate(data)
    data = MEASURES["honos"].model_dump()
    data["subscales"][0]["items"] = ["1", "99"]
    with pytest.raises(ValueError, match="unknown items"):
        MeasureDefinition.model_validate(data)


def test_definitions_round_trip_as_json() -> None:
    """Definitions are data: they survive JSON, so a provider can store or override them."""
    for definition in ALL:
        assert MeasureDefinition.model_validate_json(definition.model_dump_json()) == definition


def test_known_snomed_codes() -> None:
    assert MEASURES["core10"].snomed[0].code == "718583008"
    assert MEASURES["swemwbs"].snomed[0].code == "718466001"
    assert MEASURES["reqol10"].snomed[0].code == "1091071000000100"
    assert MEASURES["honos"].item("1").snomed.code == "979641000000103"
    assert MEASURES["honos"].item("12").snomed.code == "979751000000109"
    assert MEASURES["dialog"].item("11").snomed.code == "1037751000000109"
    assert MEASURES["fft"].snomed == ()
    assert MEASURES["gas"].snomed == ()
