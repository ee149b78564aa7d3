"""Import: FHIR export then import gives the same assessment; faults come back as OperationOutcomes."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import given, settings
from hypothesis import strategies as st

from carecluster.domain.ratings import Ratings
from carecluster.interop import AssessmentRecord, InteropError, ServiceUser, allocate_record
from carecluster.interop.fhir import (
    codes,
    from_bundle,
    from_questionnaire_response,
    from_resource,
    to_bundle,
    to_questionnaire_response,
)
from carecluster.reference import builtin_reference

REFERENCE = builtin_reference()


def bundle_of(record) -> dict:
    return json.loads(to_bundle(record, REFERENCE).model_dump_json())


def response_of(record) -> dict:
    return json.loads(to_questionnaire_response(record, REFERENCE).model_dump_json())


def rejected(data) -> InteropError:
    with pytest.raises(InteropError) as caught:
        from_resource(json.dumps(data) if isinstance(data, dict) else data, REFERENCE)
    OperationOutcome.model_validate_json(caught.value.outcome_json())  # always a valid OperationOutcome
    return caught.value


def expressions(error: InteropError) -> list[str | None]:
    return [issue.expression for issue in error.issues]


# --- round trips ---------------------------------------------------------------------------------


def test_bundle_round_trip_keeps_everything(record) -> None:
    assert from_bundle(bundle_of(record), REFERENCE) == record


def test_bundle_round_trip_without_allocation(plain_record) -> None:
    assert from_resource(json.dumps(bundle_of(plain_record)), REFERENCE) == plain_record


def test_questionnaire_response_round_trip(record) -> None:
    imported = from_questionnaire_response(json.dumps(response_of(record)), REFERENCE)
    assert imported == record.model_copy(update={"allocation": None})
    assert imported.ratings.not_known == ("9", "C")
    assert (imported.ratings.problem_type, imported.ratings.problem_description) == ("J", "hoarding, with a comma")


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.sampled_from([0, 1, 2, 3, 4, 9]), min_size=18, max_size=18),
    problem_type=st.sampled_from([None, *"ABCDEFGHI"]),
)
def test_round_trip_for_any_rating(values: list[int], problem_type: str | None) -> None:
    if values[7] == 0:
        problem_type = None
    record = AssessmentRecord(
        id="p-1",
        service_user=ServiceUser(nhs_number="9990000018"),
        assessed_on=dt.date(2026, 11, 23),
        ratings=Ratings.from_sequence(values, problem_type),
    )
    record, _ = allocate_record(record, REFERENCE)
    assert from_bundle(bundle_of(record), REFERENCE) == record


def test_import_allocates_a_response_without_allocation(plain_record) -> None:
    imported = from_resource(json.dumps(response_of(plain_record)), REFERENCE)
    assert imported.allocation is None
    allocated, result = allocate_record(imported, REFERENCE)
    assert allocated.allocation is not None
    assert allocated.allocation.suggested_cluster == result.suggested_cluster
    assert allocated.allocation.reference_version == REFERENCE.version


def test_subject_may_be_a_logical_reference_by_nhs_number(record) -> None:
    data = response_of(record)
    del data["contained"]
    data["subject"] = {"identifier": {"system": codes.NHS_NUMBER, "value": "9990000018"}}
    imported = from_resource(data, REFERENCE)
    assert imported.service_user == ServiceUser(nhs_number="9990000018")


# --- faults, and where they are ---------------------------------------------------------------


def _item(data: dict, link: str) -> tuple[int, dict]:
    return next((i, item) for i, item in enumerate(data["item"]) if item["linkId"] == link)


def test_rating_5_is_refused_at_its_coding(plain_record) -> None:
    data = response_of(plain_record)
    index, item = _item(data, "7")
    item["answer"][0]["valueCoding"]["code"] = "5"
    error = rejected(data)
    assert expressions(error) == [f"QuestionnaireResponse.item[{index}].answer[0].valueCoding.code"]
    assert "'5' is not one of 0, 1, 2, 3, 4, 9" in error.issues[0].diagnostics
    assert error.issues[0].code == "value"


def test_missing_item_is_named(plain_record) -> None:
    data = response_of(plain_record)
    index, _ = _item(data, "B")
    del data["item"][index]
    error = rejected(data)
    assert expressions(error) == ["QuestionnaireResponse.item"]
    assert "scale(s) B" in error.issues[0].diagnostics
    assert error.issues[0].code == "required"


def test_unknown_link_id_is_refused(plain_record) -> None:
    data = response_of(plain_record)
    data["item"].append({"linkId": "14", "answer": [{"valueString": "?"}]})
    error = rejected(data)
    assert expressions(error) == [f"QuestionnaireResponse.item[{len(data['item']) - 1}].linkId"]
    assert "unknown linkId '14'" in error.issues[0].diagnostics


def test_rating_9_as_a_number_is_refused_in_a_response(plain_record) -> None:
    data = response_of(plain_record)
    index, item = _item(data, "6")
    item["answer"] = [{"valueInteger": 9}]
    error = rejected(data)
    assert expressions(error) == [f"QuestionnaireResponse.item[{index}].answer[0].valueInteger"]
    assert "never as a number" in error.issues[0].diagnostics


def test_rating_9_as_an_observation_value_is_refused(record) -> None:
    data = bundle_of(record)
    index = next(
        i
        for i, e in enumerate(data["entry"])
        if e["resource"]["resourceType"] == "Observation"
        and {"system": codes.MHCT_SCALE, "code": "9", "display": "Problems with relationships"}
        in e["resource"]["code"]["coding"]
    )
    observation = data["entry"][index]["resource"]
    del observation["dataAbsentReason"]
    observation["valueInteger"] = 9
    error = rejected(data)
    assert expressions(error) == [f"Bundle.entry[{index}].resource.valueInteger"]
    assert "dataAbsentReason" in error.issues[0].diagnostics


def test_observation_disagreeing_with_the_answers_is_refused(record) -> None:
    data = bundle_of(record)
    observation = data["entry"][2]["resource"]  # scale 1, answered 0
    observation["valueInteger"] = 2
    error = rejected(data)
    assert expressions(error) == ["Bundle.entry[2].resource.valueInteger"]
    assert error.issues[0].code == "business-rule"


def test_wrong_questionnaire_is_refused(plain_record) -> None:
    data = response_of(plain_record)
    data["questionnaire"] = "http://example.org/Questionnaire/phq-9"
    error = rejected(data)
    assert expressions(error) == ["QuestionnaireResponse.questionnaire"]
    assert error.issues[0].code == "not-supported"


def test_structure_errors_point_at_the_element(plain_record) -> None:
    data = response_of(plain_record)
    data["item"][3]["answer"][0]["valueCoding"]["code"] = 3
    error = rejected(data)
    assert expressions(error) == ["QuestionnaireResponse.item[3].answer[0].valueCoding.code"]
    assert error.issues[0].code == "structure"


def test_every_problem_is_reported_at_once(plain_record) -> None:
    data = response_of(plain_record)
    data["status"] = "in-progress"
    _, item = _item(data, "A")
    item["answer"][0]["valueCoding"]["code"] = "7"
    data["contained"][0]["identifier"] = [{"system": codes.NHS_NUMBER, "value": "9990000017"}]
    error = rejected(data)
    assert len(error.issues) == 3
    assert "QuestionnaireResponse.status" in expressions(error)
    assert "QuestionnaireResponse.contained[0].identifier[0].value" in expressions(error)


def test_problem_type_with_scale_8_at_0_is_refused(plain_record) -> None:
    data = response_of(plain_record)
    index, _ = _item(data, "8")
    data["item"].insert(
        index + 1,
        {"linkId": "8-type", "answer": [{"valueCoding": {"system": codes.MHCT_PROBLEM_TYPE, "code": "B"}}]},
    )
    error = rejected(data)
    assert expressions(error) == [f"QuestionnaireResponse.item[{index + 1}]"]
    assert "scale 8 is rated 0" in error.issues[0].diagnostics


def test_not_json_and_not_supported_resources(record) -> None:
    assert "not valid JSON" in rejected("{oops").issues[0].diagnostics
    assert rejected({"resourceType": "Patient"}).issues[0].code == "not-supported"
    data = bundle_of(record)
    data["entry"].append({"resource": {"resourceType": "Condition"}})
    error = rejected(data)
    assert expressions(error) == [f"Bundle.entry[{len(data['entry']) - 1}].resource.resourceType"]


def test_bad_nhs_number_in_a_bundle_points_at_the_patient_entry(record) -> None:
    data = bundle_of(record)
    data["entry"][0]["resource"]["identifier"][0]["value"] = "9990000017"
    error = rejected(data)
    assert expressions(error) == ["Bundle.entry[0].resource.identifier[0].value"]
    assert "check digit" in error.issues[0].diagnostics


def test_bundle_needs_exactly_one_response(record) -> None:
    data = bundle_of(record)
    second = copy.deepcopy(data["entry"][1])
    second["fullUrl"] = "urn:uuid:00000000-0000-4000-8000-000000000002"
    data["entry"].append(second)
    assert "expected one QuestionnaireResponse, found 2" in rejected(data).issues[0].diagnostics


def test_a_repeated_full_url_is_refused_as_bdl_7(record) -> None:
    data = bundle_of(record)
    data["entry"].append(copy.deepcopy(data["entry"][1]))
    error = rejected(data)
    last = len(data["entry"]) - 1
    assert expressions(error) == [f"Bundle.entry[{last}].fullUrl"]
    assert "bdl-7" in error.issues[0].diagnostics
    assert "Bundle.entry[1].fullUrl" in error.issues[0].diagnostics


def test_cluster_observation_needs_its_reference_set(record) -> None:
    data = bundle_of(record)
    cluster = data["entry"][-1]["resource"]
    cluster["component"] = [
        c for c in cluster["component"] if c["code"]["coding"][0]["code"] != "reference-set-version"
    ]
    error = rejected(data)
    assert expressions(error) == [f"Bundle.entry[{len(data['entry']) - 1}].resource.component"]
    assert "no reference-set-version component" in error.issues[0].diagnostics


def test_unknown_heading_is_an_interop_error(plain_record) -> None:
    with_heading = plain_record.model_copy(update={"heading": "Z9"})
    with pytest.raises(InteropError) as caught:
        allocate_record(with_heading, REFERENCE)
    assert caught.value.issues[0].expression == "QuestionnaireResponse.item.where(linkId='heading')"


def test_scales_named_by_snomed_code_alone_are_read(record, reference) -> None:
    """Another system may code scales 13 and A-E by their SNOMED CT concepts only."""
    data = json.loads(to_bundle(record, reference).model_dump_json(exclude_none=True))
    for entry in data["entry"]:
        coding = entry["resource"].get("code", {}).get("coding", [])
        if any(c["system"] == codes.SNOMED for c in coding):
            entry["resource"]["code"]["coding"] = [c for c in coding if c["system"] == codes.SNOMED]
    assert from_bundle(data, reference).ratings == record.ratings
