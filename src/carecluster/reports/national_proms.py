"""The national outcome measures (issue 20): what NHS England's community mental health PROMs
dashboard and the 2023/24 CQUIN count, computed from carecluster's records.

- Pairs: per episode of care (the dashboard's referral), each DIALOG item, each goal (GBO, by
  goal id) and the ReQoL-10 total: the first score paired with the latest later one (up to the
  period's end); a pair falls in the month of its later score.
- Reliable change: DIALOG item 1 point, goal 3, ReQoL-10 5 (reference data,
  `data/national_proms.json`); ReQoL-10 reliable recovery: first score below the cut-off (25 by
  default, configurable), later at or above it, and a reliable improvement.
- Measured twice: people with any outcome measure (HoNOS from the MHCT included) recorded on two
  different days in one episode, among people with an eligible episode; by month as at each
  month's end.
- Eligible episode: open at least `min_days_open` days (referral to discharge, or to the
  period's end) and not discharged before the period starts. carecluster records no care
  contacts, so the dashboard's "at least 2 contacts" cannot be applied and is not.

The pure part (`units`, `measures`, `drill_units`) takes plain records, so the figures can be
worked out by hand; `read_inputs` fetches them from the database.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from carecluster.reports.models import Filters, Group, Measure

if TYPE_CHECKING:  # measures pulls in polars and the store, which this module loads only when asked
    from carecluster.reports.measures import Which

SETTING: Final = "CARECLUSTER_NATIONAL_PROMS"
"""Environment setting naming a JSON file that replaces the built-in thresholds (same keys)."""


@dataclass(frozen=True)
class Thresholds:
    version: str
    source: str
    dialog_item: float
    goal: float
    reqol10: float
    reqol10_cutoff: float
    min_days_open: int
    min_contacts: int


def load_thresholds(path: Path | None = None) -> Thresholds:
    """The thresholds in force: `path`, else `$CARECLUSTER_NATIONAL_PROMS`, else the built-in file.
    A file missing a key is an error naming the file and the key."""
    chosen = path or (Path(os.environ[SETTING]) if os.environ.get(SETTING) else None)
    if chosen is None:
        text = resources.files("carecluster.reports").joinpath("data/national_proms.json").read_text("utf-8")
        where = "built-in national_proms.json"
    else:
        text, where = chosen.read_text(encoding="utf-8"), str(chosen)
    data = json.loads(text)
    try:
        change = data["reliable_change"]
        return Thresholds(
            version=str(data["version"]),
            source=str(data["source"]),
            dialog_item=float(change["dialog_item"]),
            goal=float(change["goal"]),
            reqol10=float(change["reqol10"]),
            reqol10_cutoff=float(data["reqol10_cutoff"]),
            min_days_open=int(data["min_days_open"]),
            min_contacts=int(data["min_contacts"]),
        )
    except KeyError as error:
        raise ValueError(f"{where}: missing key {error.args[0]!r}") from None


# --- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Episode:
    id: str
    service_user_id: str
    team_id: int
    referral_date: date
    discharge_date: date | None


@dataclass(frozen=True)
class Score:
    """One scored item: a DIALOG item, a goal (item = goal id) or the ReQoL-10 total."""

    service_user_id: str
    episode_id: str
    measure: str
    item: str
    on: date
    value: float


@dataclass(frozen=True)
class Recorded:
    """Any outcome measure recorded (valid or not), for the 'measured twice' count."""

    service_user_id: str
    episode_id: str
    measure: str
    on: date


@dataclass(frozen=True)
class Unit:
    """One pair (or, for 'measured twice', one person) with the flags each measure counts."""

    family: str
    service_user_id: str
    team_id: int
    on: date
    item: str
    first: float | None
    later: float | None
    flags: frozenset[str]
    """Ids of the measures whose numerator (`<id>`) or denominator (`<id>:den`) this unit is in."""

    @property
    def change(self) -> float | None:
        return None if self.first is None or self.later is None else self.later - self.first


@dataclass(frozen=True)
class NationalMeasure:
    id: str
    family: str
    label: str
    definition: str
    numerator_label: str
    denominator_label: str
    higher_is_better: bool = True


def definitions(t: Thresholds) -> tuple[NationalMeasure, ...]:
    cut = f"{t.reqol10_cutoff:g}"
    return (
        NationalMeasure("measured_twice", "twice", "Measured twice",
                        "People with an eligible episode; numerator: any outcome measure recorded on two different "
                        "days in one eligible episode (by month: as at each month's end).",
                        "measured twice", "people with an eligible episode"),
        NationalMeasure("dialog_improved", "dialog", "DIALOG items reliably improved",
                        f"Paired DIALOG items (first score and the latest later one, per episode and item); "
                        f"numerator: rose by {t.dialog_item:g} point(s) or more.", "improved", "item pairs"),
        NationalMeasure("dialog_deteriorated", "dialog", "DIALOG items reliably deteriorated",
                        f"Paired DIALOG items; numerator: fell by {t.dialog_item:g} point(s) or more.",
                        "deteriorated", "item pairs", higher_is_better=False),
        NationalMeasure("goal_improved", "goal", "Goals reliably improved (GBO)",
                        f"Paired goals (per episode and goal); numerator: rose by {t.goal:g} points or more.",
                        "improved", "goal pairs"),
        NationalMeasure("goal_deteriorated", "goal", "Goals reliably deteriorated (GBO)",
                        f"Paired goals; numerator: fell by {t.goal:g} points or more.", "deteriorated", "goal pairs",
                        higher_is_better=False),
        NationalMeasure("reqol10_improved", "reqol10", "ReQoL-10 reliably improved",
                        f"Paired ReQoL-10 totals (per episode); numerator: rose by {t.reqol10:g} points or more.",
                        "improved", "pairs"),
        NationalMeasure("reqol10_deteriorated", "reqol10", "ReQoL-10 reliably deteriorated",
                        f"Paired ReQoL-10 totals; numerator: fell by {t.reqol10:g} points or more.", "deteriorated",
                        "pairs", higher_is_better=False),
        NationalMeasure("reqol10_recovered", "reqol10", "ReQoL-10 reliable recovery",
                        f"Pairs whose first total was below the cut-off {cut}; numerator: later total {cut} or above "
                        f"and a reliable improvement ({t.reqol10:g} points).", "recovered", "pairs starting below "
                        f"{cut}"),
    )  # fmt: skip


# --- pure computation --------------------------------------------------------------------------


def eligible(episode: Episode, date_from: date, as_at: date, t: Thresholds) -> bool:
    """Open at least `min_days_open` days by `as_at` (or by discharge), and not discharged before the period."""
    if episode.referral_date > as_at:
        return False
    if episode.discharge_date is not None and episode.discharge_date < date_from:
        return False
    end = min(episode.discharge_date or as_at, as_at)
    return (end - episode.referral_date).days >= t.min_days_open


def _pair_units(
    family: str, scores: Iterable[Score], episodes: dict[str, Episode], filters: Filters, t: Thresholds
) -> list[Unit]:
    by_key: dict[tuple[str, str], list[Score]] = defaultdict(list)
    for s in scores:
        if s.on <= filters.date_to and s.episode_id in episodes:
            by_key[(s.episode_id, s.item)].append(s)
    units = []
    for (episode_id, item), found in by_key.items():
        episode = episodes[episode_id]
        if not eligible(episode, filters.date_from, filters.date_to, t):
            continue
        found.sort(key=lambda s: s.on)
        first = found[0]
        later = found[-1]
        if later.on <= first.on or later.on < filters.date_from:
            continue  # no later score, or the pair closed before the period
        change = later.value - first.value
        flags = {f"{family}_improved:den", f"{family}_deteriorated:den"}
        step = {"dialog": t.dialog_item, "goal": t.goal, "reqol10": t.reqol10}[family]
        if change >= step:
            flags.add(f"{family}_improved")
        if change <= -step:
            flags.add(f"{family}_deteriorated")
        if family == "reqol10" and first.value < t.reqol10_cutoff:
            flags.add("reqol10_recovered:den")
            if later.value >= t.reqol10_cutoff and change >= step:
                flags.add("reqol10_recovered")
        units.append(
            Unit(family, episode.service_user_id, episode.team_id, later.on, item, first.value, later.value,
                 frozenset(flags))
        )  # fmt: skip
    return units


def _twice_units(
    recorded: Sequence[Recorded], episodes: dict[str, Episode], date_from: date, as_at: date, t: Thresholds
) -> list[Unit]:
    """One unit per person with an eligible episode as at `as_at`; in the numerator when one
    measure was recorded on two different days of one eligible episode by then."""
    days: dict[tuple[str, str], set[date]] = defaultdict(set)
    for r in recorded:
        if r.on <= as_at:
            days[(r.episode_id, r.measure)].add(r.on)
    people: dict[str, tuple[int, date | None]] = {}
    for episode in sorted(episodes.values(), key=lambda e: e.referral_date):
        if not eligible(episode, date_from, as_at, t):
            continue
        second = min((sorted(d)[1] for (eid, _m), d in days.items() if eid == episode.id and len(d) >= 2), default=None)
        # a person counts once: under the team of their earliest eligible episode, measured
        # twice from the earliest second recording in any eligible episode
        team, seen = people.get(episode.service_user_id, (episode.team_id, None))
        if second is not None and (seen is None or second < seen):
            seen = second
        people[episode.service_user_id] = (team, seen)
    return [
        Unit("twice", su, team, seen or as_at, "", None, None,
             frozenset({"measured_twice:den", *(["measured_twice"] if seen else [])}))
        for su, (team, seen) in people.items()
    ]  # fmt: skip


def units(
    episodes: Sequence[Episode],
    scores: Sequence[Score],
    recorded: Sequence[Recorded],
    filters: Filters,
    t: Thresholds,
) -> list[Unit]:
    """Every pair and every person counted, for the period and teams of `filters`."""
    in_scope = {e.id: e for e in episodes if filters.team_ids is None or e.team_id in filters.team_ids}
    result: list[Unit] = []
    for family, measure in (("dialog", "dialog"), ("goal", "gbo"), ("reqol10", "reqol10")):
        result += _pair_units(family, (s for s in scores if s.measure == measure), in_scope, filters, t)
    result += _twice_units(recorded, in_scope, filters.date_from, filters.date_to, t)
    return result


def _month_ends(date_from: date, date_to: date) -> list[tuple[str, date]]:
    out, year, month = [], date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        nxt = date(year + month // 12, month % 12 + 1, 1)
        out.append((f"{year:04d}-{month:02d}", min(nxt - timedelta(days=1), date_to)))
        year, month = nxt.year, nxt.month
    return out


def _group(key: str, label: str, num: int, den: int) -> Group:
    return Group(key=key, label=label, numerator=num, denominator=den, share=num / den if den else None)


def measures(
    episodes: Sequence[Episode],
    scores: Sequence[Score],
    recorded: Sequence[Recorded],
    filters: Filters,
    t: Thresholds,
    team_labels: dict[int, str] | None = None,
) -> list[Measure]:
    """Each national measure for the period, by team and by month."""
    labels = team_labels or {}
    all_units = units(episodes, scores, recorded, filters, t)
    in_scope = {e.id: e for e in episodes if filters.team_ids is None or e.team_id in filters.team_ids}
    out = []
    for spec in definitions(t):
        mine = [u for u in all_units if u.family == spec.family and f"{spec.id}:den" in u.flags]
        num = [u for u in mine if spec.id in u.flags]
        teams = sorted({u.team_id for u in mine})
        by_team = [
            _group(str(team), labels.get(team, str(team)), sum(1 for u in num if u.team_id == team),
                   sum(1 for u in mine if u.team_id == team))
            for team in teams
        ]  # fmt: skip
        if spec.family == "twice":
            by_month = []
            for month, end in _month_ends(filters.date_from, filters.date_to):
                snapshot = _twice_units(recorded, in_scope, filters.date_from, end, t)
                by_month.append(_group(month, month, sum(1 for u in snapshot if spec.id in u.flags), len(snapshot)))
        else:
            months = [m for m, _ in _month_ends(filters.date_from, filters.date_to)]
            by_month = [
                _group(m, m, sum(1 for u in num if f"{u.on:%Y-%m}" == m), sum(1 for u in mine if f"{u.on:%Y-%m}" == m))
                for m in months
            ]
        out.append(
            Measure(
                id=spec.id,
                label=spec.label,
                definition=spec.definition,
                numerator_label=spec.numerator_label,
                denominator_label=spec.denominator_label,
                numerator=len(num),
                denominator=len(mine),
                share=len(num) / len(mine) if mine else None,
                by_team=by_team,
                by_month=by_month,
                higher_is_better=spec.higher_is_better,
            )
        )
    return out


def drill_units(
    all_units: Sequence[Unit],
    measure_id: str,
    which: str = "numerator",
    team_id: int | None = None,
    month: str | None = None,
) -> list[Unit]:
    """The pairs or people behind one figure (numerator, denominator or the rest), for a team or month."""
    chosen = [u for u in all_units if f"{measure_id}:den" in u.flags]
    if which == "numerator":
        chosen = [u for u in chosen if measure_id in u.flags]
    elif which == "rest":
        chosen = [u for u in chosen if measure_id not in u.flags]
    if team_id is not None:
        chosen = [u for u in chosen if u.team_id == team_id]
    if month is not None:
        chosen = [u for u in chosen if f"{u.on:%Y-%m}" == month]
    return sorted(chosen, key=lambda u: (u.on, u.service_user_id, u.item))


# --- from the database ------------------------------------------------------------------------


def read_inputs(session: Any, filters: Filters) -> tuple[list[Episode], list[Score], list[Recorded]]:
    """Current episodes, scored items and recorded measures (up to the period's end) from the database."""
    from sqlalchemy import select

    from carecluster.reports.sql import current
    from carecluster.store.models import Assessment, OutcomeAdministration
    from carecluster.store.models import Episode as EpisodeRow

    query = select(EpisodeRow).where(current(EpisodeRow), EpisodeRow.referral_date <= filters.date_to)
    if filters.team_ids is not None:
        query = query.where(EpisodeRow.team_id.in_(filters.team_ids or (-1,)))
    episodes = [
        Episode(e.record_id, e.service_user_id, e.team_id, e.referral_date, e.discharge_date)
        for e in session.scalars(query)
    ]
    ids = [e.id for e in episodes] or ["-"]
    scores: list[Score] = []
    recorded: list[Recorded] = []
    for o in session.scalars(
        select(OutcomeAdministration).where(
            current(OutcomeAdministration),
            OutcomeAdministration.episode_id.in_(ids),
            OutcomeAdministration.administered_on <= filters.date_to,
        )
    ):
        recorded.append(Recorded(o.service_user_id, o.episode_id, o.measure_id, o.administered_on))
        scores += _scored_items(o.service_user_id, o.episode_id, o.measure_id, o.administered_on, o.answers, o.score)
    for a in session.scalars(
        select(Assessment).where(
            current(Assessment), Assessment.episode_id.in_(ids), Assessment.assessed_on <= filters.date_to
        )
    ):
        recorded.append(Recorded(a.service_user_id, a.episode_id or "", "honos", a.assessed_on))
    return episodes, scores, recorded


def _scored_items(
    su: str, episode: str, measure: str, on: date, answers: dict[str, Any], score: dict[str, Any]
) -> list[Score]:
    """DIALOG items and GBO goals as answered (whole numbers only); the ReQoL-10 total when valid."""
    if measure in ("dialog", "gbo"):
        return [
            Score(su, episode, measure, item, on, float(value))
            for item, value in answers.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        ]
    if measure == "reqol10" and score.get("valid") and score.get("total") is not None:
        return [Score(su, episode, measure, "total", on, float(score["total"]))]
    return []


# --- as a report --------------------------------------------------------------------------------

REPORT: Final = "national_proms"
TITLE: Final = "National outcome measures (PROMs dashboard and CQUIN rules)"


def _team_labels(session: Any) -> dict[int, str]:
    from sqlalchemy import select

    from carecluster.store.models import Team

    return {team_id: code for team_id, code in session.execute(select(Team.id, Team.code))}


def tables(session: Any, filters: Filters, _reference: Any, _measures: Any) -> list[Any]:
    """The report's tables: every measure, then by team and by month, each row drilling to its people."""
    from carecluster.reports.models import Table, TableDrill

    t = load_thresholds()
    computed = measures(*read_inputs(session, filters), filters, t, _team_labels(session))
    summary = Table(
        id="national_proms",
        title="National outcome measures",
        columns=["Measure", "Numerator", "Denominator", "Share", "Definition"],
        rows=[[m.label, m.numerator, m.denominator, m.share, m.definition] for m in computed],
        percent_columns=[3],
        drills=[TableDrill(measure=m.id) for m in computed],
        drill_column=1,
        note=f"Thresholds: {t.source} (version {t.version}). {NOTE}",
    )
    by_team = Table(
        id="national_proms_by_team",
        title="By team",
        columns=["Measure", "Team", "Numerator", "Denominator", "Share"],
        rows=[[m.label, g.label, g.numerator, g.denominator, g.share] for m in computed for g in m.by_team],
        percent_columns=[4],
        drills=[TableDrill(measure=m.id, dimension="team", key=g.key) for m in computed for g in m.by_team],
        drill_column=2,
    )
    by_month = Table(
        id="national_proms_by_month",
        title="By month",
        columns=["Measure", "Month", "Numerator", "Denominator", "Share"],
        rows=[[m.label, g.label, g.numerator, g.denominator, g.share] for m in computed for g in m.by_month],
        percent_columns=[4],
        drills=[TableDrill(measure=m.id, dimension="month", key=g.key) for m in computed for g in m.by_month],
        drill_column=2,
    )
    return [summary, by_team, by_month]


NOTE: Final = (
    "Pairs are per episode of care (the dashboard's referral): the first score and the latest later one up to the "
    "period's end, counted in the month of the later score. Eligible episodes are open at least 180 days and not "
    "discharged before the period; carecluster records no care contacts, so the dashboard's two-contact rule is not "
    "applied. 'Measured twice' by month is as at each month's end."
)


def drill(session: Any, filters: Filters, measure_id: str, which: Which, dimension: str | None, key: str | None) -> Any:
    """The people (and pairs) behind one figure of the report, as the reports' drill-down shape."""
    from sqlalchemy import select

    from carecluster.reports.models import Drill, DrillRow
    from carecluster.reports.sql import current
    from carecluster.store.models import ServiceUser

    t = load_thresholds()
    known = {d.id: d for d in definitions(t)}
    if measure_id not in known:
        raise KeyError(f"report {REPORT!r} has no measure {measure_id!r}")
    if dimension not in (None, "team", "month"):
        raise ValueError("dimension: one of team, month")
    team_id = int(key) if dimension == "team" and key is not None else None
    month = key if dimension == "month" else None
    chosen = drill_units(units(*read_inputs(session, filters), filters, t), measure_id, which, team_id, month)
    people = {
        su.record_id: su
        for su in session.scalars(
            select(ServiceUser).where(
                current(ServiceUser), ServiceUser.record_id.in_([u.service_user_id for u in chosen] or ["-"])
            )
        )
    }
    labels = _team_labels(session)
    rows = [
        DrillRow(
            service_user_id=u.service_user_id,
            name=people[u.service_user_id].name if u.service_user_id in people else "",
            nhs_number=people[u.service_user_id].nhs_number if u.service_user_id in people else "",
            team=labels.get(u.team_id, str(u.team_id)),
            clinician=None,
            cluster=None,
            on=u.on,
            value=u.change,
            detail=f"item {u.item}: {u.first:g} then {u.later:g}" if u.first is not None else None,
            in_numerator=measure_id in u.flags,
        )
        for u in chosen
    ]
    return Drill(
        report=REPORT,
        measure=measure_id,
        label=known[measure_id].label,
        which=which,
        dimension=dimension,
        key=key,
        total=len(rows),
        rows=rows,
        value_label="change" if known[measure_id].family != "twice" else None,
    )
