"""Convert the project's recovered reference notes (shared/reference) into the package's data files.

Run once when shared/reference changes; the output is committed under
src/carecluster/reference/data. Kept so that anyone can see exactly how the built-in grids
and decision tree were derived from the notes, and redo it.

    python scripts/import_shared_reference.py ../shared/reference
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SCALES = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "A", "B", "C", "D", "E"]
OUT = Path(__file__).resolve().parents[1] / "src" / "carecluster" / "reference" / "data"


def convert_grids(source: dict) -> dict:
    grids: dict[str, dict] = {}
    for number, cluster in source["clusters"].items():
        grid = cluster.get("grid")
        if not grid:
            continue
        cells = {scale: [grid[scale][str(r)] for r in range(5)] for scale in SCALES}
        grids[number] = {
            "cells": cells,
            "provenance": {
                "source": "carecluster reference notes (shared/reference/mhct_grids.json): inferred from the booklet's cluster descriptions and care transition protocols",
                "confidence": cluster["confidence"],
                "note": "No copy of the official Appendix 3 grid was available; every cell is inferred. Red cells: "
                + cluster.get("red_rule_basis", "n/a"),
            },
            "basis": cluster.get("basis"),
        }
    return {"grids": grids}


def convert_tree(source: dict) -> dict:
    root = source["root"]
    ids = {"A": "non-psychotic", "B": "psychotic", "C": "organic"}
    super_classes = []
    for child in root["children"]:
        if child["id"] not in ids:
            continue
        headings = []
        for heading in child["children"]:
            if heading.get("selectable") is False:
                continue  # cluster 9: a blank place marker, never offered
            src = heading["source"]
            headings.append(
                {
                    "id": heading["id"],
                    "label": heading["label"],
                    "clusters": heading["clusters"],
                    "provenance": {
                        "source": "; ".join(src) if isinstance(src, list) else src,
                        "confidence": heading["confidence"],
                        "note": heading.get("note"),
                    },
                }
            )
        super_classes.append(
            {
                "id": ids[child["id"]],
                "code": child["id"],
                "label": child["label"],
                "clusters": [n for n in child["clusters"] if n != 9],
                "headings": headings,
                "provenance": {"source": "; ".join(child["source"]), "confidence": child["confidence"]},
            }
        )
    return {
        "question": root["question"],
        "heading_question": "Which of the next level of headings describes the presenting needs most accurately?",
        "super_classes": super_classes,
        "variance_code": "Z",
        "provenance": {
            "source": "Mental Health Clustering Booklet, 'How do I cluster someone who is newly referred?' (the Appendix 2 diagram itself was lost); headings from a third-party transcription",
            "confidence": "medium",
            "note": source["meta"]["overall_confidence"],
        },
    }


def dump_grids(grids: dict) -> str:
    """Indented JSON with one grid row per line, so a diff or a reader sees a row at a glance."""
    text = json.dumps(grids, indent=2)
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("[") and '"' in line and lines[i + 1].strip().startswith('"'):
            j = i + 1
            items = []
            while not lines[j].strip().startswith("]"):
                items.append(lines[j].strip().rstrip(","))
                j += 1
            out.append(line.rstrip() + ", ".join(items) + lines[j].strip())
            i = j + 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out) + "\n"


def main(reference_dir: str) -> None:
    ref = Path(reference_dir)
    grids = convert_grids(json.loads((ref / "mhct_grids.json").read_text()))
    tree = convert_tree(json.loads((ref / "decision_tree.json").read_text()))
    (OUT / "grids.json").write_text(dump_grids(grids))
    (OUT / "decision_tree.json").write_text(json.dumps(tree, indent=2) + "\n")
    print(f"wrote {len(grids['grids'])} grids and the decision tree to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference")
