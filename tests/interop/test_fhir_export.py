"""Export: one transaction Bundle, every resource valid FHIR R4 (fhir.resources R4B), 9 never a value."""

from __future__ import annotations

import json

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from carecluster.interop.fhir import codes, to_bundle, to_questionnaire_response
from carecluster.reference import SCALE_CODES

MODELS = {"Patient": Patient, "QuestionnaireResponse": QuestionnaireResponse, "Observation": Observation}


def _bundle_json(record, reference) -> dict:
    return json.loads(to_bundle(record, reference).model_dump_json())


def test_every_exported_resource_validates(record, reference) -> None:
    data = _bundle_json(record, reference)
    Bundle.model_validate(data)
    kinds = [entry["resource"]["resourceType"] for entry in data["entry"]]
    assert kinds == ["Patient", "QuestionnaireResponse"] + ["Observation"] * 19
    for entry in data["entry"]:
        resource = entry["resource"]
        MODELS[resource["resourceType"]].model_validate(resource)
    QuestionnaireResponse.model_validate_json(to_questionnaire_response(record, reference).model_dump_json())


def test_transaction_entries_are_conditional_creates_with_urn_uuids(record, reference) -> None:
    data = _bundle_json(record, reference)
    assert data["type"] == "transaction"
    urls = [entry["fullUrl"] for entry in data["entry"]]
    assert all(url.startswith("urn:uuid:") for url in urls)
    assert len(set(urls)) == len(urls)
    for entry in data["entry"]:
        request = entry["request"]
        assert request["method"] == "POST"
        assert request["url"] == entry["resource"]["resourceType"]
        assert request["ifNoneExist"].startswith("identifier=")
    patient = data["entry"][0]
    assert patient["request"]["ifNoneExist"] == f"identifier={codes.NHS_NUMBER}|9990000018"
    assert _bundle_json(record, reference) == data  # the same assessment, the same Bundle


def test_references_resolve_inside_the_bundle(record, reference) -> None:
    data = _bundle_json(record, reference)
    patient_url, response_url = data["entry"][0]["fullUrl"], data["entry"][1]["fullUrl"]
    for entry in data["entry"][1:]:
        assert entry["resource"]["subject"]["reference"] == patient_url
    for entry in data["entry"][2:]:
        assert entry["resource"]["derivedFrom"] == [{"reference": response_url, "type": "QuestionnaireResponse"}]


def test_not_known_is_a_data_absent_reason_never_a_value(record, reference) -> None:
    observations = [e["resource"] for e in _bundle_json(record, reference)["entry"][2:20]]
    by_scale = {
        next(c["code"] for c in o["code"]["coding"] if c["system"] == codes.MHCT_SCALE): o for o in observations
    }
    assert set(by_scale) == set(SCALE_CODES)
    for scale in ("9", "C"):
        assert "valueInteger" not in by_scale[scale]
        assert by_scale[scale]["dataAbsentReason"]["coding"][0] == {
            "system": codes.DATA_ABSENT_REASON,
            "code": "asked-unknown",
            "display": "Asked But Unknown",
        }
    assert by_scale["7"]["valueInteger"] == 3
    assert "dataAbsentReason" not in by_scale["7"]
    snomed = [c for c in by_scale["1"]["code"]["coding"] if c["system"] == codes.SNOMED]
    assert snomed[0]["code"] == "979641000000103"
    summary = [c["code"] for c in by_scale["13"]["code"]["coding"] if c["system"] == codes.SNOMED]
    assert summary == ["985071000000105"]  # MHCT summary rating 13 (MHSDS code reference data)
    (component,) = by_scale["8"]["component"]
    assert component["valueCodeableConcept"] == {
        "coding": [{"system": codes.MHCT_PROBLEM_TYPE, "code": "J"}],
        "text": "hoarding, with a comma",
    }


def test_cluster_observation_carries_choice_suggestion_and_reference(record, reference) -> None:
    cluster = _bundle_json(record, reference)["entry"][-1]["resource"]
    assert cluster["status"] == "final"
    assert cluster["valueCodeableConcept"]["coding"][0]["code"] == "03"
    components = {c["code"]["coding"][0]["code"]: c for c in cluster["component"]}
    assert components["suggested-cluster"]["valueCodeableConcept"]["coding"][0]["code"] == (
        f"{record.allocation.suggested_cluster:02d}"
    )
    assert components["super-class"]["valueCodeableConcept"]["coding"][0]["code"] == "A"
    assert components["reference-set-id"]["valueString"] == reference.id
    assert components["choice-reason"]["valueString"] == "Engages well; moderate needs"


def test_unallocated_assessment_has_no_cluster_observation(plain_record, reference) -> None:
    data = _bundle_json(plain_record, reference)
    assert len(data["entry"]) == 20
    assert data["entry"][0]["request"]["ifNoneExist"] == f"identifier={codes.LOCAL_PATIENT_ID}|RX1-43"
