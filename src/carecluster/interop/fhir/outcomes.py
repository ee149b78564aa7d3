"""An outcome measure as FHIR R4: a QuestionnaireResponse of the answers, and Observations of the
scores, in one transaction Bundle with the Patient.

Items carry their ids only (`linkId`), never the licensed wording. An Observation is coded with
the SNOMED CT concept of the MHSDS reference data where one exists (DIALOG items, GBO goals 1-3
by place, the ReQoL-10, SWEMWBS and CORE-10 totals) and always with our own code
(`<measure>-<item>`), so a score without a public code is still exchanged, clearly not national.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from carecluster.interop.fhir import codes
from carecluster.interop.fhir.export import _entry, full_url, patient_identifiers, patient_resource
from carecluster.interop.nds.codes import builtin_codes
from carecluster.interop.records import ServiceUser

OUTCOME_ITEM = f"{codes.CANONICAL_BASE}/CodeSystem/outcome-item"
"""Our codes for outcome measure scores: `<measure>-<item>` (item `total` for a measure's score)."""
OUTCOME_ID = f"{codes.CANONICAL_BASE}/Id/outcome"


def _score_observation(
    admin_id: str, measure: str, item: str, value: float, on: date, subject: dict[str, Any], derived: str,
    snomed: tuple[str, str] | None,
) -> dict[str, Any]:  # fmt: skip
    coding = [{"system": OUTCOME_ITEM, "code": f"{measure}-{item}"}]
    if snomed:
        coding.insert(0, {"system": codes.SNOMED, "code": snomed[0], "display": snomed[1]})
    return {
        "resourceType": "Observation",
        "identifier": [{"system": OUTCOME_ID, "value": f"{admin_id}.{item}"}],
        "status": "final",
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {"coding": coding},
        "subject": subject,
        "effectiveDateTime": on.isoformat(),
        "valueQuantity": {"value": value},
        "derivedFrom": [{"reference": derived, "type": "QuestionnaireResponse"}],
    }


def outcome_bundle(
    admin_id: str,
    user: ServiceUser,
    measure: str,
    on: date,
    answers: Mapping[str, Any],
    goals: Sequence[Mapping[str, Any]] | None,
    score: Mapping[str, Any],
) -> Bundle:
    """A transaction Bundle: Patient, the QuestionnaireResponse (answers as given, unanswered items
    left out), an Observation per answered DIALOG item or goal, and one for the measure's score
    when it is valid (a partial questionnaire gets no score Observation)."""
    table = builtin_codes()
    patient_url, response_url = full_url(admin_id, "patient"), full_url(admin_id, "questionnaire-response")
    subject = {"reference": patient_url, "type": "Patient"}
    items = [
        {"linkId": item, "answer": [{"valueInteger": value}]}
        for item, value in answers.items()
        if isinstance(value, int) and not isinstance(value, bool)
    ]
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": OUTCOME_ID, "value": admin_id},
        "questionnaire": f"{codes.CANONICAL_BASE}/Questionnaire/{measure}",
        "status": "completed" if score.get("valid") else "in-progress",
        "subject": subject,
        "authored": on.isoformat(),
        "item": items,
    }
    identifiers = patient_identifiers(user)
    entries = [
        _entry(patient_url, patient_resource(user), identifiers[0]),
        _entry(response_url, response, response["identifier"]),
    ]
    observed: list[tuple[str, float, tuple[str, str] | None]] = []
    if measure in ("dialog", "gbo"):
        places = {str(g.get("id")): str(n) for n, g in enumerate(goals or [], start=1)}
        for item, value in answers.items():
            if isinstance(value, int) and not isinstance(value, bool):
                code = table.code_for(measure, places.get(item, item) if measure == "gbo" else item)
                observed.append((item, float(value), (code.concept_code, code.term) if code else None))
    if score.get("valid") and score.get("total") is not None:
        code = None if measure == "gas" else table.code_for(measure, "total")  # GAS's code is per goal, not the T-score
        # a valid SWEMWBS score always carries its raw total (domain/outcomes/scoring.py), coded by SNOMED
        value = score["raw_total"] if measure == "swemwbs" and code else score["total"]
        observed.append(("total", float(value), (code.concept_code, code.term) if code else None))
    for item, value, snomed in observed:
        observation = _score_observation(admin_id, measure, item, value, on, subject, response_url, snomed)
        entries.append(_entry(full_url(admin_id, f"score-{item}"), observation, observation["identifier"][0]))
    return Bundle.model_validate({"resourceType": "Bundle", "type": "transaction", "entry": entries})
