"""`carecluster fhir ...` and `carecluster nds ...` as a user runs them: files, output, exit codes."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from typer.testing import CliRunner

from carecluster.cli.main import app
from carecluster.interop import AssessmentRecord

runner = CliRunner()
RATINGS = "0,1,0,0,0,0,3,2,9,1,0,1,0,0,0,0,1,1"


def run(*args: str):
    return runner.invoke(app, list(args))


def test_questionnaire_prints_valid_json() -> None:
    result = run("fhir", "questionnaire")
    assert result.exit_code == 0, result.output
    questionnaire = Questionnaire.model_validate_json(result.stdout)
    assert len([i for i in questionnaire.item if i.type == "choice" and i.required]) == 18


@pytest.fixture
def exported(tmp_path):
    path = tmp_path / "bundle.json"
    result = run(
        "fhir", "export", "--ratings", RATINGS, "--problem-type", "B", "--nhs-number", "9990000018",
        "--date", "2026-11-23", "--event", "initial_assessment", "--super-class", "non-psychotic",
        "--id", "cli-1", "--rater-name", "Dr Ada Example", "-o", str(path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return path


def test_export_writes_a_valid_transaction_bundle(exported) -> None:
    bundle = Bundle.model_validate_json(exported.read_text())
    assert bundle.type == "transaction"
    assert len(bundle.entry) == 21
    cluster = bundle.entry[-1].resource
    assert cluster.valueCodeableConcept.coding[0].code == "04"
    assert cluster.status == "preliminary"


def test_import_prints_assessment_and_allocation(exported) -> None:
    result = run("fhir", "import", str(exported), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    record = AssessmentRecord.model_validate(payload["assessment"])
    assert record.id == "cli-1"
    assert record.ratings.problem_type == "B"
    assert record.ratings.not_known == ("9",)
    assert payload["allocation"]["suggested_cluster"] == 4
    text = run("fhir", "import", str(exported))
    assert "Recorded allocation: suggested 4" in text.stdout
    assert "Suggested cluster 4" in text.stdout


def test_import_of_a_bare_response_allocates_it(tmp_path) -> None:
    path = tmp_path / "response.json"
    args = ["--ratings", RATINGS, "--nhs-number", "9990000018", "--date", "2026-11-23", "--id", "q-1"]
    assert run("fhir", "export", *args, "--questionnaire-response", "-o", str(path)).exit_code == 0
    result = run("fhir", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "Recorded allocation" not in result.stdout
    assert "Suggested cluster 4" in result.stdout


def test_import_of_a_malformed_resource_exits_2_with_an_operation_outcome(tmp_path, exported) -> None:
    data = json.loads(exported.read_text())
    response = data["entry"][1]["resource"]
    response["item"][0]["answer"][0]["valueCoding"]["code"] = "5"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = run("fhir", "import", str(bad))
    assert result.exit_code == 2
    outcome = OperationOutcome.model_validate_json(result.stdout)
    assert outcome.issue[0].expression == ["Bundle.entry[1].resource.item[0].answer[0].valueCoding.code"]
    assert "carecluster: Bundle.entry[1].resource.item[0].answer[0].valueCoding.code: scale 1" in result.stderr


def test_export_refuses_bad_input_with_one_line() -> None:
    result = run("fhir", "export", "--ratings", "0,1", "--nhs-number", "9990000018", "--date", "2026-11-23")
    assert result.exit_code == 2
    assert "expected 18 comma-separated ratings" in result.stderr
    result = run("fhir", "export", "--ratings", RATINGS, "--nhs-number", "9990000017", "--date", "2026-11-23")
    assert result.exit_code == 2
    assert "check digit" in result.stderr


def test_nds_export_and_import_round_trip(tmp_path, record, periods) -> None:
    records_in = tmp_path / "records.jsonl"
    periods_in = tmp_path / "periods.jsonl"
    records_in.write_text(record.model_dump_json() + "\n")
    periods_in.write_text("".join(p.model_dump_json() + "\n" for p in periods))
    out = tmp_path / "nds"
    result = run("nds", "export", "--records", str(records_in), "--periods", str(periods_in), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "MHS802ClusterAssess.csv").exists()
    records_out, periods_out = tmp_path / "r.jsonl", tmp_path / "p.jsonl"
    result = run("nds", "import", str(out), "--records", str(records_out), "--periods", str(periods_out))
    assert result.exit_code == 0, result.output
    assert "1 assessment(s), 2 assignment period(s): valid" in result.stdout
    assert records_out.read_text() == records_in.read_text()
    assert periods_out.read_text() == periods_in.read_text()


def test_nds_import_reports_faults_and_exits_2(tmp_path, record) -> None:
    records_in = tmp_path / "records.jsonl"
    records_in.write_text(record.model_dump_json() + "\n")
    out = tmp_path / "nds"
    assert run("nds", "export", "--records", str(records_in), "-o", str(out)).exit_code == 0
    path = out / "MHS801ClusterTool.csv"
    path.write_text(path.read_text().replace("2026-11-23", "23/11/2026"))
    result = run("nds", "import", str(out))
    assert result.exit_code == 2
    assert "MHS801ClusterTool line 2, AssToolCompDate: '23/11/2026' is not a date (YYYY-MM-DD)" in result.stderr
