"""An assessment as FHIR R4: a QuestionnaireResponse, one Observation per scale, the cluster.

All travel in one transaction Bundle. Entries are POSTed with `ifNoneExist` on their identifier,
so posting the same Bundle twice creates nothing the second time; fullUrls are urn:uuid values
derived from the assessment id, so the same assessment always gives the same Bundle. A rating of
9 (not known) is an answer in the QuestionnaireResponse (its own code) but never a value in an
Observation: there it is a dataAbsentReason.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from carecluster.domain.schedule import EVENT_LABELS
from carecluster.interop.fhir import codes
from carecluster.interop.fhir.questionnaire import (
    EVENT_ITEM,
    HEADING_ITEM,
    PROBLEM_DESCRIPTION_ITEM,
    PROBLEM_TYPE_ITEM,
    SUPER_CLASS_ITEM,
    rating_display,
    scale_codings,
)
from carecluster.interop.records import AssessmentRecord, Rater, ServiceUser, super_class_code
from carecluster.reference.models import NOT_KNOWN, SCALE_CODES, ReferenceSet

_NAMESPACE = uuid.UUID("5f1c4b52-8e0a-4c37-9d7e-6f2f3c1a9b10")
"""Fixed namespace for the urn:uuid fullUrls: the same assessment always gets the same uuids."""


def full_url(record_id: str, part: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{record_id}/{part}')}"


def patient_identifiers(user: ServiceUser) -> list[dict[str, str]]:
    identifiers = []
    if user.nhs_number:
        identifiers.append({"system": codes.NHS_NUMBER, "value": user.nhs_number})
    if user.local_id:
        identifiers.append({"system": codes.LOCAL_PATIENT_ID, "value": user.local_id})
    return identifiers


def patient_resource(user: ServiceUser) -> dict[str, Any]:
    """The Patient: identifiers, and the name and birth date where we hold them."""
    patient: dict[str, Any] = {"resourceType": "Patient", "identifier": patient_identifiers(user)}
    if user.name:
        patient["name"] = [{"text": user.name}]
    if user.birth_date:
        patient["birthDate"] = user.birth_date.isoformat()
    return patient


def _rater_reference(rater: Rater) -> dict[str, Any]:
    reference: dict[str, Any] = {}
    if rater.id:
        reference["identifier"] = {"system": codes.RATER_ID, "value": rater.id}
    if rater.name:
        reference["display"] = rater.name
    return reference


def _coding_answer(system: str, code: str, display: str | None = None) -> list[dict[str, Any]]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return [{"valueCoding": coding}]


def questionnaire_response(
    record: AssessmentRecord, reference: ReferenceSet, subject: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The QuestionnaireResponse as a plain dict (see `to_questionnaire_response`)."""
    ratings = record.ratings
    items: list[dict[str, Any]] = []
    for scale, value in zip(SCALE_CODES, ratings.values, strict=True):
        answer = _coding_answer(codes.MHCT_RATING, str(value), rating_display(value, reference))
        items.append({"linkId": scale, "text": reference.mhct.scale(scale).name, "answer": answer})
        if scale == "8" and ratings.problem_type:
            label = next(p.label for p in reference.mhct.problem_types if p.code == ratings.problem_type)
            items.append(
                {
                    "linkId": PROBLEM_TYPE_ITEM,
                    "answer": _coding_answer(codes.MHCT_PROBLEM_TYPE, ratings.problem_type, label),
                }
            )
        if scale == "8" and ratings.problem_description:
            items.append({"linkId": PROBLEM_DESCRIPTION_ITEM, "answer": [{"valueString": ratings.problem_description}]})
    if record.super_class_given:
        sc = reference.decision_tree.super_class(record.super_class_given)
        items.append({"linkId": SUPER_CLASS_ITEM, "answer": _coding_answer(codes.SUPER_CLASS, sc.code, sc.label)})
    if record.heading:
        items.append({"linkId": HEADING_ITEM, "answer": [{"valueString": record.heading}]})
    if record.event:
        answer = _coding_answer(codes.CLUSTERING_EVENT, record.event.value, EVENT_LABELS[record.event])
        items.append({"linkId": EVENT_ITEM, "answer": answer})
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": codes.ASSESSMENT_ID, "value": record.id},
        "questionnaire": f"{codes.QUESTIONNAIRE_URL}|{codes.QUESTIONNAIRE_VERSION}",
        "status": "completed",
        "subject": subject or {"reference": "#patient", "type": "Patient"},
        "authored": record.assessed_on.isoformat(),
        "item": items,
    }
    if subject is None:  # standalone: carry the patient's identifiers in a contained Patient
        response["contained"] = [{**patient_resource(record.service_user), "id": "patient"}]
    if record.rater:
        response["author"] = _rater_reference(record.rater)
    return response


def to_questionnaire_response(record: AssessmentRecord, reference: ReferenceSet) -> QuestionnaireResponse:
    """The assessment's MHCT answers; the patient (NHS number, local id) is a contained Patient."""
    return QuestionnaireResponse.model_validate(questionnaire_response(record, reference))


def _observation_base(
    record: AssessmentRecord, part: str, subject: dict[str, Any], derived_from: str
) -> dict[str, Any]:
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "identifier": [{"system": codes.ASSESSMENT_ID, "value": f"{record.id}.{part}"}],
        "status": "final",
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "subject": subject,
        "effectiveDateTime": record.assessed_on.isoformat(),
        "derivedFrom": [{"reference": derived_from, "type": "QuestionnaireResponse"}],
    }
    if record.rater:
        observation["performer"] = [_rater_reference(record.rater)]
    return observation


def scale_observations(
    record: AssessmentRecord, reference: ReferenceSet, subject: dict[str, Any], derived_from: str
) -> list[dict[str, Any]]:
    """One Observation per scale: valueInteger 0-4, or a dataAbsentReason for 9."""
    observations = []
    for scale, value in zip(SCALE_CODES, record.ratings.values, strict=True):
        name = reference.mhct.scale(scale).name
        observation = _observation_base(record, f"scale-{scale}", subject, derived_from)
        observation["code"] = {"coding": scale_codings(scale, name), "text": f"MHCT scale {scale}: {name}"}
        if value == NOT_KNOWN:
            observation["dataAbsentReason"] = {
                "coding": [
                    {"system": codes.DATA_ABSENT_REASON, "code": codes.NOT_KNOWN_REASON, "display": "Asked But Unknown"}
                ],
                "text": "Rated 9: not known",
            }
        else:
            observation["valueInteger"] = value
        if scale == "8" and record.ratings.problem_type:
            concept: dict[str, Any] = {
                "coding": [{"system": codes.MHCT_PROBLEM_TYPE, "code": record.ratings.problem_type}]
            }
            if record.ratings.problem_description:
                concept["text"] = record.ratings.problem_description
            observation["component"] = [
                {
                    "code": {"coding": [{"system": codes.OBSERVATION_CODE, "code": "8-problem-type"}]},
                    "valueCodeableConcept": concept,
                }
            ]
        observations.append(observation)
    return observations


def _cluster_concept(number: int, reference: ReferenceSet) -> dict[str, Any]:
    title = reference.cluster(number).title
    return {
        "coding": [
            {"system": codes.CARE_CLUSTER, "code": f"{number:02d}", "display": f"Care Cluster {number} - {title}"}
        ]
    }


def _component(code: str, **value: Any) -> dict[str, Any]:
    return {"code": {"coding": [{"system": codes.OBSERVATION_CODE, "code": code}]}, **value}


def cluster_observation(
    record: AssessmentRecord, reference: ReferenceSet, subject: dict[str, Any], derived_from: str
) -> dict[str, Any] | None:
    """The allocation: the cluster that stands (final when the clinician chose it, else preliminary)."""
    allocation = record.allocation
    if allocation is None:
        return None
    observation = _observation_base(record, "cluster", subject, derived_from)
    observation["status"] = "preliminary" if allocation.chosen_cluster is None else "final"
    observation["code"] = {
        "coding": [
            {"system": codes.OBSERVATION_CODE, "code": "care-cluster", "display": "Adult mental health care cluster"}
        ]
    }
    final = allocation.final_cluster
    observation["valueCodeableConcept"] = _cluster_concept(final, reference)
    code = super_class_code(final, reference)
    components = [
        _component("suggested-cluster", valueCodeableConcept=_cluster_concept(allocation.suggested_cluster, reference)),
        _component("super-class", valueCodeableConcept={"coding": [{"system": codes.SUPER_CLASS, "code": code}]}),
        _component("reference-set-id", valueString=allocation.reference_id),
        _component("reference-set-version", valueString=allocation.reference_version),
    ]
    if allocation.reason:
        components.append(_component("choice-reason", valueString=allocation.reason))
    observation["component"] = components
    observation["note"] = [
        {"text": "Suggested by carecluster, a draft aid: the final clustering decision is the clinician's."}
    ]
    return observation


def _entry(url: str, resource: dict[str, Any], identifier: dict[str, str]) -> dict[str, Any]:
    return {
        "fullUrl": url,
        "resource": resource,
        "request": {
            "method": "POST",
            "url": resource["resourceType"],
            "ifNoneExist": f"identifier={identifier['system']}|{identifier['value']}",
        },
    }


def to_bundle(record: AssessmentRecord, reference: ReferenceSet) -> Bundle:
    """A transaction Bundle: Patient (conditional), QuestionnaireResponse, 18 scale Observations,
    and the cluster Observation when the assessment has been allocated."""
    patient_url = full_url(record.id, "patient")
    response_url = full_url(record.id, "questionnaire-response")
    subject = {"reference": patient_url, "type": "Patient"}
    identifiers = patient_identifiers(record.service_user)
    entries = [_entry(patient_url, patient_resource(record.service_user), identifiers[0])]
    response = questionnaire_response(record, reference, subject)
    entries.append(_entry(response_url, response, response["identifier"]))
    observations = scale_observations(record, reference, subject, response_url)
    cluster = cluster_observation(record, reference, subject, response_url)
    if cluster is not None:
        observations.append(cluster)
    for observation in observations:
        part = observation["identifier"][0]["value"].removeprefix(f"{record.id}.")
        entries.append(_entry(full_url(record.id, part), observation, observation["identifier"][0]))
    return Bundle.model_validate({"resourceType": "Bundle", "type": "transaction", "entry": entries})


def person_url(user: ServiceUser) -> str:
    """The fullUrl of a person's Patient in a Bundle holding several of their assessments."""
    return full_url(f"person/{user.nhs_number or user.local_id}", "patient")


def person_bundle(records: list[AssessmentRecord], reference: ReferenceSet) -> Bundle:
    """Every assessment of one person in one transaction Bundle, with one Patient entry that every
    QuestionnaireResponse and Observation refers to (each assessment's entries as in `to_bundle`)."""
    if not records:
        raise ValueError("a person's Bundle needs at least one assessment")
    people = {(r.service_user.nhs_number, r.service_user.local_id) for r in records}
    if len(people) != 1:
        raise ValueError("a person's Bundle holds the assessments of one person only")
    user = records[0].service_user
    patient = person_url(user)
    entries: list[dict[str, Any]] = []
    for record in records:
        single = to_bundle(record, reference).model_dump(mode="json", exclude_none=True)
        own_patient = full_url(record.id, "patient")
        for entry in single["entry"]:
            if entry["resource"]["resourceType"] == "Patient":
                if not entries:
                    entries.append({**entry, "fullUrl": patient})
                continue
            resource = entry["resource"]
            if resource.get("subject", {}).get("reference") == own_patient:
                resource["subject"]["reference"] = patient
            entries.append(entry)
    return Bundle.model_validate({"resourceType": "Bundle", "type": "transaction", "entry": entries})
