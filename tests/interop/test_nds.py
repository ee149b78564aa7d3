"""National data set files: MHSDS field names and codes; export then import gives the same rows."""

from __future__ import annotations

import csv
import io

import pytest

from carecluster.interop.nds import (
    NdsError,
    assessment_rows,
    assignment_period_rows,
    cluster_tool_rows,
    export_tables,
    fields,
    import_tables,
    read_directory,
    write_directory,
)
from carecluster.reference import SCALE_CODES


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _text(rows: list[dict[str, str]], table: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else fields.COLUMNS[table], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_one_row_per_rated_scale_keyed_by_its_code(record, plain_record) -> None:
    rows = assessment_rows([record, plain_record])
    assert len(rows) == 37  # 18 scales each, and scale 8's type J for the first
    first = rows[:8] + rows[9:19]
    assert [r["cc_ScaleCode"] for r in first] == list(SCALE_CODES)
    assert [r["PersScore"] for r in first] == [str(v) for v in record.ratings.values]
    assert first[0]["CodedAssToolType"] == "979641000000103"
    assert first[11]["CodedAssToolType"] == "979751000000109"
    codes_13_to_e = ["985071000000105", "985081000000107", "985111000000104", "985121000000105",
                     "985131000000107", "985141000000103"]  # fmt: skip
    assert [r["CodedAssToolType"] for r in first[12:]] == codes_13_to_e
    assert first[7]["cc_ProblemDescription"] == "hoarding, with a comma"
    assert (rows[8]["cc_ScaleCode"], rows[8]["CodedAssToolType"], rows[8]["PersScore"]) == (
        "8_TYPE", "979831000000108", "J",
    )  # fmt: skip
    assert set(rows[0]) == set(fields.CLUSTER_ASSESS_COLUMNS)


def test_cluster_tool_row_codes(record, plain_record, reference) -> None:
    row, plain = cluster_tool_rows([record, plain_record], reference)
    assert set(row) == set(fields.CLUSTER_TOOL_COLUMNS)
    assert row["ClustCat"] == "01"
    assert row["AssToolCompDate"] == "2026-11-23"
    assert row["AMHCareClustCodeInit"] == f"{record.allocation.suggested_cluster:02d}"
    assert row["cc_ChosenCluster"] == "03"
    assert row["MHCareClusterSuperClass"] == "A"  # the chosen cluster's super class
    assert (plain["MHCareClusterSuperClass"], plain["AMHCareClustCodeInit"]) == ("Z", "")


def test_assignment_period_rows(periods, reference) -> None:
    open_period, closed = assignment_period_rows(periods, reference)
    assert open_period == {
        "ClustId": "a-0001",
        "LocalPatientId": "RX1-42",
        "AMHCareClustCodeFin": "03",
        "MHCareClusterSuperClass": "A",
        "StartDateCareClust": "2026-11-23",
        "EndDateCareClust": "",
    }
    assert (closed["AMHCareClustCodeFin"], closed["MHCareClusterSuperClass"], closed["EndDateCareClust"]) == (
        "16",
        "B",
        "2026-07-01",
    )


def test_export_then_import_gives_the_same_records_and_periods(record, plain_record, periods, reference) -> None:
    tables = export_tables([record, plain_record], periods, reference)
    assert set(tables) == set(fields.TABLES)
    for table, text in tables.items():
        assert text.splitlines()[0] == ",".join(fields.COLUMNS[table])
    data = import_tables(tables, reference)
    assert data.records == [record, plain_record]
    assert data.periods == periods
    assert export_tables(data.records, data.periods, reference) == tables


def test_directory_round_trip(tmp_path, record, periods, reference) -> None:
    written = write_directory(tmp_path, [record], periods[:1], reference)
    assert sorted(p.name for p in written) == sorted(f"{t}.csv" for t in fields.TABLES)
    data = read_directory(tmp_path, reference)
    assert (data.records, data.periods) == ([record], periods[:1])


def test_local_id_stands_in_for_a_missing_one_and_comes_back_as_none(reference) -> None:
    from carecluster.interop import ServiceUser
    from carecluster.interop.nds import patient_rows

    assert patient_rows([ServiceUser(nhs_number="9990000018")]) == [
        {"LocalPatientId": "9990000018", "NHSNumber": "9990000018"}
    ]


def _broken(record, reference, table: str, line: int, field: str, value: str) -> NdsError:
    tables = export_tables([record], [], reference)
    rows = _rows(tables[table])
    rows[line - 2][field] = value
    tables[table] = _text(rows, table)
    with pytest.raises(NdsError) as caught:
        import_tables(tables, reference)
    return caught.value


def test_bad_score_names_file_line_and_field(record, reference) -> None:
    error = _broken(record, reference, fields.CLUSTER_ASSESS, 5, "PersScore", "7")
    assert [str(i) for i in error.issues] == [
        "MHS802ClusterAssess line 5, PersScore: '7' is not a rating (0-4, or 9 for not known)"
    ]
    assert error.operation_outcome.issue[0].expression == ["MHS802ClusterAssess line 5, PersScore"]


def test_bad_cluster_code_and_super_class(record, reference) -> None:
    error = _broken(record, reference, fields.CLUSTER_TOOL, 2, "cc_ChosenCluster", "09")
    assert "cc_ChosenCluster: '09' is not a care cluster code" in str(error.issues[0])
    error = _broken(record, reference, fields.CLUSTER_TOOL, 2, "MHCareClusterSuperClass", "D")
    assert "MHCareClusterSuperClass: 'D' is not one of A, B, C, Z" in str(error.issues[0])


def test_snomed_code_must_agree_with_the_scale(record, reference) -> None:
    error = _broken(record, reference, fields.CLUSTER_ASSESS, 3, "CodedAssToolType", "979641000000103")
    assert str(error.issues[0]) == (
        "MHS802ClusterAssess line 3, CodedAssToolType: 979641000000103 is scale 1, but cc_ScaleCode says 2"
    )


def test_missing_scale_row_is_reported_on_the_assessment(record, reference) -> None:
    tables = export_tables([record], [], reference)
    rows = [r for r in _rows(tables[fields.CLUSTER_ASSESS]) if r["cc_ScaleCode"] != "E"]
    tables[fields.CLUSTER_ASSESS] = _text(rows, fields.CLUSTER_ASSESS)
    with pytest.raises(NdsError) as caught:
        import_tables(tables, reference)
    assert str(caught.value.issues[0]) == (
        "MHS801ClusterTool line 2, ClustId: a-0001: no MHS802ClusterAssess row for scale(s) E"
    )


def test_unknown_or_missing_columns_are_refused(record, reference) -> None:
    tables = export_tables([record], [], reference)
    tables[fields.CLUSTER_TOOL] = tables[fields.CLUSTER_TOOL].replace("AssToolCompDate", "AssToolDate", 1)
    with pytest.raises(NdsError) as caught:
        import_tables(tables, reference)
    assert [str(i) for i in caught.value.issues] == [
        "MHS801ClusterTool.csv line 1, AssToolDate: unknown field 'AssToolDate'",
        "MHS801ClusterTool.csv line 1: missing field 'AssToolCompDate'",
    ]


def test_period_faults(record, periods, reference) -> None:
    tables = export_tables([record], periods[:1], reference)
    rows = _rows(tables[fields.CARE_CLUSTER])
    rows[0]["EndDateCareClust"] = "2026-01-01"
    rows.append(dict(rows[0], LocalPatientId="nobody", EndDateCareClust="", MHCareClusterSuperClass="B"))
    tables[fields.CARE_CLUSTER] = _text(rows, fields.CARE_CLUSTER)
    with pytest.raises(NdsError) as caught:
        import_tables(tables, reference)
    assert [str(i) for i in caught.value.issues] == [
        "MHS803CareCluster line 2, EndDateCareClust: ends 2026-01-01 before it starts 2026-11-23",
        "MHS803CareCluster line 3, LocalPatientId: nobody is not in MHS001MPI",
        "MHS803CareCluster line 3, MHCareClusterSuperClass: 'B' but cluster 03 belongs to super class A",
    ]


def test_files_from_elsewhere_without_our_columns_still_load(record, plain_record, reference) -> None:
    """A provider's history with only MHSDS columns: every scale and scale 8's type by its code."""
    tables = export_tables([plain_record], [], reference)
    national = {
        table: _text([{k: v for k, v in r.items() if not k.startswith("cc_")} for r in _rows(text)], table)
        for table, text in tables.items()
    }
    (back,) = import_tables(national, reference).records
    assert back.ratings == plain_record.ratings
    assert back.assessed_on == plain_record.assessed_on
    # scale 8 type J needs its description, which only our own column carries: refused, by name
    tables = export_tables([record], [], reference)
    rows = [{k: v for k, v in r.items() if not k.startswith("cc_")} for r in _rows(tables[fields.CLUSTER_ASSESS])]
    tables[fields.CLUSTER_ASSESS] = _text(rows, fields.CLUSTER_ASSESS)
    with pytest.raises(NdsError) as caught:
        import_tables(tables, reference)
    assert "problem type J (other) needs a description" in str(caught.value.issues[0])
    assert str(caught.value.issues[0]).startswith("MHS802ClusterAssess line 2")


def test_a_formula_in_a_rater_name_is_written_inert_and_read_back_as_typed(record, reference) -> None:
    hostile = record.model_copy(update={"rater": record.rater.model_copy(update={"name": '=HYPERLINK("http://x")'})})
    tables = export_tables([hostile], [], reference)
    (row,) = _rows(tables[fields.CLUSTER_TOOL])
    assert row["cc_RaterName"] == '\'=HYPERLINK("http://x")'
    assert import_tables(tables, reference).records == [hostile]
