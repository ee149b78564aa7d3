"""Group a person's episode of care into the 2026/27 mental health currency at the point of care.

The cascade is the package's (`carecluster.currency.group_activity`); this module only gathers its
inputs from the record: the episode's primary diagnosis and coded referral reason, the team's
service team type, and the age in whole years on the day grouped. An episode is grouped as a
community contact (family 96/97); while the person has an open inpatient spell, they are grouped
as that spell (family 98) with the ward's bed type in place of the team type.

Nothing is stored: the group is worked out when read, so it always follows the record and the
current year's tables. The history groups every version of every episode, each with the age on
the day that version was recorded; the team type is the team's as it is now (teams are not
versioned), which the page says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from carecluster.currency import Activity, GroupResult, currency_reference, group_activity
from carecluster.currency.rules import BED_TYPE, DIAGNOSIS, REFERRAL_REASON, TEAM_TYPE
from carecluster.service import permissions
from carecluster.service.context import Context
from carecluster.service.currency_codes import UNGROUPED
from carecluster.service.errors import NotFound
from carecluster.store import repository as repo
from carecluster.store.models import Episode, InpatientSpell, ServiceUser, Team

INPUTS: dict[str, str] = {
    DIAGNOSIS: "primary diagnosis (ICD-10)",
    TEAM_TYPE: "service team type of the team",
    REFERRAL_REASON: "primary reason for referral (national code)",
}
SPELL_INPUTS: dict[str, str] = {
    DIAGNOSIS: INPUTS[DIAGNOSIS],
    BED_TYPE: "ward bed type of the inpatient spell",
    REFERRAL_REASON: INPUTS[REFERRAL_REASON],
}
"""The inputs a person can record, by data set field, in words for the worklist."""


@dataclass(frozen=True)
class Missing:
    """One input the grouping lacks or refused, and the form that fixes it."""

    field: str
    what: str
    fix: str
    fix_label: str


@dataclass(frozen=True)
class EpisodeGroup:
    """An episode version's currency group, with what it was grouped from."""

    service_user_id: str
    episode_id: str
    episode_version: int
    team_id: int
    referral_date: date
    grouped_on: date
    age: int
    diagnosis: str | None
    team_type: str | None
    referral_reason_code: str | None
    result: GroupResult
    missing: tuple[Missing, ...]
    spell_id: str | None = None
    """Set when grouped as an inpatient spell (family 98), with its version and bed type."""
    spell_version: int | None = None
    bed_type: str | None = None

    @property
    def record_key(self) -> str:
        """The grouped record and version: episode id.version, or spell id.version for a spell."""
        if self.spell_id is not None:
            return f"{self.spell_id}.{self.spell_version}"
        return f"{self.episode_id}.{self.episode_version}"

    @property
    def needs_attention(self) -> bool:
        """Rejected, or fell to the fallback group (nothing decided it)."""
        return self.result.status != "grouped"


def age_on(born: date, on: date) -> int:
    """Whole years from birth to `on` (the currency's age rule reads whole years)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _missing(
    episode: Episode, team: Team | None, result: GroupResult, spell: InpatientSpell | None = None
) -> tuple[Missing, ...]:
    """What to record for a group to be decided: inputs not given (when nothing decided) and every
    input the tables refused (when rejected); each with the form that fixes it."""
    if result.status == "grouped":
        return ()
    episode_form = f"/currency/episodes/{episode.record_id}"
    team_form = "/admin/teams"
    links = {
        DIAGNOSIS: (episode_form, "Record the diagnosis"),
        REFERRAL_REASON: (episode_form, "Record the referral reason"),
        TEAM_TYPE: (team_form, f"Set the team type of {team.code if team else 'the team'} (admin)"),
        BED_TYPE: (f"/currency/spells/{spell.record_id}" if spell else episode_form, "Record the ward bed type"),
    }
    given = {DIAGNOSIS: episode.primary_diagnosis, TEAM_TYPE: team.team_type if team else None}
    given[REFERRAL_REASON] = episode.referral_reason_code
    given[BED_TYPE] = spell.bed_type if spell else None
    inputs = SPELL_INPUTS if spell is not None else INPUTS
    found: list[Missing] = []
    if result.status == "rejected":
        for problem in result.problems:
            fix, label = links.get(problem.field, (episode_form, "Check the episode"))
            found.append(Missing(problem.field, problem.reason, fix, label))
        return tuple(found)
    for fld, what in inputs.items():
        if given[fld] is None:
            found.append(Missing(fld, f"No {what}", *links[fld]))
    if not found:
        found.append(
            Missing(DIAGNOSIS, "Every input is recorded but none decides a group", episode_form, "Check the episode")
        )
    return tuple(found)


def group_episode(episode: Episode, born: date, team: Team | None, on: date) -> EpisodeGroup:
    """One episode version grouped as a community contact on day `on`."""
    return _grouped(episode, born, team, on)


def group_spell(spell: InpatientSpell, episode: Episode, born: date, team: Team | None, on: date) -> EpisodeGroup:
    """An inpatient spell grouped on day `on`: the episode's diagnosis and coded reason, the ward's bed type."""
    return _grouped(episode, born, team, on, spell)


def _grouped(
    episode: Episode, born: date, team: Team | None, on: date, spell: InpatientSpell | None = None
) -> EpisodeGroup:
    """A community contact (no spell: the team's type decides) or an inpatient spell (its bed type)."""
    age = age_on(born, on)
    team_type = team.team_type if team else None
    activity = Activity(
        kind="contact" if spell is None else "spell",
        age=age,
        diagnosis=episode.primary_diagnosis,
        referral_reason=episode.referral_reason_code,
        team_type=team_type if spell is None else None,  # a ward's bed type decides a spell, not the team
        bed_type=spell.bed_type if spell is not None else None,
    )
    result = group_activity(activity, currency_reference())
    return EpisodeGroup(
        service_user_id=episode.service_user_id,
        episode_id=episode.record_id,
        episode_version=episode.version,
        team_id=episode.team_id,
        referral_date=episode.referral_date,
        grouped_on=on,
        age=age,
        diagnosis=episode.primary_diagnosis,
        team_type=team_type,
        referral_reason_code=episode.referral_reason_code,
        result=result,
        missing=_missing(episode, team, result, spell),
        spell_id=spell.record_id if spell else None,
        spell_version=spell.version if spell else None,
        bed_type=spell.bed_type if spell else None,
    )


def population_group_of(group: EpisodeGroup | None) -> str:
    """The population group a caseload filters a person by (e.g. MAA), or `ungrouped` when they have
    no open episode or its grouping was rejected. The one rule for the web caseload and the API."""
    found = group.result.population_group if group else None
    return found or UNGROUPED


def _person(ctx: Context, service_user_id: str) -> ServiceUser:
    permissions.require_clinical_reader(ctx.actor)
    su = repo.current(ctx.session, ServiceUser, service_user_id)
    if su is None:
        raise NotFound("service user not found")
    permissions.require_read(ctx.actor, su.team_id)
    return su


def _teams(ctx: Context, ids: Iterable[int]) -> dict[int, Team]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {t.id: t for t in ctx.session.scalars(select(Team).where(Team.id.in_(wanted)))}


def current_group(ctx: Context, service_user_id: str) -> EpisodeGroup | None:
    """The open episode's group today, or None when the person has no open episode."""
    su = _person(ctx, service_user_id)
    found = open_groups(ctx, {su.record_id: su.date_of_birth})
    ctx.audit("read_currency", entity="episode", service_user_id=service_user_id)
    return found.get(service_user_id)


def group_history(ctx: Context, service_user_id: str) -> list[EpisodeGroup]:
    """Every version of every episode, grouped as it stood when recorded, and every version of every
    inpatient spell with its episode as it stands now; newest first."""
    su = _person(ctx, service_user_id)
    rows = list(
        ctx.session.scalars(
            select(Episode).where(Episode.service_user_id == service_user_id).order_by(Episode.row_id.desc())
        )
    )
    teams = _teams(ctx, (r.team_id for r in rows))
    found = [group_episode(r, su.date_of_birth, teams.get(r.team_id), r.recorded_at.date()) for r in rows]
    current_episodes = {r.record_id: r for r in rows if r.superseded_at is None}
    spells = ctx.session.scalars(select(InpatientSpell).where(InpatientSpell.service_user_id == service_user_id)).all()
    for spell in spells:  # grouped with its episode as the episode stands now
        episode = current_episodes.get(spell.episode_id or "")
        if episode is not None:
            on = spell.recorded_at.date()
            found.append(group_spell(spell, episode, su.date_of_birth, teams.get(episode.team_id), on))
    found.sort(key=lambda g: g.grouped_on, reverse=True)  # stable: same-day episode versions stay newest first
    ctx.audit("read_currency_history", entity="episode", service_user_id=service_user_id)
    return found


def groups_for(ctx: Context, service_user_ids: Sequence[str]) -> dict[str, EpisodeGroup]:
    """`open_groups` for people the caller has already been allowed to read (a caseload's rows)."""
    if not service_user_ids:
        return {}
    rows = ctx.session.execute(
        select(ServiceUser.record_id, ServiceUser.date_of_birth).where(
            ServiceUser.record_id.in_(service_user_ids), ServiceUser.superseded_at.is_(None)
        )
    ).all()
    return open_groups(ctx, {r.record_id: r.date_of_birth for r in rows})


def open_groups(ctx: Context, born: dict[str, date]) -> dict[str, EpisodeGroup]:
    """Each person's open episode grouped today (people without one are left out); `born` maps
    person to date of birth. Permissions are the caller's; one query for all of them."""
    if not born:
        return {}
    episodes = ctx.session.scalars(
        select(Episode)
        .where(
            Episode.service_user_id.in_(born),
            Episode.superseded_at.is_(None),
            Episode.discharge_date.is_(None),
        )
        .order_by(Episode.referral_date, Episode.row_id)
    ).all()
    teams = _teams(ctx, (e.team_id for e in episodes))
    latest: dict[str, Episode] = {}
    for episode in episodes:  # the latest referral wins, as `records.open_episode` chooses
        latest[episode.service_user_id] = episode
    spells = ctx.session.scalars(
        select(InpatientSpell)
        .where(
            InpatientSpell.service_user_id.in_(list(latest)),
            InpatientSpell.superseded_at.is_(None),
            InpatientSpell.discharged_on.is_(None),
        )
        .order_by(InpatientSpell.admitted_on, InpatientSpell.row_id)
    ).all()
    in_hospital = {s.service_user_id: s for s in spells}
    found: dict[str, EpisodeGroup] = {}
    for sid, episode in latest.items():
        team = teams.get(episode.team_id)
        spell = in_hospital.get(sid)
        if spell is not None:
            found[sid] = group_spell(spell, episode, born[sid], team, ctx.today)
        else:
            found[sid] = group_episode(episode, born[sid], team, ctx.today)
    return found
