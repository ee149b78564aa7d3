"""MHSDS v6 coded scored assessments from a real database: MHCT ratings and outcome measures as
MHS606 rows under a LocalPatientId that is not the NHS number, with what has no code rejected."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from carecluster.api import resolve_reference
from carecluster.service import outcomes, records
from carecluster.service.context import Context
from carecluster.service.outcome_schemas import OutcomeIn
from tests.interop.test_database_round_trip import PEOPLE, START, cli, history, staffed


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_v6_writes_coded_items_and_rejects_what_has_no_code(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v6.db'}"
    db, actor = staffed(url)
    history(db, actor)
    with db.transaction() as session:
        ctx = Context(session=session, actor=actor, reference=resolve_reference(None))
        first = next(p for p in records.list_service_users(ctx, 10, 0).items if p.nhs_number == PEOPLE[0])
        day = START + timedelta(days=10)
        answers = {str(i): 5 for i in range(1, 12)}
        outcomes.record_outcome(ctx, first.id, OutcomeIn(measure_id="dialog", administered_on=day, answers=answers))
        outcomes.record_outcome(
            ctx, first.id, OutcomeIn(measure_id="fft", administered_on=day, answers={"experience": 2})
        )
    out = cli("nds", "export-v6", "--database-url", url, "--as", "auditor", "-o", str(tmp_path / "v6"))
    assert out.exit_code == 0, out.output
    rows = _rows((tmp_path / "v6" / "MHS606CodedScoreAssessmentRefer.csv").read_text())
    mpi = _rows((tmp_path / "v6" / "MHS001MPI.csv").read_text())
    assert {r["NHSNumber"] for r in mpi} == set(PEOPLE)
    assert all(r["LocalPatientId"] not in PEOPLE and len(r["LocalPatientId"]) == 20 for r in mpi)
    mhct = [r for r in rows if r["cc_Measure"] == "mhct"]
    assert len(mhct) == 3 * 18  # three assessments, no scale 8 type rated
    dialog = [r for r in rows if r["cc_Measure"] == "dialog"]
    assert len(dialog) == 11
    assert {r["UniqServReqID"] for r in dialog} != {""}
    rejects = _rows((tmp_path / "v6" / "rejects.csv").read_text())
    assert [(r["Measure"], r["Item"]) for r in rejects] == [("fft", "experience")]
    checked = cli("nds", "check-v6", str(tmp_path / "v6"))
    assert checked.exit_code == 0, checked.output
    assert f"{len(rows)} coded item(s): valid" in checked.stdout
    db.dispose()
