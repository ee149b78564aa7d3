"""The server's FHIR CapabilityStatement: what an electronic patient record may ask of us.

Kept as data beside the routes it describes, so a client can discover the import endpoint and
the read interactions without reading our documentation.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from carecluster.interop.fhir import codes


def capability_statement() -> dict[str, Any]:
    """A validated R4 CapabilityStatement (kind `instance`) for this deployment's base URL."""
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-05",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "implementation": {"description": "carecluster MHCT clustering", "url": codes.CANONICAL_BASE},
        "rest": [
            {
                "mode": "server",
                "interaction": [{"code": "transaction"}],
                "resource": [
                    {"type": "Questionnaire", "interaction": [{"code": "read"}]},
                    {"type": "QuestionnaireResponse", "interaction": [{"code": "create"}]},
                    {
                        "type": "Patient",
                        "interaction": [{"code": "search-type"}],
                        "searchParam": [{"name": "identifier", "type": "token"}],
                    },
                    {
                        "type": "Observation",
                        "interaction": [{"code": "search-type"}],
                        "searchParam": [{"name": "subject", "type": "reference"}, {"name": "code", "type": "token"}],
                    },
                ],
            }
        ],
    }
    return CapabilityStatement.model_validate(statement).model_dump(mode="json", exclude_none=True)
