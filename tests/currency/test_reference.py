from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from carecluster.currency import Activity, group_activity
from carecluster.currency.reference import DATA_DIR, TABLES, CurrencyReferenceError, available_versions, load_tables


def test_builtin_year_has_every_table_with_a_known_source(ref) -> None:
    assert "2026-27" in available_versions()
    m = ref.manifest
    assert set(m.tables) == set(TABLES)
    for name in TABLES:
        rows = getattr(ref, name)
        assert rows
        assert all(row.source in m.tables[name].sources for row in rows)
        for key in m.tables[name].sources:
            assert len(m.sources[key].commit) == 40
            assert m.sources[key].repository


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "2027-28"
    shutil.copytree(DATA_DIR / "2026-27", folder)
    return folder


def test_a_new_year_loads_from_a_folder_without_code(tmp_path) -> None:
    folder = _copy(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["version"] = "2027-28"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    table = folder / "team_types.csv"
    table.write_text(table.read_text().replace("A05,,false,false,community,A", "A05,A,false,false,community,A"))
    ref = load_tables(folder)
    result = group_activity(Activity("contact", 40, None, None, "A05"), ref)
    assert (result.code, result.reference_version) == ("MAA96A", "2027-28")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("team_types.csv", "A14,A,", "A14,Q,", "category Q is not a population group"),
        ("bed_types.csv", "200,v6,,A,wnl", "200,v6,,A,", "line 2, source"),
        ("icd10_ranges.csv", "F20,F25,A", "F25,F20,A", "must run forwards"),
        ("icd10_ranges.csv", "F28,F31,A", "F24,F31,A", "overlap"),
        ("referral_reasons.csv", "02,A", "01,A", "appears twice"),
        ("referral_reasons.csv", "code,category,source", "code,cat,source", "columns"),
        ("manifest.json", '"confidence": "low"', '"confidence": "sure"', "manifest.json"),
    ],
)
def test_bad_tables_are_refused_with_file_and_place(tmp_path, file, old, new, message) -> None:
    folder = _copy(tmp_path)
    path = folder / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(CurrencyReferenceError, match=message):
        load_tables(folder)
