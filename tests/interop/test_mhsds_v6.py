"""MHSDS v6 coded scored assessments (MHS606/MHS607): codes from reference data, rejects for
what has no public code, strict import that names file, line and field, and a round trip."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from carecluster.domain.outcomes import MEASURES, Goal, score
from carecluster.interop.nds import fields
from carecluster.interop.nds.codes import builtin_codes
from carecluster.interop.nds.rows import NdsError
from carecluster.interop.nds.scored import (
    ACT,
    REFER,
    Administration,
    coded_export,
    from_mhct,
    from_outcome,
    import_scored,
)
from carecluster.interop.records import AssessmentRecord, ServiceUser

PERSON = ServiceUser(nhs_number="9990000018", local_id="RX1-42")
DAY = date(2026, 3, 2)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _outcome(measure_id: str, answers: dict, goals: list[dict] | None = None, admin_id: str = "o-1") -> Administration:
    definition = MEASURES[measure_id]
    result = score(definition, answers, goals=[Goal(**g) for g in goals] if goals else None)
    return from_outcome(admin_id, PERSON, "ep-1", measure_id, DAY, answers, goals, result.model_dump())


def _mhct(record: AssessmentRecord) -> Administration:
    return from_mhct(record.id, record.service_user, "ep-1", record.assessed_on, record.ratings)


def test_every_code_names_its_source_and_every_measure_is_coded_or_says_why() -> None:
    codes = builtin_codes()
    assert all(row.source for row in codes.rows)
    for measure in MEASURES.values():
        if measure.id == "honos":  # written as the MHCT's scales 1-12
            continue
        if codes.has_total(measure.id):
            assert codes.code_for(measure.id, "total") is not None, measure.id
            continue
        items = ["1", "2", "3"] if measure.scoring in ("gbo",) else [i.id for i in measure.items]
        if measure.scoring == "gas":
            items = ["total"]
        for item in items:
            found = codes.code_for(measure.id, item)
            assert found is not None or "no public" in codes.why_uncoded(measure.id, item), (measure.id, item)


def test_mhct_rows_carry_honos_and_summary_codes(record: AssessmentRecord) -> None:
    export = coded_export([_mhct(record)])
    rows = _rows(export.tables[REFER])
    by_item = {r["cc_Item"]: r for r in rows}
    assert len(rows) == 19  # 18 scales and scale 8's type
    assert by_item["1"]["CodedAssToolType"] == "979641000000103"
    assert by_item["9"]["PersScore"] == "9"  # not known, as rated
    assert by_item["13"]["CodedAssToolType"] == "985071000000105"
    assert by_item["C"]["CodedAssToolType"] == "985121000000105"
    assert by_item["8_type"] == {**by_item["8_type"], "CodedAssToolType": "979831000000108", "PersScore": "J"}
    assert {r["LocalPatientId"] for r in rows} == {"RX1-42"}
    assert {r["AssToolCompTimestamp"] for r in rows} == {"2026-11-23"}
    assert export.rejects == []


def test_dialog_uses_the_v6_codes_by_topic_not_by_number() -> None:
    answers = {str(i): 4 for i in range(1, 12)} | {"6": 2, "7": 6}
    rows = {r["cc_Item"]: r for r in _rows(coded_export([_outcome("dialog", answers)]).tables[REFER])}
    assert len(rows) == 11
    assert rows["6"]["CodedAssToolType"] == "1833401000000105"  # friendships: item 7 in v6
    assert rows["6"]["PersScore"] == "2"
    assert rows["7"]["CodedAssToolType"] == "1833391000000107"  # partner/family: item 6 in v6
    assert rows["1"]["CodedAssToolType"] == "1037651000000100"


def test_what_has_no_public_code_is_rejected_by_name_and_not_written() -> None:
    fft = _outcome("fft", {"experience": 1}, admin_id="o-fft")
    goals = [{"id": f"g{i}", "description": f"goal {i}"} for i in range(1, 5)]
    gbo = _outcome("gbo", {"g1": 2, "g2": 5, "g3": 7, "g4": 9}, goals, admin_id="o-gbo")
    partial = _outcome("reqol10", {str(i): 2 for i in range(1, 5)}, admin_id="o-reqol")
    export = coded_export([fft, gbo, partial])
    rows = _rows(export.tables[REFER])
    assert [(r["cc_Measure"], r["cc_Item"], r["PersScore"]) for r in rows] == [
        ("gbo", "1", "2"),
        ("gbo", "2", "5"),
        ("gbo", "3", "7"),
    ]
    assert rows[0]["CodedAssToolType"] == "1638531000000102"
    rejected = {(r.assessment_id, r.item): r.reason for r in export.rejects}
    assert set(rejected) == {("o-fft", "experience"), ("o-gbo", "4"), ("o-reqol", "total")}
    assert "no public SNOMED CT code" in rejected[("o-gbo", "4")]
    assert rejected[("o-reqol", "total")].startswith("the score is not valid")
    assert _rows(export.rejects_csv())[0] == {
        "AssessmentId": "o-fft", "LocalPatientId": "RX1-42", "Measure": "fft", "Item": "experience",
        "Reason": rejected[("o-fft", "experience")],
    }  # fmt: skip


def test_totals_and_goal_attainment() -> None:
    reqol = _outcome("reqol10", {str(i): 3 for i in range(1, 11)} | {"ph": 1}, admin_id="o-r")
    gas = _outcome("gas", {"a": -1, "b": 2}, [{"id": "a", "description": "x"}, {"id": "b", "description": "y"}])
    rows = _rows(coded_export([reqol, gas]).tables[REFER])
    reqol_rows = [r for r in rows if r["cc_Measure"] == "reqol10"]
    expected_total = score(MEASURES["reqol10"], {str(i): 3 for i in range(1, 11)} | {"ph": 1}).total
    assert [(r["CodedAssToolType"], r["PersScore"]) for r in reqol_rows] == [
        ("1091071000000100", str(int(expected_total)))
    ]
    assert [(r["cc_Item"], r["PersScore"]) for r in rows if r["cc_Measure"] == "gas"] == [("1", "-1"), ("2", "2")]


def test_round_trip_gives_back_every_item(record: AssessmentRecord, plain_record: AssessmentRecord) -> None:
    goals = [{"id": "g1", "description": "walk"}, {"id": "g2", "description": "work"}]
    export = coded_export(
        [
            _mhct(record),
            _mhct(plain_record),
            _outcome("dialog", {str(i): 5 for i in range(1, 12)}),
            _outcome("gbo", {"g1": 3, "g2": 8}, goals, admin_id="o-2"),
            _outcome("core10", {str(i): 1 for i in range(1, 11)}, admin_id="o-3"),
        ]
    )
    assert import_scored(export.tables) == export.items
    assert len(export.items) == 19 + 18 + 11 + 2 + 1


def test_the_national_form_without_our_columns_reads() -> None:
    export = coded_export([_outcome("dialog", {"1": 3, "2": 4})])
    rows = _rows(export.tables[REFER])
    national = io.StringIO()
    writer = csv.DictWriter(national, fieldnames=[k for k in rows[0] if not k.startswith("cc_")], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: v for k, v in r.items() if not k.startswith("cc_")} for r in rows)
    items = import_scored({fields.MPI: export.tables[fields.MPI], REFER: national.getvalue()})
    assert [(i.measure, i.item, i.score, i.assessment_id) for i in items] == [
        ("dialog", "1", "3", None),
        ("dialog", "2", "4", None),
    ]


def test_care_activity_rows_read() -> None:
    mpi = "LocalPatientId,NHSNumber\nRX1-42,9990000018\n"
    act = (
        "LocalPatientId,UniqServReqID,UniqCareContID,UniqCareActID,CareContDate,CodedAssToolType,PersScore\n"
        "RX1-42,ep-1,cc-9,ca-3,2026-04-01,718583008,17\n"
    )
    (item,) = import_scored({fields.MPI: mpi, ACT: act})
    assert (item.measure, item.item, item.score, item.care_contact_id, item.completed_on) == (
        "core10", "total", "17", "cc-9", date(2026, 4, 1),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("row", "where", "words"),
    [
        ("RX1-42,ep-1,123456789,2,2026-03-02", "CodedAssToolType", "not a code"),
        ("RX1-42,ep-1,979641000000103,5,2026-03-02", "PersScore", "outside 0-4"),
        ("RX1-42,ep-1,1037651000000100,0,2026-03-02", "PersScore", "outside 1-8"),
        ("RX1-42,ep-1,979831000000108,Z,2026-03-02", "PersScore", "problem type"),
        ("RX9-99,ep-1,979641000000103,2,2026-03-02", "LocalPatientId", "not in MHS001MPI"),
        ("RX1-42,ep-1,979641000000103,2,02/03/2026", "AssToolCompTimestamp", "not a date"),
        ("RX1-42,ep-1,979641000000103,1.5,2026-03-02", "PersScore", "whole number"),
    ],
)
def test_bad_rows_name_file_line_and_field_and_nothing_is_read(row: str, where: str, words: str) -> None:
    mpi = "LocalPatientId,NHSNumber\nRX1-42,9990000018\n"
    good = "RX1-42,ep-1,979651000000100,1,2026-03-02"
    text = f"LocalPatientId,UniqServReqID,CodedAssToolType,PersScore,AssToolCompTimestamp\n{good}\n{row}\n"
    with pytest.raises(NdsError) as caught:
        import_scored({fields.MPI: mpi, REFER: text})
    (issue,) = caught.value.issues
    assert issue.expression == f"{REFER}.csv line 3, {where}"
    assert words in issue.diagnostics


def test_an_unknown_column_is_refused_by_name() -> None:
    mpi = "LocalPatientId,NHSNumber\nRX1-42,9990000018\n"
    text = "LocalPatientId,CodedAssToolType,PersScore,AssToolCompTimestamp,Extra\n"
    with pytest.raises(NdsError) as caught:
        import_scored({fields.MPI: mpi, REFER: text})
    assert caught.value.issues[0].expression == f"{REFER}.csv line 1, Extra"
