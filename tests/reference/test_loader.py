"""Provider reference files: CSV and JSON forms, their errors, and how they are selected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carecluster.reference import ReferenceError, ReferenceSet, builtin_reference, diff_reference, load_reference
from carecluster.reference.csv_grids import grids_to_csv
from carecluster.reference.loader import ENV_VAR, overlay, read_reference_file
from carecluster.settings import load_settings

META = {"id": "trust-x", "version": "2016-17", "name": "Trust X grids", "source": "booklet p.20", "confidence": "high"}


def write_csv(tmp_path: Path, reference: ReferenceSet, edit=None, meta=META, name: str = "grids.csv") -> Path:
    text = grids_to_csv(reference.grids, meta=meta)
    if edit is not None:
        text = edit(text)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_export_then_load_gives_the_same_grids(tmp_path: Path, reference: ReferenceSet) -> None:
    loaded = load_reference(write_csv(tmp_path, reference))
    assert loaded.id == "trust-x"
    assert loaded.version == "2016-17"
    assert {n: g.cells for n, g in loaded.grids.items()} == {n: g.cells for n, g in reference.grids.items()}
    # unchanged inferred cells claimed as "high" are not believed: still read as inferred
    assert all(g.provenance.confidence == "low" for g in loaded.grids.values())
    assert all("identical to the built-in inferred grid" in (g.provenance.note or "") for g in loaded.grids.values())
    assert diff_reference(reference, loaded).cells == ()


def test_a_changed_grid_keeps_the_confidence_its_file_claims(tmp_path: Path, reference: ReferenceSet) -> None:
    path = write_csv(tmp_path, reference, lambda t: t.replace("14,6,2,yellow", "14,6,2,orange"))
    loaded = load_reference(path)
    assert loaded.grids[14].provenance.confidence == "high"
    assert loaded.grids[13].provenance.confidence == "low"


def test_the_exported_template_is_a_low_confidence_draft(reference: ReferenceSet) -> None:
    from typer.testing import CliRunner

    from carecluster.cli.main import app

    out = CliRunner().invoke(app, ["reference", "export", "--format", "csv"]).stdout
    assert "# confidence: low" in out
    assert "DRAFT" in out
    assert "confidence: high" not in out


def test_a_changed_cell_is_reported_cell_by_cell(tmp_path: Path, reference: ReferenceSet) -> None:
    assert reference.grids[14].cells["6"][2] == "may"
    path = write_csv(tmp_path, reference, lambda t: t.replace("14,6,2,yellow", "14,6,2,orange"))
    diff = diff_reference(reference, load_reference(path))
    assert [(c.cluster, c.scale, c.rating, c.before, c.after) for c in diff.cells] == [(14, "6", 2, "may", "expected")]


def test_changing_a_red_cell_changes_the_suggestion(tmp_path: Path, reference: ReferenceSet) -> None:
    import carecluster

    ratings = "0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,0,1,1"
    assert carecluster.allocate(ratings, "non-psychotic", reference).suggested_cluster == 4

    # make cluster 4 demand 7/8 = 4 only: the rating (3) now breaks its red rule
    def edit(text: str) -> str:
        for scale in ("7", "8"):
            text = text.replace(f"4,{scale},3,red", f"4,{scale},3,blank")
        return text

    provider = load_reference(write_csv(tmp_path, reference, edit))
    result = carecluster.allocate(ratings, "non-psychotic", provider)
    assert result.suggested_cluster != 4
    assert result.candidate(4).fit == "excluded"
    assert result.reference_id == "trust-x"
    assert result.reference_version == "2016-17"


def test_csv_synonyms_and_a_partial_file(tmp_path: Path, reference: ReferenceSet) -> None:
    rows = ["cluster,scale,rating,colour"]
    for code, row in reference.grids[3].cells.items():
        for rating, colour in enumerate(row):
            word = {"must": "R", "expected": "Orange", "may": "yellow", "unlikely": "", "nodata": "grey"}[colour]
            rows.append(f"3,{code.lower()},{rating},{word}")
    path = tmp_path / "only3.csv"
    path.write_text("\n".join(rows) + "\n")
    loaded = load_reference(path)
    assert loaded.grids[3].cells == reference.grids[3].cells
    assert loaded.grids[4] is reference.grids[4]  # kept from the built-in set
    assert loaded.id == "only3"
    assert loaded.version.startswith("sha256-")  # no version given: the file's hash


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace("14,6,3,red", "14,6,3,purple"), "cluster 14, scale 6, rating 3): unknown colour 'purple'"),
        (lambda t: t.replace("14,6,3,red\n", ""), "cluster 14: no colour for scale 6 rating 3"),
        (lambda t: t.replace("14,6,3,red", "14,6,7,red"), "rating must be 0-4"),
        (lambda t: t.replace("14,6,3,red", "14,Z,3,red"), "unknown scale 'Z'"),
        (lambda t: t.replace("14,6,3,red", "9,6,3,red"), "cluster 9 has no grid"),
        (lambda t: t.replace("14,6,3,red", "14,6,2,red"), "already given on line"),
        (lambda t: t.replace("5,7,3,red", "5,7,3,orange"), "cluster 5, cells: rows 7 and 8 differ at rating(s) 3"),
        (lambda t: t.replace("cluster,scale,rating,colour", "cluster;scale"), "the header must be"),
    ],
)
def test_broken_csv_names_the_cluster_scale_and_rating(
    tmp_path: Path, reference: ReferenceSet, edit, expected: str
) -> None:
    with pytest.raises(ReferenceError) as caught:
        load_reference(write_csv(tmp_path, reference, edit))
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_every_fault_is_reported_not_just_the_first(tmp_path: Path, reference: ReferenceSet) -> None:
    def edit(text: str) -> str:
        return text.replace("14,6,3,red", "14,6,3,pink").replace("15,1,0,orange", "15,1,0,teal")

    with pytest.raises(ReferenceError) as caught:
        load_reference(write_csv(tmp_path, reference, edit))
    assert len(caught.value.problems) >= 2


def json_file(tmp_path: Path, payload: dict) -> Path:
    path = tmp_path / "ref.json"
    path.write_text(json.dumps(payload))
    return path


def test_json_file_overlays_grids_and_names_errors(tmp_path: Path, reference: ReferenceSet) -> None:
    cells = {code: list(row) for code, row in reference.grids[14].cells.items()}
    cells["6"][2] = "expected"  # a transcription that differs from the inferred cells
    good = {
        "id": "trust-y",
        "version": "1",
        "name": "Y",
        "provenance": {"source": "booklet", "confidence": "high"},
        "grids": {"14": {"cells": cells}},
    }
    loaded = load_reference(json_file(tmp_path, good))
    assert loaded.grids[14].provenance.confidence == "high"
    assert loaded.grids[15].provenance.confidence == "low"

    cells["6"][2] = "crimson"
    with pytest.raises(ReferenceError) as caught:
        read_reference_file(json_file(tmp_path, good))
    assert any(p.startswith("cluster 14, scale 6, rating 2:") for p in caught.value.problems), caught.value.problems


def test_json_file_errors_for_missing_provenance_unknown_keys_and_bad_json(tmp_path: Path, reference) -> None:
    cells = {code: list(row) for code, row in reference.grids[14].cells.items()}
    with pytest.raises(ReferenceError, match="cluster 14: no provenance"):
        load_reference(json_file(tmp_path, {"id": "a", "version": "1", "name": "n", "grids": {"14": {"cells": cells}}}))
    with pytest.raises(ReferenceError, match="gridz"):
        read_reference_file(json_file(tmp_path, {"id": "a", "version": "1", "name": "n", "gridz": {}}))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ReferenceError, match="not valid JSON"):
        read_reference_file(bad)
    with pytest.raises(ReferenceError, match="cannot read"):
        load_reference(tmp_path / "missing.json")


def test_a_grid_for_cluster_9_or_0_is_refused(tmp_path: Path, reference: ReferenceSet) -> None:
    cells = {code: list(row) for code, row in reference.grids[14].cells.items()}
    payload = {
        "id": "a",
        "version": "1",
        "name": "n",
        "provenance": {"source": "s", "confidence": "high"},
        "grids": {"9": {"cells": cells}},
    }
    with pytest.raises(ReferenceError, match="cluster 9: must not have a grid"):
        load_reference(json_file(tmp_path, payload))


def test_environment_variable_selects_the_set(tmp_path: Path, reference, monkeypatch) -> None:
    path = write_csv(tmp_path, reference)
    monkeypatch.setenv(ENV_VAR, str(path))
    load_settings()  # the environment is read once, at start-up
    assert load_reference().id == "trust-x"
    monkeypatch.delenv(ENV_VAR)
    load_settings()
    assert load_reference() is builtin_reference()


def test_an_edited_file_is_read_again(tmp_path: Path, reference: ReferenceSet) -> None:
    path = write_csv(tmp_path, reference)
    assert load_reference(path).version == "2016-17"
    path.write_text(path.read_text().replace("# version: 2016-17", "# version: 2017-18 (corrected)"))
    assert load_reference(path).version == "2017-18 (corrected)"


def test_overlay_keeps_everything_not_given(reference: ReferenceSet) -> None:
    from carecluster.reference.models import ReferenceFile

    provider = ReferenceFile(id="empty", version="0", name="nothing replaced")
    merged = overlay(reference, provider, "test")
    assert merged.grids == reference.grids
    assert merged.clusters == reference.clusters
    assert diff_reference(reference, merged).identical


def test_a_provider_sets_its_own_discharge_criteria(tmp_path: Path, reference: ReferenceSet) -> None:
    """The booklet's discharge criteria are examples; a provider replaces them per cluster."""
    from carecluster.domain.protocols import review

    protocol = reference.protocols.clusters[1].model_dump()
    protocol["discharge"] = [
        {"id": "scale_2_0", "text": "Scale 2 rated 0", "kind": "rating", "rating": {"scale": "2", "min": 0, "max": 0}},
        {"id": "goals_met", "text": "Agreed goals met", "kind": "fact", "fact": "goals_met"},
    ]
    payload = {
        "id": "trust-z",
        "version": "3",
        "name": "Z discharge criteria",
        "protocols": {"1": protocol},
        "facts": {"goals_met": "The goals agreed at the start of care have been met"},
    }
    loaded = load_reference(json_file(tmp_path, payload))
    assert loaded.protocols.clusters[1].discharge[1].fact == "goals_met"
    assert loaded.protocols.clusters[2] == reference.protocols.clusters[2]
    zeros = [0] * 18
    assert review(1, zeros, loaded).outcome == "needs_answers"
    assert review(1, zeros, loaded, facts={"goals_met": "yes"}).outcome == "discharge"

    protocol["discharge"][1]["fact"] = "not_a_question"
    payload["facts"] = {}
    with pytest.raises(ReferenceError, match="unknown fact 'not_a_question'"):
        load_reference(json_file(tmp_path, payload))
