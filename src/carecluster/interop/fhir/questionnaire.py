"""The MHCT v3.1 as a FHIR R4 Questionnaire: what an electronic patient record renders and answers.

Items are the 18 scales (linkId "1".."13", "A".."E"), each a required choice of 0-4 or 9 (not
known) in our rating code system; scales 1-12 also carry their SNOMED CT HoNOS item codes. Scale
8 asks for its problem type (A-J) once it is rated other than 0 (optional, as the allocation does
not use it), and for a description when the type is J (other). Optional items carry the clinician's decision-tree answers and the clustering
event, so that a response holds everything an allocation needs.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire

from carecluster.domain.schedule import EVENT_LABELS
from carecluster.interop.fhir import codes
from carecluster.reference.models import SCALE_CODES, ReferenceSet

PROBLEM_TYPE_ITEM = "8-type"
PROBLEM_DESCRIPTION_ITEM = "8-description"
SUPER_CLASS_ITEM = "super-class"
HEADING_ITEM = "heading"
EVENT_ITEM = "clustering-event"
EXTRA_ITEMS = (PROBLEM_TYPE_ITEM, PROBLEM_DESCRIPTION_ITEM, SUPER_CLASS_ITEM, HEADING_ITEM, EVENT_ITEM)
LINK_IDS = (*SCALE_CODES, *EXTRA_ITEMS)


def rating_display(rating: int, reference: ReferenceSet) -> str:
    return codes.NOT_KNOWN_DISPLAY if rating == 9 else reference.mhct.rating_anchors[rating]


def scale_codings(scale: str, name: str) -> list[dict[str, Any]]:
    """Our scale code, and the SNOMED CT concept: HoNOS items for 1-12, MHCT summary for 13 and A-E."""
    codings = []
    if scale in codes.SCALE_SNOMED:
        concept, term = codes.SCALE_SNOMED[scale]
        codings.append({"system": codes.SNOMED, "code": concept, "display": term})
    codings.append({"system": codes.MHCT_SCALE, "code": scale, "display": name})
    return codings


def _scale_item(scale: str, reference: ReferenceSet) -> dict[str, Any]:
    definition = reference.mhct.scale(scale)
    options = [
        {"valueCoding": {"system": codes.MHCT_RATING, "code": str(r), "display": rating_display(r, reference)}}
        for r in (0, 1, 2, 3, 4, 9)
    ]
    return {
        "linkId": scale,
        "code": scale_codings(scale, definition.name),
        "prefix": scale,
        "text": definition.name,
        "type": "choice",
        "required": True,
        "answerOption": options,
    }


def mhct_questionnaire(reference: ReferenceSet) -> Questionnaire:
    """The MHCT v3.1 Questionnaire (canonical QUESTIONNAIRE_URL, version 3.1)."""
    items = [_scale_item(scale, reference) for scale in SCALE_CODES]
    problem_types = [
        {"valueCoding": {"system": codes.MHCT_PROBLEM_TYPE, "code": p.code, "display": p.label}}
        for p in reference.mhct.problem_types
    ]
    items.insert(
        SCALE_CODES.index("8") + 1,
        {
            "linkId": PROBLEM_TYPE_ITEM,
            "text": "Scale 8: which kind of problem was rated (the single most severe)",
            "type": "choice",
            "required": False,  # the allocation does not need it, and a rating of 9 may not know it
            "enableWhen": [
                {"question": "8", "operator": "!=", "answerCoding": {"system": codes.MHCT_RATING, "code": "0"}}
            ],
            "answerOption": problem_types,
        },
    )
    items.insert(
        SCALE_CODES.index("8") + 2,
        {
            "linkId": PROBLEM_DESCRIPTION_ITEM,
            "text": "Scale 8: describe the other problem (type J)",
            "type": "string",
            "required": True,
            "enableWhen": [
                {
                    "question": PROBLEM_TYPE_ITEM,
                    "operator": "=",
                    "answerCoding": {"system": codes.MHCT_PROBLEM_TYPE, "code": "J"},
                }
            ],
        },
    )
    tree = reference.decision_tree
    items += [
        {
            "linkId": SUPER_CLASS_ITEM,
            "text": tree.question,
            "type": "choice",
            "required": False,
            "answerOption": [
                {"valueCoding": {"system": codes.SUPER_CLASS, "code": sc.code, "display": sc.label}}
                for sc in tree.super_classes
            ],
        },
        {"linkId": HEADING_ITEM, "text": tree.heading_question, "type": "string", "required": False},
        {
            "linkId": EVENT_ITEM,
            "text": "Clustering event (why the MHCT was rated now)",
            "type": "choice",
            "required": False,
            "answerOption": [
                {"valueCoding": {"system": codes.CLUSTERING_EVENT, "code": event.value, "display": label}}
                for event, label in EVENT_LABELS.items()
            ],
        },
    ]
    return Questionnaire.model_validate(
        {
            "resourceType": "Questionnaire",
            "id": "mhct-v3.1",
            "url": codes.QUESTIONNAIRE_URL,
            "version": codes.QUESTIONNAIRE_VERSION,
            "name": "MHCT_v3_1",
            "title": "Mental Health Clustering Tool (MHCT) v3.1",
            "status": "active",
            "subjectType": ["Patient"],
            "publisher": "carecluster",
            "description": (
                "MHCT v3.1 ratings: scales 1-13 (current) and A-E (historical), each 0-4 or 9 (not known); "
                "scales 1-12 are the HoNOS items. Item wording is carecluster's short form, not the "
                "official glossary. The resulting cluster is a draft aid: the clinician decides."
            ),
            "item": items,
        }
    )
