"""Outcome measures as FHIR: answers in a QuestionnaireResponse, scores as Observations, valid R4."""

from __future__ import annotations

import json
from datetime import date

from carecluster.domain.outcomes import MEASURES, Goal, score
from carecluster.interop.fhir import codes
from carecluster.interop.fhir.outcomes import OUTCOME_ITEM, outcome_bundle
from carecluster.interop.records import ServiceUser
from tests.interop.test_fhir_export import MODELS

PERSON = ServiceUser(nhs_number="9990000018", local_id="RX1-42")


def _bundle(measure: str, answers: dict, goals: list[dict] | None = None) -> dict:
    result = score(MEASURES[measure], answers, goals=[Goal(**g) for g in goals] if goals else None)
    bundle = outcome_bundle("o-1", PERSON, measure, date(2026, 3, 2), answers, goals, result.model_dump())
    return json.loads(bundle.model_dump_json(exclude_none=True))


def _observations(data: dict) -> dict[str, dict]:
    return {
        e["resource"]["identifier"][0]["value"]: e["resource"]
        for e in data["entry"]
        if e["resource"]["resourceType"] == "Observation"
    }


def test_dialog_items_carry_snomed_and_our_code() -> None:
    data = _bundle("dialog", {str(i): 5 for i in range(1, 12)} | {"6": 2})
    for entry in data["entry"]:
        MODELS[entry["resource"]["resourceType"]].model_validate(entry["resource"])
    response = data["entry"][1]["resource"]
    assert (response["status"], len(response["item"])) == ("completed", 11)
    assert "text" not in response["item"][0]  # ids only, never the licensed wording
    observations = _observations(data)
    six = observations["o-1.6"]
    assert six["code"]["coding"][0] == {
        "system": codes.SNOMED,
        "code": "1833401000000105",
        "display": "DIALOG item 7 score - how satisfied are you with your friendships",
    }
    assert six["code"]["coding"][1] == {"system": OUTCOME_ITEM, "code": "dialog-6"}
    assert six["valueQuantity"] == {"value": 2.0}
    assert "o-1.total" in observations  # DIALOG's mean: our code only
    assert [c["system"] for c in observations["o-1.total"]["code"]["coding"]] == [OUTCOME_ITEM]


def test_a_partial_questionnaire_has_no_score_and_gas_no_borrowed_code() -> None:
    partial = _bundle("reqol10", {"1": 2, "2": 3})
    assert partial["entry"][1]["resource"]["status"] == "in-progress"
    assert _observations(partial) == {}
    goals = [{"id": "a", "description": "walk"}, {"id": "b", "description": "work"}]
    gas = _observations(_bundle("gas", {"a": 1, "b": 0}, goals))
    assert [c["system"] for c in gas["o-1.total"]["code"]["coding"]] == [OUTCOME_ITEM]
