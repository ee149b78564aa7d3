"""The HTML report: self-contained, escaped, and plain about what was not validated or is weak."""

from __future__ import annotations

import re

import numpy as np

from carecluster.calibrate.history import History
from carecluster.calibrate.report import render_html
from carecluster.calibrate.run import calibrate
from carecluster.reference import ReferenceSet


def test_an_unvalidated_set_says_so_and_lists_its_weak_rows(reference: ReferenceSet, history: History) -> None:
    few_of_2 = np.flatnonzero(history.allocated == 2)[:120]
    keep = np.sort(np.concatenate([np.flatnonzero(history.allocated != 2), few_of_2]))
    result = calibrate(history.subset(keep), reference, provider="<Trust & Co>", id="x", version="1", holdout=0.0)
    html = render_html(result.report)
    assert "has not been validated" in html
    assert "&lt;Trust &amp; Co&gt;" in html
    assert "<Trust" not in html
    weak = [r for r in result.derived.cluster(2).rows if r.confidence == "low"]
    assert weak  # 120 records: under the 200 known ratings a medium row needs
    caption = re.search(r"(\d+) row\(s\): their red cells behave as inferred", html)
    assert caption is not None
    assert int(caption.group(1)) == sum(r.confidence != "medium" for c in result.derived.clusters for r in c.rows)
    assert "<script" not in html
    assert "http" not in html
