"""The named reports: which measures and tables each holds. Pure query functions on a Session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from carecluster.reference.models import ReferenceSet
from carecluster.reports import accuracy, completeness, drift, national_proms, outcomes, timeliness, transitions
from carecluster.reports.measures import Labels, MeasureSpec, compute_all, plan_for_reports
from carecluster.reports.models import Cell, Filters, Measure, Report, Table, TableDrill
from carecluster.reports.trends import monthly


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    measures: tuple[MeasureSpec, ...]
    tables: Callable[[Session, Filters, ReferenceSet, list[Measure]], list[Table]]
    notes: tuple[str, ...] = ()


def _m(measures: list[Measure], spec: MeasureSpec) -> Measure:
    return next(m for m in measures if m.id == spec.id)


def _by_cluster_table(measure: Measure, table_id: str, title: str) -> Table:
    return Table(
        id=table_id,
        title=title,
        columns=["Cluster", measure.numerator_label, measure.denominator_label, "Share"],
        rows=[[g.label, g.numerator, g.denominator, g.share] for g in measure.by_cluster],
        chart="bar",
        percent_columns=[3],
    )


def _completeness_tables(session: Session, f: Filters, r: ReferenceSet, ms: list[Measure]) -> list[Table]:
    return [
        Table(
            id="nines",
            title="Assessments by number of scales rated 9 (not known)",
            columns=["Scales rated 9", "Assessments"],
            rows=completeness.nines_distribution(ms),
            chart="bar",
        ),
        monthly(_m(ms, completeness.COMPLETE_RATINGS), "complete_by_month", "Complete ratings by month"),
    ]


def _timeliness_tables(session: Session, f: Filters, r: ReferenceSet, ms: list[Measure]) -> list[Table]:
    time_in = next(m for m in ms if m.id == timeliness.TIME_IN_CLUSTER.id)
    exceeded = {g.key: g for g in next(m for m in ms if m.id == timeliness.EPISODE_EXCEEDED.id).by_cluster}
    rows: list[list[Any]] = []
    for g in time_in.by_cluster:
        try:
            episode = r.cluster(int(g.key)).indicative_episode
        except (ValueError, KeyError, StopIteration):
            episode = None
        beyond = exceeded.get(g.key)
        rows.append(
            [
                g.label,
                g.denominator,
                round(g.mean_value, 1) if g.mean_value is not None else None,
                episode.text if episode else None,
                beyond.numerator if beyond else None,
            ]
        )
    return [
        Table(
            id="overdue_ages",
            title="Overdue reviews by age",
            columns=["Days overdue", "Service users"],
            rows=timeliness.overdue_ages(ms),
            chart="bar",
        ),
        Table(
            id="time_in_cluster",
            title="Time in current cluster against the indicative episode of care",
            columns=["Cluster", "Service users", "Mean days in cluster", "Indicative episode", "Beyond the episode"],
            rows=rows,
            chart="bar",
            chart_column=2,
        ),
        monthly(_m(ms, timeliness.REVIEWS_IN_TIME), "reviews_by_month", "Reviews held in time, by month"),
    ]


def _accuracy_tables(session: Session, f: Filters, r: ReferenceSet, ms: list[Measure]) -> list[Table]:
    agreement = next(m for m in ms if m.id == accuracy.AGREEMENT.id)
    return [
        _by_cluster_table(agreement, "agreement_by_cluster", "Agreement with the suggestion by chosen cluster"),
        monthly(_m(ms, accuracy.AGREEMENT), "agreement_by_month", "Agreement with the suggestion by month"),
    ]


def _transition_tables(session: Session, f: Filters, r: ReferenceSet, ms: list[Measure]) -> list[Table]:
    counts = transitions.matrix(session, f, r)
    clusters = sorted({a for a, _ in counts} | {b for _, b in counts})
    rows: list[list[Any]] = []
    shading: list[list[str | None]] = []
    for a in clusters:
        rows.append([f"from {a}"] + [counts.get((a, b)) for b in clusters])
        shading.append([None] + [transitions.likelihood(r, a, b) for b in clusters])
    moves = [
        (a, b, n, transitions.likelihood(r, a, b).replace("_", " "))
        for (a, b), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    listed: list[list[Cell]] = [list(move) for move in moves]
    summary: dict[str, int] = {}
    for (a, b), n in counts.items():
        key = transitions.likelihood(r, a, b)
        summary[key] = summary.get(key, 0) + n
    return [
        Table(
            id="matrix",
            title="Cluster changes: from (rows) to (columns)",
            columns=["From \\ to"] + [str(b) for b in clusters],
            rows=rows,
            chart="heatmap",
            heat_columns=list(range(1, len(clusters) + 1)),
            shading=shading,
            note=(
                "Cells are marked by the booklet's likelihood of the move in the from-cluster's care transition "
                "protocol: likely or possible (plain), rare (hatched, amber), not listed (dashed border, red)."
            ),
        ),
        Table(
            id="by_likelihood",
            title="Cluster changes by expected likelihood",
            columns=["Likelihood", "Moves"],
            rows=[[k.replace("_", " "), summary.get(k, 0)] for k in ("likely_or_possible", "rare", "not_listed")],
            chart="bar",
        ),
        Table(
            id="moves",
            title="Every from-to pair",
            columns=["From", "To", "Moves", "Likelihood"],
            rows=listed,
            drills=[
                TableDrill(measure=transitions.MOVES.id, dimension="cluster", key=str(b), from_cluster=a)
                for a, b, _n, _l in moves
            ],
            drill_column=2,
        ),
    ]


def _outcome_tables(session: Session, f: Filters, r: ReferenceSet, ms: list[Measure]) -> list[Table]:
    coverage, change, better, worse = (next(m for m in ms if m.id == spec.id) for spec in outcomes.MEASURES)
    by = {g.key: g for g in coverage.by_cluster}
    ch = {g.key: g for g in change.by_cluster}
    rel = {g.key: g for g in better.by_cluster}
    det = {g.key: g for g in worse.by_cluster}
    rows: list[list[Cell]] = []
    for key, g in by.items():
        pairs = ch.get(key)
        rows.append(
            [
                g.label,
                g.denominator,
                g.numerator,
                g.share,
                round(pairs.mean_value, 2) if pairs and pairs.mean_value is not None else None,
                rel[key].share if key in rel else None,
                det[key].share if key in det else None,
            ]
        )
    tables = [
        Table(
            id="honos_by_cluster",
            title="Paired HoNOS by cluster (cluster chosen at the first rating)",
            columns=[
                "Cluster",
                "With a valid HoNOS",
                "Paired",
                "Coverage",
                "Mean improvement (points)",
                "Reliably improved",
                "Reliably worse",
            ],
            rows=rows,
            chart="bar",
            chart_column=3,
            percent_columns=[3, 5, 6],
        )
    ]
    tables.append(outcomes.prom_coverage(session, f))
    return tables


def _drift_tables(session: Session, f: Filters, r: ReferenceSet, ms: list[Measure]) -> list[Table]:
    result = drift.profile_drift(session, f, r)
    flagged = [
        [
            c.cluster,
            c.scale,
            c.n,
            c.outside,
            c.share_outside,
            ", ".join(map(str, c.expected)),
            c.p_value,
            c.q_value,
        ]
        for c in result.cells
        if c.drifts
    ]
    tables = [
        Table(
            id="drift_flagged",
            title="Scales where local practice departs from the reference grid",
            columns=[
                "Cluster",
                "Scale",
                "Ratings",
                "Outside red/orange",
                "Share outside",
                "Red/orange ratings",
                "p",
                "q",
            ],
            rows=flagged,
            note=result.test,
            percent_columns=[4],
        )
    ]
    for cluster in sorted({c.cluster for c in result.cells}):
        cells = [c for c in result.cells if c.cluster == cluster]
        tables.append(
            Table(
                id=f"drift_{cluster}",
                title=f"Cluster {cluster}: observed share of each rating, shaded by the reference grid's colour",
                columns=["Scale", "0", "1", "2", "3", "4", "Ratings", "Share outside", "q", "Drifts"],
                rows=[
                    [
                        c.scale,
                        *[n / c.n if c.n else None for n in c.counts],
                        c.n,
                        c.share_outside,
                        c.q_value,
                        "yes" if c.drifts else "not tested" if not c.tested else "no",
                    ]
                    for c in cells
                ],
                chart="heatmap",
                heat_columns=[1, 2, 3, 4, 5],
                percent_columns=[1, 2, 3, 4, 5, 7],
                shading=[[None, *c.colours, None, None, None, "drift" if c.drifts else None] for c in cells],
            )
        )
    return tables


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec("completeness", "Completeness of clustering", completeness.MEASURES, _completeness_tables),
        ReportSpec("timeliness", "Timeliness of reviews", timeliness.MEASURES, _timeliness_tables),
        ReportSpec("accuracy", "Accuracy of clustering", accuracy.MEASURES, _accuracy_tables),
        ReportSpec("transitions", "Transitions between clusters", transitions.MEASURES, _transition_tables),
        ReportSpec(
            "outcomes",
            "Outcomes: paired HoNOS by cluster",
            outcomes.MEASURES,
            _outcome_tables,
        ),
        ReportSpec("drift", "Local profile drift", (), _drift_tables, (drift.TEST_TEXT,)),
        ReportSpec(national_proms.REPORT, national_proms.TITLE, (), national_proms.tables, (national_proms.NOTE,)),
    )
}
NOTES = {
    "completeness": (completeness.INITIAL_PROXY,),
}


def measure_spec(report: str, measure_id: str) -> MeasureSpec:
    for spec in REPORTS[report].measures:
        if spec.id == measure_id:
            return spec
    raise KeyError(f"report {report!r} has no measure {measure_id!r}")


def build_report(session: Session, name: str, filters: Filters, reference: ReferenceSet) -> Report:
    """Compute report `name` for `filters`: every figure is aggregated in the database."""
    if name not in REPORTS:
        raise KeyError(f"no report {name!r}: one of {', '.join(REPORTS)}")
    spec = REPORTS[name]
    plan_for_reports(session)
    labels = Labels(session, reference)
    computed = compute_all(session, spec.measures, filters, reference, labels)
    hidden = {m.id for m in spec.measures if m.hidden}
    if name == "transitions":
        said = transitions.headline(
            transitions.matrix(session, filters, reference),
            transitions.people_rerated(session, filters, reference),
            reference,
        )
        computed = [m.model_copy(update={"headline": said}) if m.id == transitions.MOVES.id else m for m in computed]
    notes = [*spec.notes, *NOTES.get(name, ())]
    notes.append(
        "Teams and responsible clinicians are as recorded now (the current version of each service user); for "
        "assessments, allocations and reviews, the clinician is the one who rated or reviewed."
    )
    scope = (
        "all teams"
        if filters.team_ids is None
        else "teams " + ", ".join(labels.of("team", t) for t in filters.team_ids)
    )
    if filters.clinician_id is not None:
        scope += f", clinician {labels.of('clinician', filters.clinician_id)}"
    return Report(
        name=name,
        scope=scope,
        title=spec.title,
        filters=filters,
        generated_at=datetime.now(UTC),
        reference=f"{reference.id} {reference.version}",
        notes=notes,
        measures=[m for m in computed if m.id not in hidden],
        tables=spec.tables(session, filters, reference, computed),
    )
