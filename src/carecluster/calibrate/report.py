"""The calibration report as plain, self-contained HTML for a clinical safety officer to sign off.

One file, inline styles, no scripts and no external assets, so it can be archived with the
safety case and opened anywhere. Every value comes from the JSON report (`run.calibrate`), and
every text is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from carecluster.calibrate.derive import Thresholds, describe_thresholds

STYLE = """
body{font-family:Arial,Helvetica,sans-serif;margin:2em;max-width:70em;color:#0b0c0c}
table{border-collapse:collapse;margin:0.5em 0 1.5em}th,td{border:1px solid #b1b4b6;padding:0.25em 0.5em;text-align:left}
th{background:#f3f2f1}td.n{text-align:right}.warn{background:#fff7bf;padding:0.5em;border-left:5px solid #ffdd00}
.sign td{height:2.2em;min-width:16em}caption{text-align:left;font-weight:bold;padding:0.25em 0}
"""


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _table(caption: str, header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th scope='col'>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{escape(str(v))}</td>" if isinstance(v, int | float) else f"<td>{escape(str(v))}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: dict[str, Any]) -> str:
    history, derived = report["history"], report["derived"]
    thresholds = Thresholds(**derived["thresholds"])
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Calibration report: {escape(derived['id'])} {escape(derived['version'])}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Calibration report: {escape(derived['id'])} {escape(derived['version'])}</h1>",
        "<p class='warn'>A derived reference set is a draft until a clinical safety officer has read this report "
        "and signed it off. Its red cells of medium confidence can exclude clusters; rows of low confidence "
        "behave as inferred (the clinician is asked before a cluster is excluded).</p>",
        "<h2>History</h2>",
        _table(
            "What was read",
            ["Item", "Value"],
            [
                ["Source", history["source"]],
                ["Provider", derived["provider"]],
                ["Period", f"{derived['first'] or '-'} to {derived['last'] or '-'}"],
                ["Rows read", history["rows"]],
                ["Usable rows", history["usable"]],
                ["Rows rejected (left out)", history["rejected"]],
                ["Used for derivation", history["derivation_records"]],
                ["Held out for validation", history["held_out_records"]],
                ["Allocations to cluster 0 (no grid; validation only)", history["variance_allocations"]],
                ["Report created", report["created"]],
            ],
        ),
        "<h2>Method and thresholds</h2>",
        f"<p>{escape(describe_thresholds(thresholds))}</p>",
        f"<p>Clusters with fewer than {thresholds.min_cluster_records} records keep the built-in grid; rows with "
        f"fewer than {thresholds.min_row_ratings} known ratings keep the built-in row. Ratings of 9 (not known) "
        "are left out of every share and counted. Scales 7 and 8 are one row, the higher of the two.</p>",
    ]
    validation = report["validation"]
    if validation:
        parts += [
            "<h2>Agreement with the clinicians' choices (held-out records)</h2>",
            _table(
                "Per reference set",
                ["Reference set", "Records", "Top-1", "Top-1 95% interval", "Top-3", "Not 'suggested'", "Statuses"],
                [
                    [
                        v["label"],
                        v["records"],
                        _pct(v["top1"]),
                        f"{_pct(v['top1_lower'])} to {_pct(v['top1_upper'])}",
                        _pct(v["top3"]),
                        _pct(v["not_suggested"]),
                        ", ".join(f"{k} {n}" for k, n in v["statuses"].items()),
                    ]
                    for v in validation
                ],
            ),
        ]
        clusters = [p["cluster"] for p in validation[0]["per_cluster"]]
        rows = []
        for i, number in enumerate(clusters):
            row: list[Any] = [number, validation[0]["per_cluster"][i]["records"]]
            for v in validation:
                row += [_pct(v["per_cluster"][i]["top1"]), _pct(v["per_cluster"][i]["top3"])]
            rows.append(row)
        header = ["Chosen cluster", "Records"]
        for v in validation:
            header += [f"Top-1 {v['label']}", f"Top-3 {v['label']}"]
        parts.append(_table("Per chosen cluster", header, rows))
        for v in validation:
            parts.append(
                _table(
                    f"Confusion, {v['label']}: {v['disagreements']} disagreements, {v['within_super_class']} within "
                    f"the chosen cluster's super class, {v['to_variance']} to variance (0)",
                    ["Chosen", "Suggested", "Records", "Share of chosen", "Same super class"],
                    [
                        [c["chosen"], c["suggested"], c["records"], _pct(c["share_of_chosen"]), c["same_super_class"]]
                        for c in v["confusion"]
                    ],
                )
            )
        base, mine = validation[0], validation[1]
        change = (mine["top1"] - base["top1"]) * 100
        parts.append(
            f"<p>Top-1 agreement of the derived set minus the built-in set's: {change:+.1f} percentage points "
            f"(top-3: {(mine['top3'] - base['top3']) * 100:+.1f}). Agreement is with what clinicians chose, "
            "overrides included, so neither set can reach 100%; a derived set below the built-in set's agreement, "
            "or a cluster far below its neighbours, needs a look at its cells before sign-off.</p>"
        )
    else:
        parts.append("<p class='warn'>No records were held out: the derived set has not been validated.</p>")
    weak = [
        [c["cluster"], r["row"], r["confidence"], r["note"], sum(r["counts"]), r["not_known"]]
        for c in derived["clusters"]
        for r in c["rows"]
        if r["confidence"] != "medium"
    ]
    parts += [
        "<h2>Rows of low confidence or kept from the built-in set</h2>",
        _table(
            f"{len(weak)} row(s): their red cells behave as inferred (the clinician is asked before an exclusion)",
            ["Cluster", "Row", "Confidence", "Note", "Known ratings", "Not known (9)"],
            weak,
        ),
    ]
    parts += [
        "<h2>Cells where the derived set differs most from the built-in set</h2>",
        _table(
            "Largest changes first",
            ["Cluster", "Row", "Rating", "Built-in", "Derived", "Share", "95% interval", "Known ratings", "Confidence"],
            [
                [
                    d["cluster"],
                    d["row"],
                    d["rating"],
                    d["builtin"],
                    d["derived"],
                    _pct(d["share"]),
                    f"{_pct(d['lower'])} to {_pct(d['upper'])}",
                    d["known"],
                    d["confidence"],
                ]
                for d in report["differences"]
            ],
        ),
        "<h2>Clusters</h2>",
        _table(
            "Derived or kept",
            ["Cluster", "Records", "Derived", "Note"],
            [[c["cluster"], c["records"], "yes" if c["derived"] else "no", c["note"]] for c in derived["clusters"]],
        ),
    ]
    if history["rejects"]:
        parts.append(
            _table(
                f"Rejected rows (first {len(history['rejects'])} of {history['rejected']})",
                ["Row", "Reason"],
                [[r["row"], r["reason"]] for r in history["rejects"]],
            )
        )
    parts += [
        "<h2>Sign-off</h2>",
        "<table class='sign'><tbody><tr><th scope='row'>Clinical safety officer</th><td></td></tr>"
        "<tr><th scope='row'>Decision (approve / reject / approve with changes)</th><td></td></tr>"
        "<tr><th scope='row'>Signature and date</th><td></td></tr></tbody></table>",
        "</body></html>",
    ]
    return "\n".join(parts)
