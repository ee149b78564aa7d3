"""A person's assessments in one FHIR Bundle: one Patient, every reference resolving inside, valid R4."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from carecluster.interop.fhir.export import person_bundle
from tests.interop.test_fhir_export import MODELS


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def test_one_patient_and_every_reference_resolves(record, reference) -> None:
    later = record.model_copy(update={"id": "a-0003", "assessed_on": dt.date(2026, 12, 1)})
    data = json.loads(person_bundle([record, later], reference).model_dump_json(exclude_none=True))
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds.count("Patient") == 1
    assert kinds.count("QuestionnaireResponse") == 2
    assert kinds.count("Observation") == 2 * 19
    urls = {e["fullUrl"] for e in data["entry"]}
    assert len(urls) == len(data["entry"])  # bdl-7: no fullUrl twice
    references = [r for e in data["entry"] for r in _references(e["resource"]) if r.startswith("urn:uuid:")]
    assert references
    assert set(references) <= urls
    for entry in data["entry"]:
        MODELS[entry["resource"]["resourceType"]].model_validate(entry["resource"])


def test_only_one_person(record, plain_record, reference) -> None:
    with pytest.raises(ValueError, match="one person only"):
        person_bundle([record, plain_record], reference)
    with pytest.raises(ValueError, match="at least one"):
        person_bundle([], reference)
