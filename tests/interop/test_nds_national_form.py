"""The v5 clustering files in the national form (no `cc_` columns) round-trip through an empty
database: scales by SNOMED CT code, AssToolCompTime and ClustToolAssReason as given, the chosen
cluster from MHS803, LocalPatientId kept as it arrived (and never the NHS number)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.interop.test_database_round_trip import PEOPLE, cli, history, staffed


def _national(text: str) -> str:
    rows = list(csv.DictReader(io.StringIO(text)))
    names = [n for n in csv.DictReader(io.StringIO(text)).fieldnames or [] if not n.startswith("cc_")]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _national_files(directory: Path, into: Path) -> dict[str, str]:
    into.mkdir()
    texts = {}
    for path in sorted(directory.glob("*.csv")):
        texts[path.name] = _national(path.read_text())
        (into / path.name).write_text(texts[path.name])
    return texts


def test_the_national_form_round_trips_into_an_empty_database(tmp_path: Path) -> None:
    source_url, target_url = f"sqlite:///{tmp_path / 's.db'}", f"sqlite:///{tmp_path / 't.db'}"
    source, actor = staffed(source_url)
    history(source, actor)
    target, _ = staffed(target_url)
    assert (
        cli("nds", "export", "--database-url", source_url, "--as", "auditor", "-o", str(tmp_path / "a")).exit_code == 0
    )
    tool = tmp_path / "a" / "MHS801ClusterTool.csv"
    rows = list(csv.DictReader(io.StringIO(tool.read_text())))
    rows[0]["AssToolCompTime"], rows[0]["ClustToolAssReason"] = "10:15:00", "10"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    tool.write_text(out.getvalue())
    sent = _national_files(tmp_path / "a", tmp_path / "national")
    mpi = list(csv.DictReader(io.StringIO(sent["MHS001MPI.csv"])))
    assert {r["NHSNumber"] for r in mpi} == set(PEOPLE)
    assert all(r["LocalPatientId"] not in PEOPLE for r in mpi)
    assert "979831000000108" not in sent["MHS802ClusterAssess.csv"]  # no scale 8 type rated in this history
    assert sent["MHS802ClusterAssess.csv"].count("985141000000103") == 3  # scale E, by its code, per assessment
    loaded = cli("nds", "import", str(tmp_path / "national"), "--database-url", target_url, "--as", "rater")
    assert loaded.exit_code == 0, loaded.output
    assert "3 assessment(s) and 2 assignment period(s) stored" in loaded.stdout
    assert (
        cli("nds", "export", "--database-url", target_url, "--as", "auditor", "-o", str(tmp_path / "b")).exit_code == 0
    )
    again = {p.name: _national(p.read_text()) for p in sorted((tmp_path / "b").glob("*.csv"))}
    assert again == sent
    assert ",10:15:00,10," in again["MHS801ClusterTool.csv"]
    source.dispose()
    target.dispose()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [("AssToolCompTime", "25:00", "not a time"), ("ClustToolAssReason", "X1", "not a two-digit code")],
)
def test_bad_national_fields_are_refused_by_file_line_and_field(
    tmp_path: Path, field: str, value: str, words: str
) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    db, actor = staffed(url)
    history(db, actor)
    assert cli("nds", "export", "--database-url", url, "--as", "auditor", "-o", str(tmp_path / "a")).exit_code == 0
    tool = tmp_path / "a" / "MHS801ClusterTool.csv"
    rows = list(csv.DictReader(io.StringIO(tool.read_text())))
    rows[1][field] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    tool.write_text(out.getvalue())
    checked = cli("nds", "import", str(tmp_path / "a"))
    assert checked.exit_code == 2
    assert f"MHS801ClusterTool line 3, {field}" in checked.stderr
    assert words in checked.stderr
    db.dispose()
