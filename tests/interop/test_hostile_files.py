"""Importers that cannot be crashed: whatever arrives, the FHIR reader answers with issues (an
OperationOutcome over HTTP) and the national data set reader with file-and-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecluster.interop.errors import InteropError, Issue
from carecluster.interop.fhir.parse import from_resource
from carecluster.interop.nds import NdsError, fields, import_tables, read_directory
from carecluster.reference import ReferenceSet

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=30,
)
KEYS = st.sampled_from(["resourceType", "entry", "resource", "item", "answer", "linkId", "valueCoding", "subject"])
FHIR_SHAPED = st.recursive(
    st.sampled_from(["Bundle", "QuestionnaireResponse", "Observation", "Patient", "transaction"])
    | st.integers()
    | st.floats()
    | st.none(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=25,
)


def _issues(read: Callable[[], object], refusal: type[InteropError]) -> list[Issue] | None:
    """The issues `read` was refused with, or None if it read the input; any other exception fails."""
    try:
        read()
    except refusal as error:
        return error.issues
    return None


def _only_interop_errors(document: str, reference: ReferenceSet) -> None:
    issues = _issues(lambda: from_resource(document, reference), InteropError)
    if issues is not None:
        assert issues
        assert all(issue.diagnostics for issue in issues)


@pytest.mark.parametrize(
    "document",
    [
        "[" * 200_000 + "]" * 200_000,  # 400 KB of nesting: RecursionError (a 500) on the old code
        '{"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": NaN}]}',
        '{"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": 5}]}',
        '{"resourceType": "Bundle", "type": "transaction", "entry": 5}',
        '{"resourceType": "QuestionnaireResponse", "status": "completed", "x": Infinity}',
        '{"resourceType": "QuestionnaireResponse", "status": 1e400}',
        '{"resourceType": "QuestionnaireResponse", "status": ' + "9" * 5000 + "}",
        '{"resourceType": ' + '{"a":' * 40 + "1" + "}" * 40 + "}",
    ],
    ids=["nesting", "nan-resource", "number-resource", "number-entry", "infinity", "overflow", "huge-int", "deep-obj"],
)
def test_hostile_fhir_documents_are_refused_with_issues(document: str, reference: ReferenceSet) -> None:
    with pytest.raises(InteropError) as raised:
        from_resource(document, reference)
    assert raised.value.issues


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=JSON_VALUES | FHIR_SHAPED)
def test_any_json_value_gives_issues_never_a_crash(value: object, reference: ReferenceSet) -> None:
    _only_interop_errors(json.dumps(value), reference)  # NaN and Infinity included, as Python writes them
    if isinstance(value, dict):
        _only_interop_errors(json.dumps({"resourceType": "Bundle", "type": "transaction", **value}), reference)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_any_text_gives_issues_never_a_crash(text: str, reference: ReferenceSet) -> None:
    _only_interop_errors(text, reference)


ROW_TEXT = st.lists(
    st.lists(
        st.one_of(st.text(max_size=8), st.sampled_from(["NaN", "inf", "-1", "1e400", "09", "9", "4", ""])), max_size=6
    ),
    max_size=5,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.sampled_from(fields.TABLES), rows=ROW_TEXT, keep_header=st.booleans())
def test_any_nds_table_gives_line_numbered_errors_never_a_crash(
    table: str, rows: list[list[str]], keep_header: bool, reference: ReferenceSet
) -> None:
    header = ",".join(fields.COLUMNS[table]) if keep_header else "x,y"
    body = "\n".join(",".join(json.dumps(cell) if "," in cell else cell for cell in row) for row in rows)
    texts = {t: ",".join(fields.COLUMNS[t]) + "\n" for t in fields.TABLES}
    texts[table] = header + "\n" + body
    issues = _issues(lambda: import_tables(texts, reference), NdsError)
    if issues is not None:
        assert issues
        for issue in issues:  # every fault names its table, and its line where it has one
            assert issue.expression
            assert issue.expression.startswith(fields.TABLES)
            assert " line " in issue.expression or issue.code == "required"


def test_an_nds_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path, reference: ReferenceSet) -> None:
    for table in fields.TABLES:
        (tmp_path / f"{table}.csv").write_text(",".join(fields.COLUMNS[table]) + "\n")
    (tmp_path / f"{fields.MPI}.csv").write_bytes(b"LocalPatientId,NHSNumber\nRX1-1,999\xff0000018\n")
    with pytest.raises(NdsError) as raised:
        read_directory(tmp_path, reference)
    assert str(raised.value.issues[0].expression) == f"{fields.MPI}.csv line 2"


def test_an_oversized_nds_field_is_a_line_numbered_error(reference: ReferenceSet) -> None:
    texts = {t: ",".join(fields.COLUMNS[t]) + "\n" for t in fields.TABLES}
    texts[fields.MPI] += 'RX1-1,9990000018\n"' + "x" * 200_000 + '",1\n'
    with pytest.raises(NdsError) as raised:
        import_tables(texts, reference)
    assert raised.value.issues[0].expression == f"{fields.MPI}.csv line 3"
