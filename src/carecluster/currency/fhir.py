"""A currency group as a FHIR R4 Observation.

Why an Observation and not an EpisodeOfCare extension: the group is a finding worked out from
recorded facts by a published method on a given day, and it changes when the facts do; an
Observation carries exactly that (effective date, value, method, a note of why, components for its
parts) and any FHIR server stores and searches it without a profile. An extension would need a
StructureDefinition that no national body publishes, and an EpisodeOfCare holds one value at a
time, so the history would be lost. The care cluster travels the same way (an Observation), so
the two sit side by side. No national code system for resource groups was found: the codes go in
a code system of ours under the deployment's base (see `interop.fhir.codes`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from carecluster.currency.rules import GroupResult
from carecluster.interop.fhir import codes

RESOURCE_GROUP = f"{codes.CANONICAL_BASE}/CodeSystem/mh-resource-group"
"""Whole resource group codes, e.g. MAA96A (group + family + setting)."""
POPULATION_GROUP = f"{codes.CANONICAL_BASE}/CodeSystem/mh-population-group"
"""Population group codes, e.g. MAA."""
CURRENCY_TIER = f"{codes.CANONICAL_BASE}/CodeSystem/mh-currency-tier"
"""The cascade tier that decided: mhst, diagnosis, bed_type, team_type, referral_reason, fallback."""
GROUP_ID = f"{codes.CANONICAL_BASE}/Id/currency-group"
"""Identifier of one grouping: the episode id and version, e.g. 5f0c...1a.2."""


def _component(code: str, **value: Any) -> dict[str, Any]:
    return {"code": {"coding": [{"system": codes.OBSERVATION_CODE, "code": code}]}, **value}


def group_observation(result: GroupResult, *, nhs_number: str, identifier: str, effective: date) -> dict[str, Any]:
    """One grouping as an Observation about the patient with that NHS number."""
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "identifier": [{"system": GROUP_ID, "value": identifier}],
        "status": "final",
        "code": {
            "coding": [
                {
                    "system": codes.OBSERVATION_CODE,
                    "code": "mh-resource-group",
                    "display": "Mental health resource group (currency)",
                }
            ]
        },
        "subject": {"type": "Patient", "identifier": {"system": codes.NHS_NUMBER, "value": nhs_number}},
        "effectiveDateTime": effective.isoformat(),
        "note": [{"text": result.reason}],
        "component": [_component("currency-reference", valueString=result.reference_version)],
    }
    if result.code is None:
        observation["dataAbsentReason"] = {
            "coding": [{"system": codes.DATA_ABSENT_REASON, "code": "error", "display": "Error"}],
            "text": result.reason,
        }
        return observation
    observation["valueCodeableConcept"] = {
        "coding": [{"system": RESOURCE_GROUP, "code": result.code, "display": result.population_name}]
    }
    if result.tier is not None:
        observation["method"] = {"coding": [{"system": CURRENCY_TIER, "code": result.tier}]}
    observation["component"] += [
        _component(
            "population-group",
            valueCodeableConcept={
                "coding": [
                    {"system": POPULATION_GROUP, "code": result.population_group, "display": result.population_name}
                ]
            },
        ),
        _component("currency-family", valueString=f"{result.family} {result.family_unit or ''}".strip()),
        _component("currency-setting", valueString=f"{result.setting} {result.setting_name or ''}".strip()),
        _component("currency-status", valueString=result.status),
    ]
    return observation
