"""The OpenAPI document says every status and media type the API answers with.

FastAPI documents only the success status and 422. Clients (and schemathesis, in the test suite)
need the rest: who is refused and how (401, 403), what may be missing (404), refused as
conflicting or too large (409, 413), stale or unconditional amendments (412, 428), the sign-in
throttle (429), and the files some endpoints return instead of JSON (CSV, XLSX, HTML, zip, FHIR).
The statuses follow from how each operation is declared, so a new endpoint is documented too.
"""

from __future__ import annotations

from typing import Any

FHIR_JSON = "application/fhir+json"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "A refusal: `detail` says why (a sentence, or a list of field errors).",
    "properties": {"detail": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}]}},
    "required": ["detail"],
}
OUTCOME_SCHEMA: dict[str, Any] = {
    "title": "OperationOutcome",
    "type": "object",
    "description": "A FHIR R4 OperationOutcome: one issue per fault, with its FHIRPath expression.",
    "properties": {"resourceType": {"const": "OperationOutcome"}, "issue": {"type": "array"}},
    "required": ["resourceType"],
}
STATUS_TEXT = {
    400: "The body cannot be read (not JSON, or for FHIR not a valid FHIR resource).",
    401: "Not signed in, or the token has expired or was ended.",
    403: "Signed in, but the role or team does not allow this.",
    404: "No such record, or one you may not see.",
    409: "Conflicts with an existing record, or with a change made at the same time.",
    412: "The record changed since the version named in If-Match: nothing was saved.",
    413: "The request body is larger than the service accepts.",
    422: "A field is missing or invalid: `detail` names each one.",
    428: "An amendment without If-Match: say which version you amend.",
    429: "Too many failed sign-ins from this address for this account: wait Retry-After seconds.",
}
FILE_TYPES = {
    "/api/v1/reports/{name}": {
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        },
        "text/html": {"schema": {"type": "string"}},
    },
    "/api/v1/reports/{name}/drill/{measure}": {"text/csv": {"schema": {"type": "string"}}},
    "/api/v1/nds/export": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    "/api/v1/nds/v6/export": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
}
SIGN_IN = ("/api/v1/token", "/api/v1/session")
SIGNED_IN_WITHOUT_DEPENDENCY = {("post", "/api/v1/fhir")}
"""Operations that check the token themselves (to answer in FHIR), so FastAPI does not mark them."""
FINDS_A_NAMED_RECORD = {("get", "/api/v1/fhir/Observation")}
"""Operations without a path id that still name one record (the `subject`), so can answer 404."""


def _error(status: int, fhir: bool) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": ERROR_REF}}
    if fhir and status != 413:  # the body-size limit answers before any route, in plain JSON
        content[FHIR_JSON] = {"schema": {"$ref": "#/components/schemas/OperationOutcome"}}
    return {"description": STATUS_TEXT[status], "content": content}


def _statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    signed_in = bool(operation.get("security")) or (method, path) in SIGNED_IN_WITHOUT_DEPENDENCY
    headers = {p["name"].lower() for p in operation.get("parameters", []) if p.get("in") == "header"}
    has_body = "requestBody" in operation or method in ("post", "put", "patch")
    statuses: set[int] = set()
    if signed_in:
        statuses |= {401, 403}
    if "{" in path or (method, path) in FINDS_A_NAMED_RECORD:
        statuses.add(404)
    if has_body:
        statuses |= {400, 413, 422}
        if signed_in:
            statuses.add(409)
    if "if-match" in headers:
        statuses |= {412, 428}
    if path in SIGN_IN and method == "post":
        statuses |= {401, 429}
    return statuses


def document_statuses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the refusals and file media types to every operation of `schema` (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    components["OperationOutcome"] = OUTCOME_SCHEMA
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            fhir = "/fhir" in path
            responses = operation["responses"]
            if (method, path) in SIGNED_IN_WITHOUT_DEPENDENCY:
                operation.setdefault("security", [{"OAuth2PasswordBearer": []}])
            for status in sorted(_statuses(method, path, operation)):
                if str(status) == "422" and "422" in responses and not fhir:
                    continue  # FastAPI's own, with the field errors' schema
                responses[str(status)] = _error(status, fhir)
            if fhir and "422" in responses:  # FastAPI's for query parameters: FHIR routes answer in FHIR
                responses["422"] = _error(422, fhir)
            success = next((responses[s] for s in ("200", "201") if s in responses), None)
            if success is None:
                continue
            content = success.setdefault("content", {})
            if fhir:
                body = content.pop("application/json", {"schema": {"type": "object"}})
                content[FHIR_JSON] = body
                content["application/json"] = body
            content.update(FILE_TYPES.get(path, {}))
            if path == "/api/v1/fhir" and method == "post":
                responses["200"] = {
                    "description": "The same assessment was imported before: the first import.",
                    "content": content,
                }
    return schema


DOCS_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>carecluster API documentation</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
  <main id="swagger-ui" data-openapi-url="/openapi.json"><h1>carecluster API documentation</h1></main>
  <script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/static/docs-init.js"></script>
</body>
</html>
"""
"""/docs: Swagger UI from the copy inside this package, started by a script file, not inline, so
the page keeps the same Content Security Policy as every other and asks no other host for anything
(FastAPI's own page loads the viewer from a CDN and starts it inline)."""


def mount_docs(app: Any) -> None:
    """Serve /docs from the packaged Swagger UI; /redoc (FastAPI's CDN page) points there instead.

    `app` must be created with `docs_url=None, redoc_url=None`."""
    from fastapi.responses import HTMLResponse, RedirectResponse

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_HTML)

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs", status_code=308)
