"""The calibration as one step: split the history, tally, derive, validate, gather the report.

Pure apart from the optional Dask scheduler: a checked `History` and reference sets in, the
derived set and the report's data out; the command line reads and writes the files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from carecluster.calibrate.compare import differences, outside_expected
from carecluster.calibrate.counts import Tally, tally, tally_dask
from carecluster.calibrate.derive import Derived, Thresholds, as_reference, derive
from carecluster.calibrate.history import History
from carecluster.calibrate.validate import agreement, split_holdout
from carecluster.reference.models import ReferenceSet

MAX_REJECTS_LISTED = 200


@dataclass(frozen=True, slots=True)
class Calibration:
    derived: Derived
    reference: ReferenceSet
    """The derived grids laid over the base set, as `--reference derived.json` loads them."""
    report: dict[str, Any]


def tally_history(history: History, *, partitions: int = 0) -> Tally:
    """One core, or (partitions > 0) on Dask's current scheduler over that many partitions."""
    if partitions <= 0:
        return tally(history.codes, history.allocated, history.dates)
    import dask.dataframe as dd
    import pandas as pd

    columns = [f"s{i}" for i in range(history.codes.shape[0])]
    frame = pd.DataFrame({c: history.codes[i] for i, c in enumerate(columns)})
    frame["allocated"] = history.allocated
    if history.dates is not None:
        frame["date"] = history.dates
    ddf = dd.from_pandas(frame, npartitions=partitions)
    return tally_dask(ddf, columns, "allocated", "date" if history.dates is not None else None)


def calibrate(
    history: History,
    base: ReferenceSet,
    *,
    provider: str,
    id: str,
    version: str,
    holdout: float = 0.2,
    seed: int = 0,
    compare: tuple[ReferenceSet, ...] = (),
    thresholds: Thresholds | None = None,
    partitions: int = 0,
) -> Calibration:
    """Derive from the history (less a held-out share, if any) and validate on the held-out part."""
    if holdout > 0:
        train, test = split_holdout(len(history), holdout, seed)
    else:
        train, test = np.arange(len(history)), np.arange(0)
    learned = history.subset(train)
    counts = tally_history(learned, partitions=partitions)
    derived = derive(counts, base, provider=provider, id=id, version=version, thresholds=thresholds)
    reference = as_reference(derived, base)
    sets = (base, reference, *compare)
    validation = []
    if len(test):
        held = history.subset(test)
        validation = [asdict(agreement(s, held.codes, held.allocated)) for s in sets]
    report = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "history": {
            "source": history.source,
            "rows": history.total_rows,
            "usable": len(history),
            "rejected": len(history.rejects),
            "rejects": [{"row": r.row, "reason": r.reason} for r in history.rejects[:MAX_REJECTS_LISTED]],
            "derivation_records": len(train),
            "held_out_records": len(test),
            "held_out_share": holdout,
            "seed": seed,
            "variance_allocations": int((learned.allocated == 0).sum()),
        },
        "derived": derived.summary(),
        "validation": validation,
        "differences": differences(derived),
        "outside_expected_builtin": outside_expected(counts, base),
        "outside_expected_derived": outside_expected(counts, reference),
    }
    return Calibration(derived, reference, report)
