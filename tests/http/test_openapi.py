"""The OpenAPI document names every status and media type the API answers with (on the old code
only the success status and 422 were there, and no FHIR, zip, CSV or spreadsheet type)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from carecluster.http import Settings, create_app


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path: Path = tmp_path_factory.mktemp("openapi") / "openapi.db"
    app = create_app(Settings(database_url=f"sqlite:///{path}"))
    try:
        return app.openapi()
    finally:
        app.state.db.dispose()


def statuses(schema: dict[str, Any], method: str, path: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"])


def content(schema: dict[str, Any], method: str, path: str, status: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"][status]["content"])


def test_every_signed_in_operation_documents_401_and_403(schema: dict[str, Any]) -> None:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if operation.get("security"):
                assert {"401", "403"} <= statuses(schema, method, path), (method, path)
            if "{" in path:
                assert "404" in statuses(schema, method, path), (method, path)
            if "requestBody" in operation:
                assert {"413", "422"} <= statuses(schema, method, path), (method, path)


def test_amendments_document_412_and_428_and_the_if_match_header(schema: dict[str, Any]) -> None:
    amendments = [(m, p) for p, item in schema["paths"].items() for m in item if p.endswith(("/amendments", "/choice"))]
    assert len(amendments) >= 7
    for method, path in amendments:
        assert {"409", "412", "428"} <= statuses(schema, method, path), path
        headers = [p["name"] for p in schema["paths"][path][method]["parameters"] if p["in"] == "header"]
        assert "If-Match" in headers


def test_sign_in_documents_the_throttle(schema: dict[str, Any]) -> None:
    assert {"401", "429"} <= statuses(schema, "post", "/api/v1/token")


def test_file_and_fhir_media_types_are_documented(schema: dict[str, Any]) -> None:
    assert "application/zip" in content(schema, "get", "/api/v1/nds/export", "200")
    report = content(schema, "get", "/api/v1/reports/{name}", "200")
    assert {"text/csv", "text/html", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= report
    assert "text/csv" in content(schema, "get", "/api/v1/reports/{name}/drill/{measure}", "200")
    assert "application/fhir+json" in content(schema, "post", "/api/v1/fhir", "201")
    assert "application/fhir+json" in content(schema, "post", "/api/v1/fhir", "422")
    assert "application/fhir+json" in content(schema, "get", "/api/v1/assessments/{record_id}/fhir", "200")
    assert "application/fhir+json" in schema["paths"]["/api/v1/fhir"]["post"]["requestBody"]["content"]
