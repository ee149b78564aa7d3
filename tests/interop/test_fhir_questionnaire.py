"""The MHCT v3.1 Questionnaire: 18 required scale items, 0-4 and 9, scale 8's problem type."""

from __future__ import annotations

from fhir.resources.R4B.questionnaire import Questionnaire

from carecluster.interop.fhir import codes, mhct_questionnaire
from carecluster.reference import SCALE_CODES


def test_questionnaire_validates_and_has_every_scale(reference) -> None:
    questionnaire = Questionnaire.model_validate_json(mhct_questionnaire(reference).model_dump_json())
    assert questionnaire.url == codes.QUESTIONNAIRE_URL
    assert questionnaire.version == "3.1"
    items = {item.linkId: item for item in questionnaire.item}
    for scale in SCALE_CODES:
        item = items[scale]
        assert item.type == "choice"
        assert item.required is True
        assert [o.valueCoding.code for o in item.answerOption] == ["0", "1", "2", "3", "4", "9"]
        assert item.answerOption[-1].valueCoding.display == "Not known"
    assert [i.linkId for i in questionnaire.item if i.linkId in SCALE_CODES] == list(SCALE_CODES)


def test_every_scale_carries_its_snomed_code(reference) -> None:
    items = {item.linkId: item for item in mhct_questionnaire(reference).item}
    snomed = {scale: [c.code for c in items[scale].code if c.system == codes.SNOMED] for scale in SCALE_CODES}
    assert snomed["1"] == ["979641000000103"]
    assert snomed["12"] == ["979751000000109"]
    assert [snomed[s] for s in ("13", "A", "E")] == [["985071000000105"], ["985081000000107"], ["985141000000103"]]
    assert all(any(c.system == codes.MHCT_SCALE for c in items[s].code) for s in SCALE_CODES)


def test_problem_type_is_asked_once_scale_8_is_above_0(reference) -> None:
    items = {item.linkId: item for item in mhct_questionnaire(reference).item}
    problem = items["8-type"]
    assert [o.valueCoding.code for o in problem.answerOption] == list("ABCDEFGHIJ")
    assert problem.required is False
    (when,) = problem.enableWhen
    assert (when.question, when.operator, when.answerCoding.code) == ("8", "!=", "0")
    assert items["8-description"].required is True
    (when_j,) = items["8-description"].enableWhen
    assert (when_j.question, when_j.answerCoding.code) == ("8-type", "J")
    assert [o.valueCoding.code for o in items["super-class"].answerOption] == ["A", "B", "C"]
