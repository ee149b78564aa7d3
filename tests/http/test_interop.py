"""FHIR and the national data set over real HTTP: the Questionnaire, an assessment exported as a
Bundle and imported back as the same assessment, idempotent imports, OperationOutcomes that say
what and where, and the MHSDS export."""

from __future__ import annotations

import copy
import io
import json
import uuid
import zipfile
from datetime import date, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from carecluster.api import resolve_reference
from carecluster.interop.fhir import from_bundle, to_bundle
from carecluster.interop.fhir.codes import NHS_NUMBER as NHS_SYSTEM
from carecluster.reference import SCALE_CODES
from tests.http.conftest import Api, nhs_number

FHIR_JSON = "application/fhir+json"
RATINGS = [0, 1, 0, 0, 0, 0, 3, 2, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # suggests cluster 4
REFERENCE = resolve_reference(None)
ON = str(date.today() - timedelta(days=30))


def assessed(api: Api, **extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    su = api.service_user()
    body = {"ratings": RATINGS, "super_class": "non-psychotic", "assessed_on": ON, "problem_type": "B"} | extra
    response = api.as_("clin_a").post(f"/api/v1/service-users/{su['id']}/assessments", json=body)
    assert response.status_code == 201, response.text
    return su, response.json()


def renamed(bundle: dict[str, Any], new_id: str) -> dict[str, Any]:
    """The same assessment under another identifier, as another system holding it would send it."""
    record = from_bundle(bundle, REFERENCE).model_copy(update={"id": new_id})
    return to_bundle(record, REFERENCE).model_dump(mode="json", exclude_none=True)


def test_the_questionnaire_is_served_as_fhir_json(api: Api) -> None:
    response = api.anonymous().get("/api/v1/fhir/Questionnaire/mhct-v3.1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    assert body["resourceType"] == "Questionnaire"
    assert len([i for i in body["item"] if i.get("required") and i["type"] == "choice"]) == 18


def test_fhir_round_trip_gives_the_same_assessment(api: Api) -> None:
    su, created = assessed(api, chosen_cluster=4)
    client = api.as_("clin_a")
    exported = client.get(f"/api/v1/assessments/{created['assessment']['id']}/fhir")
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith(FHIR_JSON)
    bundle = exported.json()
    assert bundle["type"] == "transaction"
    new_id = f"epr-{uuid.uuid4().hex[:12]}"
    incoming = renamed(bundle, new_id)
    posted = client.post("/api/v1/fhir", json=incoming, headers={"Content-Type": FHIR_JSON})
    assert posted.status_code == 201, posted.text
    assert posted.headers["content-type"].startswith(FHIR_JSON)
    location = posted.headers["location"]
    answer = posted.json()
    assert answer["type"] == "transaction-response"
    assert [e["response"]["status"] for e in answer["entry"]] == ["201 Created"] * len(incoming["entry"])
    # stored, then exported again: the very resources that were sent
    assert [e["resource"] for e in answer["entry"]] == [e["resource"] for e in incoming["entry"]]
    stored_id = location.rsplit("/", 1)[-1]
    assert stored_id != created["assessment"]["id"]
    original = client.get(f"/api/v1/assessments/{created['assessment']['id']}").json()
    imported = client.get(location).json()
    same = ("service_user_id", "assessed_on", "clustering_event", "ratings", "problem_type", "super_class", "heading")
    assert {k: imported[k] for k in same} == {k: original[k] for k in same}
    allocations = client.get(f"/api/v1/service-users/{su['id']}/allocations").json()["items"]
    by_assessment = {a["assessment_id"]: a for a in allocations}
    for key in ("suggested_cluster", "chosen_cluster", "reference_id", "reference_version"):
        assert by_assessment[stored_id][key] == by_assessment[original["id"]][key]
    again = client.post("/api/v1/fhir", json=incoming)
    assert again.status_code == 200
    assert again.headers["location"] == location
    assert client.get(f"/api/v1/service-users/{su['id']}/assessments").json()["total"] == 2


def test_posting_our_own_export_back_finds_the_assessment(api: Api) -> None:
    _, created = assessed(api)
    client = api.as_("clin_a")
    bundle = client.get(f"/api/v1/assessments/{created['assessment']['id']}/fhir").json()
    response = client.post("/api/v1/fhir", json=bundle)
    assert response.status_code == 200
    assert response.headers["location"].endswith(created["assessment"]["id"])


def test_a_questionnaire_response_alone_is_imported_and_allocated(api: Api) -> None:
    su, created = assessed(api)
    client = api.as_("clin_a")
    bundle = client.get(f"/api/v1/assessments/{created['assessment']['id']}/fhir").json()
    response = next(
        e["resource"] for e in renamed(bundle, f"qr-{uuid.uuid4().hex[:8]}")["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    )  # fmt: skip
    response["subject"] = {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": su["nhs_number"]}}
    posted = client.post("/api/v1/fhir", json=response)
    assert posted.status_code == 201, posted.text
    stored = client.get(posted.headers["location"]).json()
    assert stored["ratings"] == RATINGS
    allocation = client.get(f"/api/v1/service-users/{su['id']}/allocations").json()["items"][0]
    assert allocation["suggested_cluster"] == 4
    assert allocation["chosen_cluster"] is None


@pytest.mark.parametrize(
    ("mutate", "status", "expression", "words"),
    [
        (lambda b: "{not json", 400, None, "not valid JSON"),
        (lambda b: {"resourceType": "Patient"}, 422, "resourceType", "cannot import a Patient"),
        (lambda b: _answer(b, "7", "6"), 422, "Bundle.entry[1].resource.item[6].answer[0]", "6"),
        (lambda b: _unknown_person(b), 422, "QuestionnaireResponse.subject", "no service user"),
    ],
)
def test_malformed_resources_get_an_operation_outcome(
    api: Api, mutate: Any, status: int, expression: str | None, words: str
) -> None:
    _, created = assessed(api)
    client = api.as_("clin_a")
    bundle = client.get(f"/api/v1/assessments/{created['assessment']['id']}/fhir").json()
    sent = mutate(renamed(bundle, f"bad-{uuid.uuid4().hex[:8]}"))
    if isinstance(sent, str):
        response = client.post("/api/v1/fhir", content=sent, headers={"Content-Type": FHIR_JSON})
    else:
        response = client.post("/api/v1/fhir", json=sent)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    assert issue["severity"] == "error"
    assert words in issue["diagnostics"]
    if expression is not None:
        assert issue["expression"][0].startswith(expression)


def _answer(bundle: dict[str, Any], scale: str, code: str) -> dict[str, Any]:
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "QuestionnaireResponse":
            for item in resource["item"]:
                if item["linkId"] == scale:
                    item["answer"][0]["valueCoding"]["code"] = code
    return bundle


def _unknown_person(bundle: dict[str, Any]) -> dict[str, Any]:
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["identifier"][0]["value"] = "9990000026"
            entry["resource"].pop("name", None)  # without name and birth date: cannot be added
    return bundle


def test_fhir_refusals_for_roles_are_operation_outcomes(api: Api) -> None:
    _, created = assessed(api)
    bundle = api.as_("clin_a").get(f"/api/v1/assessments/{created['assessment']['id']}/fhir").json()
    incoming = renamed(bundle, f"role-{uuid.uuid4().hex[:8]}")
    for who, status in (("auditor", 403), ("admin", 403), ("clin_b", 422)):
        response = api.as_(who).post("/api/v1/fhir", json=incoming)
        assert response.status_code == status, (who, response.text)
        assert response.json()["resourceType"] == "OperationOutcome"
    assert api.anonymous().post("/api/v1/fhir", json=incoming).status_code == 401
    assert api.as_("auditor").get(f"/api/v1/assessments/{created['assessment']['id']}/fhir").status_code == 200
    assert api.as_("clin_b").get(f"/api/v1/assessments/{created['assessment']['id']}/fhir").status_code == 404


def test_an_idempotency_key_replays_the_first_import(api: Api) -> None:
    _, created = assessed(api)
    client = api.as_("clin_a")
    bundle = client.get(f"/api/v1/assessments/{created['assessment']['id']}/fhir").json()
    incoming = renamed(bundle, f"key-{uuid.uuid4().hex[:8]}")
    key = uuid.uuid4().hex
    first = client.post("/api/v1/fhir", json=incoming, headers={"Idempotency-Key": key})
    second = client.post("/api/v1/fhir", json=incoming, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json() == first.json()


def test_nds_export_as_json_and_zip(api: Api) -> None:
    su, created = assessed(api, chosen_cluster=4)
    tables = api.as_("auditor").get("/api/v1/nds/export", params={"format": "json"})
    assert tables.status_code == 200, tables.text
    texts = tables.json()
    assert set(texts) == {"MHS001MPI", "MHS801ClusterTool", "MHS802ClusterAssess", "MHS803CareCluster"}
    assert su["nhs_number"] in texts["MHS001MPI"]
    assert created["assessment"]["id"] in texts["MHS801ClusterTool"]
    archive = api.as_("auditor").get("/api/v1/nds/export")
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert len(opened.namelist()) == 4
    assert api.as_("admin").get("/api/v1/nds/export").status_code == 403
    own = api.as_("clin_b").get("/api/v1/nds/export", params={"format": "json"}).json()
    assert su["nhs_number"] not in own["MHS001MPI"]


def _with_rater(bundle: dict[str, Any], rater_id: str, name: str) -> dict[str, Any]:
    author = {"identifier": {"system": "https://carecluster.example/fhir/Id/rater", "value": rater_id}, "display": name}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "QuestionnaireResponse":
            resource["author"] = author
        elif resource["resourceType"] == "Observation":
            resource["performer"] = [author]
    return bundle


@pytest.mark.parametrize(("rater_id", "name"), [("epr-clinician-77", "Dr Outside Example"), ("clin_a2", "Clin A2")])
def test_import_keeps_the_rater_not_the_importer(api: Api, rater_id: str, name: str) -> None:
    """An outside rater comes back on export as they arrived; a rater who is one of our users is
    stored as that user. Either way the importing clinician (clin_a) is not made the rater."""
    _, created = assessed(api)
    client = api.as_("clin_a")
    bundle = client.get(f"/api/v1/assessments/{created['assessment']['id']}/fhir").json()
    incoming = _with_rater(renamed(bundle, f"rater-{uuid.uuid4().hex[:8]}"), rater_id, name)
    posted = client.post("/api/v1/fhir", json=incoming)
    assert posted.status_code == 201, posted.text
    stored_id = posted.headers["location"].rsplit("/", 1)[-1]
    again = client.get(f"/api/v1/assessments/{stored_id}/fhir").json()
    response = next(e["resource"] for e in again["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    assert response["author"]["identifier"]["value"] == rater_id
    assert response["author"]["display"] == name
    assert again == incoming


def test_a_repeated_full_url_is_refused_naming_the_entry(api: Api) -> None:
    _, created = assessed(api)
    client = api.as_("clin_a")
    bundle = renamed(client.get(f"/api/v1/assessments/{created['assessment']['id']}/fhir").json(), "dup-1")
    bundle["entry"][2]["fullUrl"] = bundle["entry"][1]["fullUrl"]
    response = client.post("/api/v1/fhir", json=bundle)
    assert response.status_code == 400, response.text
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["Bundle.entry[2].fullUrl"]
    assert "bdl-7" in issue["diagnostics"]
    assert client.get(f"/api/v1/assessments/{created['assessment']['id']}").status_code == 200
    listed = client.get(f"/api/v1/service-users/{created['assessment']['service_user_id']}/assessments").json()
    assert listed["total"] == 1  # nothing stored


def test_an_oversized_bundle_is_an_operation_outcome(api: Api) -> None:
    from carecluster.http.limits import max_body_bytes

    response = api.as_("clin_a").post(
        "/api/v1/fhir", content=b" " * (max_body_bytes() + 1), headers={"Content-Type": FHIR_JSON}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert "too large" in body["issue"][0]["diagnostics"]
    assert body["issue"][0]["expression"] == ["Bundle"]


def test_metadata_is_a_capability_statement(api: Api) -> None:
    response = api.anonymous().get("/api/v1/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1"
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert {"QuestionnaireResponse", "Questionnaire"} <= types


def test_a_patient_with_name_and_birth_date_is_added_on_import(api: Api) -> None:
    """An unknown NHS number with a name and birth date: the person is added to the importer's
    team, and exporting the stored assessment gives back the same Patient and answers."""
    _, created = assessed(api)
    number = nhs_number()
    client = api.as_("clin_a")
    bundle = renamed(client.get(f"/api/v1/assessments/{created['assessment']['id']}/fhir").json(), "new-person-1")
    patient = bundle["entry"][0]["resource"]
    patient["identifier"] = [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": number}]
    bundle = renamed(bundle, "new-person-1")  # the conditional create follows the new NHS number
    patient = bundle["entry"][0]["resource"]
    unnamed = copy.deepcopy(bundle)
    del unnamed["entry"][0]["resource"]["name"]
    refused = client.post("/api/v1/fhir", json=unnamed)
    assert refused.status_code == 422, refused.text
    assert f"no service user with NHS number {number}" in refused.json()["issue"][0]["diagnostics"]
    patient["name"] = [{"text": "Imported Person"}]
    patient["birthDate"] = "1975-03-04"
    posted = client.post("/api/v1/fhir", json=bundle)
    assert posted.status_code == 201, posted.text
    stored = client.get(posted.headers["location"]).json()
    person = client.get(f"/api/v1/service-users/{stored['service_user_id']}").json()
    assert (person["nhs_number"], person["name"], person["date_of_birth"]) == (
        number,
        "Imported Person",
        "1975-03-04",
    )
    assert client.get(f"{posted.headers['location']}/fhir").json() == bundle


def test_nds_v6_export_as_json_and_zip(api: Api) -> None:
    su, created = assessed(api, chosen_cluster=4)
    answer = api.as_("auditor").get("/api/v1/nds/v6/export", params={"format": "json"})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert set(data["tables"]) == {"MHS001MPI", "MHS606CodedScoreAssessmentRefer"}
    rows = data["tables"]["MHS606CodedScoreAssessmentRefer"].splitlines()
    mine = [row for row in rows[1:] if created["assessment"]["id"] in row]  # the app is shared by the module
    items = [row.rsplit(",", 1)[1] for row in mine]
    assert sorted(set(items) - {"8_type"}) == sorted(SCALE_CODES)  # every MHCT scale once ...
    assert len(items) == 18 + items.count("8_type")  # ... and scale 8's type where rated
    assert su["nhs_number"] in data["tables"]["MHS001MPI"]
    assert all(reject["measure"] != "mhct" for reject in data["rejects"])
    archive = api.as_("auditor").get("/api/v1/nds/v6/export")
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert sorted(opened.namelist()) == ["MHS001MPI.csv", "MHS606CodedScoreAssessmentRefer.csv", "rejects.csv"]
    assert api.as_("admin").get("/api/v1/nds/v6/export").status_code == 403


def test_fhir_per_person_per_team_and_patient_search(api: Api) -> None:
    su, _first = assessed(api)
    second = api.as_("clin_a").post(
        f"/api/v1/service-users/{su['id']}/assessments",
        json={"ratings": RATINGS, "super_class": "non-psychotic", "assessed_on": ON, "problem_type": "B",
              "clustering_event": "planned_review"},
    )  # fmt: skip
    assert second.status_code == 201, second.text
    bundle = api.as_("clin_a").get(f"/api/v1/service-users/{su['id']}/fhir")
    assert bundle.status_code == 200, bundle.text
    assert bundle.headers["content-type"].startswith(FHIR_JSON)
    kinds = [e["resource"]["resourceType"] for e in bundle.json()["entry"]]
    assert (kinds.count("Patient"), kinds.count("QuestionnaireResponse")) == (1, 2)
    refused = api.as_("clin_b").get(f"/api/v1/service-users/{su['id']}/fhir")
    assert refused.status_code == 404  # another team's people are not found, as everywhere
    assert refused.json()["resourceType"] == "OperationOutcome"

    bulk = api.as_("clin_a").get(f"/api/v1/teams/{api.team['A']}/fhir")
    assert bulk.status_code == 200, bulk.text
    assert bulk.headers["content-type"].startswith("application/fhir+ndjson")
    lines = [json.loads(line) for line in bulk.text.splitlines()]
    assert all(line["resourceType"] == "Bundle" for line in lines)
    assert any(su["nhs_number"] in json.dumps(line) for line in lines)
    assert api.as_("clin_b").get(f"/api/v1/teams/{api.team['A']}/fhir").status_code == 404

    search = api.as_("clin_a").get("/api/v1/fhir/Patient", params={"identifier": f"{NHS_SYSTEM}|{su['nhs_number']}"})
    assert search.status_code == 200, search.text
    found = search.json()
    assert (found["type"], found["total"]) == ("searchset", 1)
    assert found["entry"][0]["resource"]["id"] == su["id"]
    local = next(i["value"] for i in found["entry"][0]["resource"]["identifier"] if i["system"] != NHS_SYSTEM)
    assert local != su["nhs_number"]
    by_local = api.as_("clin_a").get("/api/v1/fhir/Patient", params={"identifier": local}).json()
    assert by_local["total"] == 1
    hidden = api.as_("clin_b").get("/api/v1/fhir/Patient", params={"identifier": su["nhs_number"]}).json()
    assert hidden["total"] == 0
    bad = api.as_("clin_a").get("/api/v1/fhir/Patient", params={"identifier": "http://elsewhere|1"})
    assert bad.status_code == 422
    assert bad.json()["issue"][0]["expression"] == ["Patient?identifier"]


def test_observation_search_by_subject_and_code(api: Api) -> None:
    su, _created = assessed(api)
    honos_1 = "979641000000103"  # MHCT scale 1, HoNOS item 1
    every = api.as_("clin_a").get("/api/v1/fhir/Observation", params={"subject": f"Patient/{su['id']}"})
    assert every.status_code == 200, every.text
    assert every.json()["total"] == 19  # 18 scales and the care cluster
    found = (
        api.as_("clin_a")
        .get(
            "/api/v1/fhir/Observation",
            params={"subject": f"Patient/{su['id']}", "code": f"http://snomed.info/sct|{honos_1}"},
        )
        .json()
    )
    assert found["total"] == 1
    resource = found["entry"][0]["resource"]
    assert resource["subject"] == {"reference": f"Patient/{su['id']}"}
    Bundle.model_validate(found)
    Observation.model_validate(resource)
    bare = api.as_("clin_a").get("/api/v1/fhir/Observation", params={"subject": f"Patient/{su['id']}", "code": honos_1})
    assert bare.json()["total"] == 1
    other = api.as_("clin_b").get("/api/v1/fhir/Observation", params={"subject": f"Patient/{su['id']}"})
    assert other.status_code == 404
    assert other.json()["resourceType"] == "OperationOutcome"
    statement = api.anonymous().get("/api/v1/fhir/metadata").json()
    types = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert [p["name"] for p in types["Observation"]["searchParam"]] == ["subject", "code"]


def test_an_outcome_measure_as_fhir(api: Api) -> None:
    su = api.service_user()
    episode = api.as_("clin_a").post(f"/api/v1/service-users/{su['id']}/episodes", json={"referral_date": ON})
    assert episode.status_code == 201, episode.text
    answers = {str(i): 5 for i in range(1, 12)}
    body = {"measure_id": "dialog", "administered_on": ON, "answers": answers}
    stored = api.as_("clin_a").post(f"/api/v1/service-users/{su['id']}/outcomes", json=body)
    assert stored.status_code == 201, stored.text
    bundle = api.as_("clin_a").get(f"/api/v1/outcomes/{stored.json()['id']}/fhir")
    assert bundle.status_code == 200, bundle.text
    assert bundle.headers["content-type"].startswith(FHIR_JSON)
    kinds = [e["resource"]["resourceType"] for e in bundle.json()["entry"]]
    assert kinds == ["Patient", "QuestionnaireResponse"] + ["Observation"] * 12  # 11 items and the score
    Bundle.model_validate(bundle.json())
    assert api.as_("clin_b").get(f"/api/v1/outcomes/{stored.json()['id']}/fhir").status_code == 404
