"""FHIR R4 in: a QuestionnaireResponse (alone or in a Bundle) becomes an AssessmentRecord.

Two kinds of check, both reported as OperationOutcome issues with a FHIRPath `expression`:
structure (is it valid FHIR R4? checked by the fhir.resources R4B models) and meaning (is it
our MHCT questionnaire, is every scale answered once with 0-4 or 9, is 9 never sent as a value,
do the Observations agree with the answers?). All problems are collected before raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from carecluster.domain.ratings import RatingError, Ratings
from carecluster.domain.schedule import ClusteringEvent
from carecluster.interop import strict_json
from carecluster.interop.errors import InteropError, Issue, IssueCode
from carecluster.interop.fhir import codes
from carecluster.interop.fhir.questionnaire import (
    EVENT_ITEM,
    HEADING_ITEM,
    PROBLEM_DESCRIPTION_ITEM,
    PROBLEM_TYPE_ITEM,
    SUPER_CLASS_ITEM,
)
from carecluster.interop.records import (
    AllocationRecord,
    AssessmentRecord,
    Rater,
    ServiceUser,
)
from carecluster.reference.models import NOT_KNOWN, SCALE_CODES, ReferenceSet

Model = TypeVar("Model", QuestionnaireResponse, Bundle)
SUPPORTED = {"QuestionnaireResponse": QuestionnaireResponse, "Bundle": Bundle}
BUNDLE_RESOURCES = {"Patient", "QuestionnaireResponse", "Observation"}
RATING_CODES = {str(r): r for r in (0, 1, 2, 3, 4, NOT_KNOWN)}


def fhir_path(root: str, loc: tuple[Any, ...]) -> str:
    """('item', 6, 'answer', 0, 'valueCoding') -> 'Root.item[6].answer[0].valueCoding'."""
    path = root
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _structure_issues(error: ValidationError, root: str) -> list[Issue]:
    return [
        Issue(f"{e['msg']} (FHIR R4 structure)", fhir_path(root, tuple(e["loc"])), "structure") for e in error.errors()
    ]


def load_json(data: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """A JSON object with a resourceType, or an InteropError saying why not."""
    if isinstance(data, Mapping):
        loaded: Any = dict(data)
    else:
        try:
            loaded = strict_json.loads(data)  # bounded nesting, no NaN or Infinity: never a crash
        except (ValueError, UnicodeDecodeError) as error:
            raise InteropError([Issue(f"not valid JSON: {error}", None, "structure")]) from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("resourceType"), str):
        raise InteropError(
            [Issue("not a FHIR resource: a JSON object with a resourceType is expected", None, "structure")]
        )
    return loaded


def validate(model: type[Model], data: dict[str, Any], root: str | None = None) -> Model:
    """Parse with the R4B model; structure errors become issues at the faulty element."""
    root = root or model.get_resource_type()
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InteropError(_structure_issues(error, root)) from None


class _Reader:
    """Collects issues while reading one QuestionnaireResponse (and its Bundle's Observations)."""

    def __init__(self, reference: ReferenceSet) -> None:
        self.reference = reference
        self.issues: list[Issue] = []

    def add(self, diagnostics: str, expression: str | None, code: IssueCode = "value") -> None:
        self.issues.append(Issue(diagnostics, expression, code))

    def raise_if_any(self) -> None:
        if self.issues:
            raise InteropError(self.issues)

    # --- who, when, by whom ------------------------------------------------------------------

    def service_user(self, identifiers: list[tuple[Any, str]], where: str) -> ServiceUser | None:
        """A service user from (Identifier, its FHIRPath) pairs; `where` names the whole."""
        nhs = local = None
        for identifier, path in identifiers:
            if identifier.system == codes.NHS_NUMBER:
                nhs = (identifier.value or "", f"{path}.value")
            elif identifier.system == codes.LOCAL_PATIENT_ID:
                local = identifier.value
        if nhs is None and local is None:
            self.add(
                f"the patient must be identified by NHS number ({codes.NHS_NUMBER}) or local patient id "
                f"({codes.LOCAL_PATIENT_ID})",
                where,
                "required",
            )
            return None
        try:
            return ServiceUser(nhs_number=nhs[0] if nhs else None, local_id=local)
        except ValidationError as error:
            self.add(
                "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors()), nhs[1] if nhs else where
            )
            return None

    def subject(
        self, response: QuestionnaireResponse, root: str, patients: Mapping[str, tuple[list[Any], str, Patient]]
    ) -> ServiceUser | None:
        subject = response.subject
        if subject is None:
            self.add("no subject: the response must say whose assessment it is", f"{root}.subject", "required")
            return None
        if subject.identifier is not None:
            where = f"{root}.subject.identifier"
            return self.service_user([(subject.identifier, where)], where)
        if subject.reference and subject.reference in patients:
            identifiers, path, patient = patients[subject.reference]
            pairs = [(identifier, f"{path}.identifier[{i}]") for i, identifier in enumerate(identifiers)]
            person = self.service_user(pairs, f"{path}.identifier")
            return None if person is None else self.details(person, patient, path)
        self.add(
            "subject must identify the patient by NHS number (Reference.identifier) or refer to a contained "
            "Patient or a Patient entry of the same Bundle",
            f"{root}.subject",
            "required",
        )
        return None

    def details(self, person: ServiceUser, patient: Patient, path: str) -> ServiceUser | None:
        """The Patient's name (text, else given and family names) and birth date, if sent."""
        names = list(patient.name or [])
        if len(names) > 1:
            self.add("send one name for the patient", f"{path}.name", "structure")
            return None
        name = None
        if names:
            human = names[0]
            given = [part for part in human.given or [] if part is not None]
            name = human.text or " ".join([*given, *([human.family] if human.family else [])]) or None
            if name is not None and len(name) > 200:
                self.add("the patient's name is longer than 200 characters", f"{path}.name[0]", "value")
                return None
        birth = patient.birthDate
        return person.model_copy(update={"name": name, "birth_date": birth})

    def assessed_on(self, response: QuestionnaireResponse, root: str) -> date | None:
        authored = response.authored
        if authored is None:
            self.add("no authored date: when was the MHCT rated?", f"{root}.authored", "required")
            return None
        return authored.date() if isinstance(authored, datetime) else authored

    @staticmethod
    def rater(response: QuestionnaireResponse) -> Rater | None:
        author = response.author
        if author is None:
            return None
        rater_id = author.identifier.value if author.identifier is not None else None
        if rater_id is None and author.display is None:
            return None
        return Rater(id=rater_id, name=author.display)

    # --- answers -------------------------------------------------------------------------------

    def coding(self, item: Any, at: str, system: str, allowed: Mapping[str, Any], what: str) -> Any:
        answers = item.answer or []
        if len(answers) != 1:
            self.add(f"{what}: expected exactly one answer, got {len(answers)}", f"{at}.answer", "structure")
            return None
        answer = answers[0]
        if answer.valueCoding is None:
            self._not_a_coding(answer, f"{at}.answer[0]", system, what)
            return None
        coding = answer.valueCoding
        if coding.system != system:
            self.add(f"{what}: coding system {coding.system!r} is not {system}", f"{at}.answer[0].valueCoding.system")
            return None
        if coding.code not in allowed:
            self.add(f"{what}: {coding.code!r} is not one of {', '.join(allowed)}", f"{at}.answer[0].valueCoding.code")
            return None
        return allowed[coding.code]

    def _not_a_coding(self, answer: Any, at: str, system: str, what: str) -> None:
        """A choice answered with something else: say what was sent, and how 9 must be sent."""
        kind = next((name for name in answer.model_fields_set if name.startswith("value")), None)
        if kind is None:
            self.add(f"{what}: the answer has no value; answer with a valueCoding from {system}", at, "required")
            return
        value = getattr(answer, kind)
        if kind == "valueInteger" and value == NOT_KNOWN:
            hint = f"rating 9 (not known) is answered with the code 9 of {system}, never as a number"
        else:
            hint = f"answer with a valueCoding from {system}"
        self.add(f"{what}: {kind} {value!r} is not accepted; {hint}", f"{at}.{kind}")

    def string(self, item: Any, at: str, what: str) -> str | None:
        answers = item.answer or []
        if len(answers) != 1 or answers[0].valueString is None:
            self.add(f"{what}: expected one valueString answer", f"{at}.answer", "structure")
            return None
        return answers[0].valueString

    def items(self, response: QuestionnaireResponse, root: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        places: dict[str, str] = {}
        problem_types: dict[str, str] = {p.code: p.code for p in self.reference.mhct.problem_types}
        super_classes: dict[str, str] = {sc.code: sc.id for sc in self.reference.decision_tree.super_classes}
        events = {e.value: e for e in ClusteringEvent}
        for index, item in enumerate(response.item or []):
            at = f"{root}.item[{index}]"
            link = item.linkId
            if link is None:  # fhir.resources requires linkId (1..1); reported rather than assumed
                self.add("item has no linkId", f"{at}.linkId", "required")
                continue
            if link in found:
                self.add(f"item {link!r} is given twice (first at {places[link]})", f"{at}.linkId", "structure")
                continue
            places[link] = at
            if item.item:
                self.add(
                    f"item {link!r}: nested items are not part of the MHCT questionnaire", f"{at}.item", "structure"
                )
                continue
            if link in SCALE_CODES:
                found[link] = self.coding(item, at, codes.MHCT_RATING, RATING_CODES, f"scale {link}")
            elif link == PROBLEM_TYPE_ITEM:
                found[link] = self.coding(item, at, codes.MHCT_PROBLEM_TYPE, problem_types, "scale 8 problem type")
            elif link == PROBLEM_DESCRIPTION_ITEM:
                found[link] = self.string(item, at, "scale 8 problem description")
            elif link == SUPER_CLASS_ITEM:
                found[link] = self.coding(item, at, codes.SUPER_CLASS, super_classes, "super class")
            elif link == HEADING_ITEM:
                found[link] = self.string(item, at, "decision tree heading")
            elif link == EVENT_ITEM:
                found[link] = self.coding(item, at, codes.CLUSTERING_EVENT, events, "clustering event")
            else:
                self.add(f"unknown linkId {link!r}: not an item of the MHCT v3.1 questionnaire", f"{at}.linkId")
        missing = [scale for scale in SCALE_CODES if scale not in places]
        if missing:
            self.add(
                f"no answer for scale(s) {', '.join(missing)}: every scale needs 0-4, or 9 if not known",
                f"{root}.item",
                "required",
            )
        found["_places"] = places
        return found

    def ratings(self, found: dict[str, Any], root: str) -> Ratings | None:
        values = [found.get(scale) for scale in SCALE_CODES]
        if any(value is None for value in values):
            return None  # already reported
        places = found["_places"]
        try:
            return Ratings.from_sequence(values, found.get(PROBLEM_TYPE_ITEM), found.get(PROBLEM_DESCRIPTION_ITEM))
        except RatingError as error:
            where = places.get(PROBLEM_TYPE_ITEM) or places.get(PROBLEM_DESCRIPTION_ITEM) or places.get("8") or root
            self.add(str(error), where)
            return None


def _check_questionnaire(response: QuestionnaireResponse, root: str, reader: _Reader) -> None:
    canonical = response.questionnaire or ""
    url, _, version = canonical.partition("|")
    if url != codes.QUESTIONNAIRE_URL or version not in ("", codes.QUESTIONNAIRE_VERSION):
        reader.add(
            f"questionnaire {repr(canonical) if canonical else '(none)'} is not the MHCT v3.1 ({codes.QUESTIONNAIRE_URL}|"
            f"{codes.QUESTIONNAIRE_VERSION})",
            f"{root}.questionnaire",
            "not-supported",
        )
    if response.status not in ("completed", "amended"):
        reader.add(
            f"status {response.status!r}: only a completed (or amended) response can be clustered",
            f"{root}.status",
            "business-rule",
        )


def _assessment_id(response: QuestionnaireResponse, root: str, reader: _Reader) -> str | None:
    identifier = response.identifier
    if identifier is not None and identifier.value:
        return identifier.value
    if response.id:
        return response.id
    reader.add("the response needs an identifier (or id) to name the assessment", f"{root}.identifier", "required")
    return None


def _read_response(
    response: QuestionnaireResponse, reader: _Reader, root: str, patients: Mapping[str, tuple[list[Any], str, Patient]]
) -> dict[str, Any]:
    _check_questionnaire(response, root, reader)
    patients = dict(patients)
    for index, contained in enumerate(response.contained or []):
        if isinstance(contained, Patient) and contained.id:
            patients[f"#{contained.id}"] = (list(contained.identifier or []), f"{root}.contained[{index}]", contained)
    parts: dict[str, Any] = {
        "id": _assessment_id(response, root, reader),
        "service_user": reader.subject(response, root, patients),
        "assessed_on": reader.assessed_on(response, root),
        "rater": reader.rater(response),
    }
    found = reader.items(response, root)
    parts["ratings"] = reader.ratings(found, root)
    parts["super_class_given"] = found.get(SUPER_CLASS_ITEM)
    parts["heading"] = found.get(HEADING_ITEM)
    parts["event"] = found.get(EVENT_ITEM)
    return parts


def _record(parts: dict[str, Any], reader: _Reader, root: str) -> AssessmentRecord:
    reader.raise_if_any()
    try:
        return AssessmentRecord(**parts)
    except ValidationError as error:
        issues = [
            Issue(
                e["msg"].removeprefix("Value error, "),
                fhir_path(root, ("identifier", "value")) if e["loc"][:1] == ("id",) else root,
            )
            for e in error.errors()
        ]
        raise InteropError(issues) from None


def from_questionnaire_response(
    response: QuestionnaireResponse | Mapping[str, Any] | str, reference: ReferenceSet
) -> AssessmentRecord:
    """The assessment a QuestionnaireResponse records (without an allocation).

    The subject carries the NHS number (or local patient id) as Reference.identifier, or refers
    to a contained Patient ("#id") that carries them.
    """
    if not isinstance(response, QuestionnaireResponse):
        data = load_json(response)
        if data["resourceType"] != "QuestionnaireResponse":
            raise InteropError(
                [
                    Issue(
                        f"expected a QuestionnaireResponse, got a {data['resourceType']}",
                        "resourceType",
                        "not-supported",
                    )
                ]
            )
        response = validate(QuestionnaireResponse, data)
    reader = _Reader(reference)
    parts = _read_response(response, reader, "QuestionnaireResponse", {})
    return _record(parts, reader, "QuestionnaireResponse")


# --- Bundles -------------------------------------------------------------------------------


def _codings(concept: Any) -> list[Any]:
    return list(concept.coding or []) if concept is not None else []


def _scale_of(observation: Observation) -> str | None:
    for coding in _codings(observation.code):
        if coding.system == codes.MHCT_SCALE and coding.code in SCALE_CODES:
            return coding.code
        if coding.system == codes.SNOMED and coding.code in codes.SCALE_BY_SNOMED:
            return codes.SCALE_BY_SNOMED[coding.code]
    return None


def _is_cluster(observation: Observation) -> bool:
    return any(c.system == codes.OBSERVATION_CODE and c.code == "care-cluster" for c in _codings(observation.code))


def _check_scale_observation(
    observation: Observation, scale: str, at: str, ratings: Ratings | None, reader: _Reader
) -> None:
    value = observation.valueInteger
    others = [name for name in observation.model_fields_set if name.startswith("value") and name != "valueInteger"]
    if others:
        reader.add(f"scale {scale}: {others[0]} is not accepted; send valueInteger 0-4", f"{at}.{others[0]}")
        return
    if value is not None:
        if value == NOT_KNOWN:
            reader.add(
                f"scale {scale}: rating 9 (not known) must be sent as dataAbsentReason "
                f"({codes.DATA_ABSENT_REASON}#{codes.NOT_KNOWN_REASON}), never as a value",
                f"{at}.valueInteger",
            )
            return
        if not 0 <= value <= 4:
            reader.add(f"scale {scale}: {value} is not a rating (0-4; 9 as dataAbsentReason)", f"{at}.valueInteger")
            return
        rated = value
    else:
        reasons = {c.code for c in _codings(observation.dataAbsentReason) if c.system == codes.DATA_ABSENT_REASON}
        if not reasons & codes.NOT_KNOWN_REASONS:
            reader.add(
                f"scale {scale}: no valueInteger and no 'not known' dataAbsentReason",
                f"{at}.dataAbsentReason",
                "required",
            )
            return
        rated = NOT_KNOWN
    if ratings is not None and ratings[scale] != rated:
        reader.add(
            f"scale {scale}: the Observation says {rated} but the QuestionnaireResponse says {ratings[scale]}",
            f"{at}.valueInteger" if value is not None else f"{at}.dataAbsentReason",
            "business-rule",
        )


def _cluster_code(concept: Any, at: str, reader: _Reader) -> int | None:
    for coding in _codings(concept):
        if coding.system == codes.CARE_CLUSTER:
            code = coding.code or ""
            if len(code) == 2 and code.isdigit() and int(code) <= 21 and code != "09":
                return int(code)
            reader.add(f"care cluster code {code!r} is not one of 00-08, 10-21", f"{at}.coding")
            return None
    reader.add(f"no care cluster coding ({codes.CARE_CLUSTER})", at, "required")
    return None


def _allocation(observation: Observation, at: str, reader: _Reader) -> AllocationRecord | None:
    final = _cluster_code(observation.valueCodeableConcept, f"{at}.valueCodeableConcept", reader)
    components: dict[str, tuple[Any, str]] = {}
    for index, component in enumerate(observation.component or []):
        for coding in _codings(component.code):
            if coding.system == codes.OBSERVATION_CODE:
                components[coding.code] = (component, f"{at}.component[{index}]")
    missing = [c for c in ("suggested-cluster", "reference-set-id", "reference-set-version") if c not in components]
    for needed in missing:
        reader.add(f"the cluster Observation has no {needed} component", f"{at}.component", "required")
    if final is None or missing:
        return None
    suggested_component, suggested_at = components["suggested-cluster"]
    suggested = _cluster_code(suggested_component.valueCodeableConcept, f"{suggested_at}.valueCodeableConcept", reader)
    if suggested is None:
        return None
    reason = components.get("choice-reason", (None, ""))[0]
    return AllocationRecord(
        suggested_cluster=suggested,
        chosen_cluster=None if observation.status == "preliminary" else final,
        reason=reason.valueString if reason is not None else None,
        reference_id=components["reference-set-id"][0].valueString or "",
        reference_version=components["reference-set-version"][0].valueString or "",
    )


def _repeated_full_urls(entries: list[Any]) -> list[Issue]:
    """FHIR invariant bdl-7: no two entries may share a fullUrl (unless their versions differ;
    we accept no versioned entries, so any repeat is refused)."""
    first: dict[str, int] = {}
    issues = []
    for index, entry in enumerate(entries):
        url = entry.get("fullUrl") if isinstance(entry, dict) else None
        if not isinstance(url, str):
            continue
        if url in first:
            issues.append(
                Issue(
                    f"fullUrl {url!r} repeats Bundle.entry[{first[url]}].fullUrl (FHIR invariant bdl-7)",
                    f"Bundle.entry[{index}].fullUrl",
                    "structure",
                )
            )
        else:
            first[url] = index
    return issues


def from_bundle(bundle: Bundle | Mapping[str, Any] | str, reference: ReferenceSet) -> AssessmentRecord:
    """The assessment (and allocation, if a cluster Observation is present) a Bundle carries.

    The Bundle holds one QuestionnaireResponse, optionally its Patient, scale Observations (which
    must agree with the answers) and one cluster Observation.
    """
    if not isinstance(bundle, Bundle):
        data = load_json(bundle)
        if data["resourceType"] != "Bundle":
            raise InteropError(
                [Issue(f"expected a Bundle, got a {data['resourceType']}", "resourceType", "not-supported")]
            )
        entries = data.get("entry") or []
        if not isinstance(entries, list):
            raise InteropError([Issue("Bundle.entry must be a list of entries", "Bundle.entry", "structure")])
        resources = [
            (i, entry.get("resource"))
            for i, entry in enumerate(entries)
            if isinstance(entry, dict) and "resource" in entry
        ]
        wrong_type = [
            Issue("a resource must be a JSON object", f"Bundle.entry[{i}].resource", "structure")
            for i, resource in resources
            if not isinstance(resource, dict)
        ]
        if wrong_type:
            raise InteropError(wrong_type)
        objects = [(i, resource) for i, resource in resources if isinstance(resource, dict)]  # all, by now
        repeated = _repeated_full_urls(entries)
        if repeated:
            raise InteropError(repeated)
        unsupported = [
            Issue(
                f"resource type {resource.get('resourceType')!r} is not part of an MHCT Bundle",
                f"Bundle.entry[{i}].resource.resourceType",
                "not-supported",
            )
            for i, resource in objects
            if resource.get("resourceType") not in BUNDLE_RESOURCES
        ]
        if unsupported:
            raise InteropError(unsupported)
        bundle = validate(Bundle, data)
    reader = _Reader(reference)
    if bundle.type not in ("transaction", "collection", "batch"):
        reader.add(f"Bundle type {bundle.type!r}: send a transaction (or collection)", "Bundle.type", "not-supported")
    patients: dict[str, tuple[list[Any], str, Patient]] = {}
    responses: list[tuple[QuestionnaireResponse, str]] = []
    scales: list[tuple[Observation, str, str]] = []
    clusters: list[tuple[Observation, str]] = []
    for index, entry in enumerate(bundle.entry or []):
        at = f"Bundle.entry[{index}].resource"
        resource = entry.resource
        if isinstance(resource, Patient):
            if entry.fullUrl:
                patients[entry.fullUrl] = (list(resource.identifier or []), at, resource)
        elif isinstance(resource, QuestionnaireResponse):
            responses.append((resource, at))
        elif isinstance(resource, Observation):
            scale = _scale_of(resource)
            if scale is not None:
                scales.append((resource, scale, at))
            elif _is_cluster(resource):
                clusters.append((resource, at))
            else:
                reader.add(
                    "an Observation that is neither an MHCT scale nor the care cluster", f"{at}.code", "not-supported"
                )
    if len(responses) != 1:
        reader.add(f"expected one QuestionnaireResponse, found {len(responses)}", "Bundle.entry", "structure")
        reader.raise_if_any()
    if len(clusters) > 1:
        reader.add(f"expected at most one cluster Observation, found {len(clusters)}", clusters[1][1], "structure")
    response, root = responses[0]
    parts = _read_response(response, reader, root, patients)
    seen: dict[str, str] = {}
    for observation, scale, at in scales:
        if scale in seen:
            reader.add(f"scale {scale} has two Observations (first at {seen[scale]})", at, "structure")
            continue
        seen[scale] = at
        _check_scale_observation(observation, scale, at, parts["ratings"], reader)
    if clusters:
        parts["allocation"] = _allocation(clusters[0][0], clusters[0][1], reader)
    return _record(parts, reader, root)


def from_resource(data: str | bytes | Mapping[str, Any], reference: ReferenceSet) -> AssessmentRecord:
    """A QuestionnaireResponse or a Bundle, whichever was sent."""
    loaded = load_json(data)
    kind = loaded["resourceType"]
    if kind == "Bundle":
        return from_bundle(loaded, reference)
    if kind == "QuestionnaireResponse":
        return from_questionnaire_response(loaded, reference)
    raise InteropError(
        [Issue(f"cannot import a {kind}: send a QuestionnaireResponse or a Bundle", "resourceType", "not-supported")]
    )


__all__ = ["from_bundle", "from_questionnaire_response", "from_resource", "load_json", "validate"]
