"""Synthetic demo data: teams, one user of each role, and service users with assessment,
allocation and review histories across every cluster. No real people: names are drawn from
lists of common words, and NHS numbers come from the 999 test range, which is never issued.

Records are written through the same use cases as the API, so every demo history obeys the
same rules (reasons, assignment periods, versions, audit trail) as real data.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from carecluster.api import allocate as api_allocate
from carecluster.domain.protocols import review as engine_review
from carecluster.domain.results import AllocationResult
from carecluster.domain.schedule import ClusteringEvent, add_duration
from carecluster.reference.models import SCALE_CODES, ReferenceSet
from carecluster.service import records, spells
from carecluster.service.context import Context
from carecluster.service.errors import Invalid
from carecluster.service.nhs import synthetic_nhs_numbers
from carecluster.service.outcome_schemas import GoalIn, OutcomeIn
from carecluster.service.outcomes import record_outcome
from carecluster.service.schemas import (
    AssessmentIn,
    EpisodeAmend,
    EpisodeIn,
    ReviewIn,
    ServiceUserAmend,
    ServiceUserIn,
    SuperClass,
)
from carecluster.service.security import Actor, hash_password
from carecluster.service.spell_schemas import SpellIn
from carecluster.store.db import Database, now
from carecluster.store.models import ServiceUser, Team, User, UserTeam
from carecluster.store.repository import append_audit

DEMO_PASSWORD = "carecluster-demo"
"""The documented default password of the four demo logins (override with --password)."""

DEMO_USERS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("demo.clinician", "Demo Clinician", "clinician", ("CMHT-N",)),
    ("demo.teamlead", "Demo Team Lead", "team_lead", ("CMHT-N", "CMHT-S")),
    ("demo.auditor", "Demo Auditor", "auditor", ()),
    ("demo.admin", "Demo Admin", "admin", ()),
)
TEAMS: tuple[tuple[str, str], ...] = (
    ("CMHT-N", "Community Mental Health Team North"),
    ("CMHT-S", "Community Mental Health Team South"),
    ("EIP", "Early Intervention in Psychosis"),
    ("OACMHT", "Older Adults Community Mental Health Team"),
    ("CRHT", "Crisis Resolution and Home Treatment"),
    ("PCMH", "Primary Care Mental Health"),
)
TEAM_TYPES = {"CMHT-N": "A06", "CMHT-S": "A06", "EIP": "A14", "OACMHT": "A07", "CRHT": "A02", "PCMH": "A05"}
"""Each demo team's service team type (ServTeamTypeRefToMH), which the currency's team tier reads."""
CURRENCY_INPUTS: dict[str, tuple[tuple[str, str], ...]] = {
    "non-psychotic": (("F32.1", "04"), ("F41.1", "05"), ("F60.3", "14"), ("F43.1", "11")),
    "psychotic": (("F20.0", "02"), ("F31.2", "03"), ("F23.1", "01")),
    "organic": (("F01.9", "08"), ("F00.1", "08")),
}
"""(primary diagnosis, referral reason code) pairs a demo episode draws from, by super class."""
SPELL_EVERY = 5
"""Every fifth demo person, when in the psychotic super class, has an inpatient spell."""
CURRENCY_GAPS = 0.25
"""About this share of demo episodes lack the diagnosis or the coded reason (the ICBs report about a
quarter of activity ungrouped), so the data-quality worklist has something to show."""
GIVEN = [
    "Alex",
    "Sam",
    "Jo",
    "Robin",
    "Charlie",
    "Morgan",
    "Jamie",
    "Taylor",
    "Casey",
    "Riley",
    "Avery",
    "Quinn",
    "Rowan",
    "Sasha",
    "Jordan",
    "Ellis",
    "Harper",
    "Kit",
    "Logan",
    "Reese",
    "Drew",
    "Frankie",
    "Hayden",
    "Lee",
    "Marley",
    "Nico",
    "Parker",
    "Remy",
    "Sage",
    "Toni",
]
FAMILY = [
    "Ash",
    "Birch",
    "Brook",
    "Cedar",
    "Clay",
    "Dale",
    "Field",
    "Ford",
    "Glen",
    "Hale",
    "Heath",
    "Hill",
    "Holt",
    "Lake",
    "Lane",
    "Marsh",
    "Mead",
    "Moor",
    "Oak",
    "Park",
    "Reed",
    "Ridge",
    "Rowe",
    "Shaw",
    "Stone",
    "Thorne",
    "Vale",
    "Wells",
    "West",
    "Wood",
]
TEAM_FOR_SUPER_CLASS = {"non-psychotic": ("CMHT-N", "CMHT-S", "PCMH"), "psychotic": ("EIP", "CMHT-N", "CMHT-S", "CRHT")}


PATIENT_RATED = ("reqol10", "dialog", "swemwbs", "core10")
"""The patient-rated measures, taken in turn: each person answers one at the start and later."""
GOAL_MEASURES = ("gbo", "gas")
DEMO_GOALS = (
    ("walk", "Walk to the shops on my own"),
    ("sleep", "Sleep through most nights"),
    ("work", "Return to part-time work"),
    ("friends", "See a friend each week"),
)
OUTCOME_SHARE = 0.7
"""Most, not all, people have outcome measures: the outcomes report shows both."""
LOCAL_HABITS: dict[int, tuple[str, float]] = {3: ("7", 0.7), 11: ("11", 0.7), 4: ("9", 0.7)}
"""Drift to find: in these clusters the demo's clinicians rate one scale outside the grid's red
and orange cells this often, a local habit the drift report should flag (with enough ratings)."""
TRANSFER_EVERY = 12
"""Every twelfth person in CMHT-N (the third, the fifteenth, ...) is moved to CMHT-S by the team
lead who works in both: counted, not drawn, so even a small demo has transfers."""


@dataclass
class DemoSummary:
    teams: int
    users: int
    service_users: int
    assessments: int
    reviews: int
    outcomes: int = 0
    transfers: int = 0


def prototype(reference: ReferenceSet, cluster: int, rng: random.Random, noise: float) -> list[int]:
    """Ratings inside the cluster's red and orange cells (else a yellow one), with some noise."""
    grid = reference.grids[cluster]
    values: list[int] = []
    for code in SCALE_CODES:
        row = grid.cells[code]
        if code == "8":
            values.append(0)
            continue
        for wanted in ("must", "expected", "may"):
            hits = [r for r in range(5) if row[r] == wanted]
            if hits:
                values.append(rng.choice(hits))
                break
        else:
            values.append(0)
        if rng.random() < noise and row[values[-1]] != "must":
            values[-1] = min(4, max(0, values[-1] + rng.choice((-1, 1))))
    habit = LOCAL_HABITS.get(cluster)
    if habit is not None and rng.random() < habit[1]:
        index, row = SCALE_CODES.index(habit[0]), grid.cells[habit[0]]
        outside = [r for r in range(5) if row[r] not in ("must", "expected")]
        if outside:
            values[index] = max(outside)
    if rng.random() < 0.05:
        values[rng.randrange(len(values))] = 9  # a scale not known, as happens
    return values


def _ensure_staff(db: Database, password: str, rng: random.Random) -> dict[str, list[Actor]]:
    """Teams, the four demo logins, and a few synthetic clinicians per team (who cannot log in)."""
    with db.transaction() as session:
        if session.scalar(select(User.id).where(User.username == "demo.admin")) is not None:
            raise RuntimeError("demo data exists already in this database")
        teams: dict[str, Team] = {}
        for code, name in TEAMS:
            team = Team(code=code, name=name, team_type=TEAM_TYPES.get(code), created_at=now())
            session.add(team)
            teams[code] = team
        session.flush()
        demo_hash = hash_password(password)
        unusable = hash_password(f"no-login-{rng.random()}")
        clinicians: dict[str, list[Actor]] = {code: [] for code in teams}

        def add(username: str, full_name: str, role: str, codes: tuple[str, ...], pw_hash: str) -> None:
            user = User(
                username=username,
                full_name=full_name,
                role=role,
                password_hash=pw_hash,
                active=True,
                failed_logins=0,
                created_at=now(),
            )
            session.add(user)
            session.flush()
            for code in codes:
                session.add(UserTeam(user_id=user.id, team_id=teams[code].id))
            if role in ("clinician", "team_lead"):
                actor = Actor(user.id, username, role, frozenset(teams[c].id for c in codes))
                for code in codes:
                    clinicians[code].append(actor)

        for username, full_name, role, codes in DEMO_USERS:
            add(username, full_name, role, codes, demo_hash)
        for code in teams:
            for index in range(3):
                given, family = rng.choice(GIVEN), rng.choice(FAMILY)
                add(f"{code.lower()}.clinician{index + 1}", f"{given} {family}", "clinician", (code,), unusable)
        append_audit(
            session,
            user_id=None,
            username="carecluster demo-data",
            role=None,
            action="demo_data",
            detail=f"created {len(teams)} teams and demo users",
        )
    return clinicians


def _team_for(reference: ReferenceSet, cluster: int, rng: random.Random) -> str:
    sc = reference.cluster(cluster).super_class
    if sc == "organic":
        return "OACMHT"
    return rng.choice(TEAM_FOR_SUPER_CLASS.get(sc, ("CMHT-N",)))


def _episode_in(referral: date, super_class: str, rng: random.Random) -> EpisodeIn:
    """A demo referral with the currency inputs, or (about a quarter of the time) without one of them.
    Its own random stream, so the rest of the demo data does not change with it."""
    inputs = rng.choice(CURRENCY_INPUTS.get(super_class, CURRENCY_INPUTS["non-psychotic"]))
    diagnosis: str | None = inputs[0]
    reason: str | None = inputs[1]
    gap = rng.random()
    if gap < CURRENCY_GAPS / 2:
        diagnosis = None
    elif gap < CURRENCY_GAPS:
        diagnosis, reason = None, None
    return EpisodeIn(referral_date=referral, primary_diagnosis=diagnosis, referral_reason_code=reason)


def _demo_spell(ctx: Context, service_user_id: str, referral: date, today: date, index: int) -> None:
    """An admission a few days after referral: over after four weeks, unless it began in the last
    90 days (then still open, so the record and caseload show an inpatient group); bed types
    alternate acute and PICU."""
    admitted = min(today, referral + timedelta(days=3))
    discharged = admitted + timedelta(days=28) if admitted < today - timedelta(days=90) else today
    spells.create_spell(
        ctx,
        service_user_id,
        SpellIn(
            admitted_on=admitted,
            discharged_on=discharged if discharged < today else None,
            bed_type="200" if (index // SPELL_EVERY) % 2 == 0 else "202",
        ),
    )


def _answer_all(questions: list[str], rng: random.Random) -> dict[str, bool | None]:
    return {q: rng.random() < 0.5 for q in questions}


def _super_class_of(reference: ReferenceSet, cluster: int) -> SuperClass:
    """The super class a demo assessment of an allocatable cluster is rated under."""
    match reference.cluster(cluster).super_class:
        case "non-psychotic" | "psychotic" | "organic" as super_class:
            return super_class
        case other:
            raise ValueError(f"cluster {cluster} has super class {other!r}: not one an assessment is rated under")


def create_demo_data(
    db: Database,
    reference: ReferenceSet,
    service_users: int,
    *,
    password: str = DEMO_PASSWORD,
    seed: int = 20261123,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    rng = random.Random(seed)
    today = today or date.today()
    clinicians = _ensure_staff(db, password, rng)
    with db.transaction(write=False) as session:
        taken = set(session.scalars(select(ServiceUser.nhs_number)))
    numbers = synthetic_nhs_numbers(rng, service_users, exclude=taken)
    targets = list(reference.allocatable_clusters)
    assessments = reviews = outcomes = transfers = north = 0
    for index, nhs_number in enumerate(numbers):
        target = targets[index % len(targets)]
        team = _team_for(reference, target, rng)
        actor = rng.choice(clinicians[team])
        sc = _super_class_of(reference, target)
        age = rng.randint(66, 95) if sc == "organic" else rng.randint(14 if target == 10 else 18, 80)
        referral = today - timedelta(days=rng.randint(20, 1100))
        with db.transaction() as session:
            ctx = Context(session=session, actor=actor, reference=reference, client="demo-data", today=today)
            su = records.create_service_user(
                ctx,
                ServiceUserIn(
                    nhs_number=nhs_number,
                    name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                    date_of_birth=referral - timedelta(days=age * 365 + rng.randint(0, 364)),
                    team_id=next(iter(actor.team_ids)),
                    clinician_id=actor.user_id,
                ),
            )
            episode = records.create_episode(ctx, su.id, _episode_in(referral, sc, random.Random(seed + index)))
            if sc == "psychotic" and index % SPELL_EVERY == 0:
                _demo_spell(ctx, su.id, referral, today, index)
            assessed = min(today, referral + timedelta(days=rng.randint(3, 21)))
            ratings = prototype(reference, target, rng, noise=0.15)
            suggestion = api_allocate(ratings, sc, reference)
            chosen, reason = suggestion.suggested_cluster, None
            if chosen == 0 or rng.random() < 0.08:
                chosen, reason = target, "Clinical judgement at initial assessment: presentation fits this cluster."
            created = records.create_assessment(
                ctx,
                su.id,
                AssessmentIn(
                    ratings=ratings,
                    super_class=sc,
                    assessed_on=assessed,
                    clustering_event=ClusteringEvent.initial_assessment,
                    chosen_cluster=chosen,
                    reason=reason or _reason_if_needed(ctx, suggestion, ratings, chosen),
                ),
            )
            assessments += 1
            takes_measures = rng.random() < OUTCOME_SHARE
            if takes_measures:
                outcomes += _demo_outcomes(ctx, su.id, index, assessed, rng, first=True)
            current, since = created.allocation.chosen_cluster, assessed
            assert current is not None  # the demo always makes the choice (chosen_cluster above)
            for _ in range(rng.randint(0, 4)):
                interval = reference.cluster(current).review_interval
                if interval is None:
                    break
                due = add_duration(since, interval)
                reviewed_on = due + timedelta(days=rng.randint(-14, 10))
                if reviewed_on > today or rng.random() < 0.12:
                    break  # not yet due, or left overdue: caseloads show both
                reviews += _demo_review(ctx, su.id, current, reviewed_on, rng)
                assessments += 1
                now_cluster = records.current_cluster(ctx, su.id)
                if now_cluster is None:
                    break
                current, since = now_cluster, reviewed_on
            later = min(today, max(since, assessed + timedelta(days=rng.randint(42, 120))))
            if takes_measures and later > assessed and records.open_episode(ctx, su.id) is not None:
                outcomes += _demo_outcomes(ctx, su.id, index, later, rng, first=False)
            moved = 0
            if team == "CMHT-N":
                north += 1
                if north % TRANSFER_EVERY == 3:
                    moved = _demo_transfer(ctx, su.id, su.team_id, clinicians)
                    transfers += moved
            # A transferred person now belongs to a team this clinician may not write to: keep them
            # open (tested last, so the random stream - and every other demo person - is unchanged).
            if records.current_cluster(ctx, su.id) is not None and rng.random() < 0.05 and not moved:
                records.amend_episode(
                    ctx,
                    episode.id,
                    EpisodeAmend(
                        amend_reason="Discharged to primary care",
                        discharge_date=min(today, since + timedelta(days=7)),
                        discharge_reason="Recovered: discharged to GP care",
                    ),
                )
        if progress is not None:
            progress(index + 1)
    return DemoSummary(
        teams=len(TEAMS),
        users=len(DEMO_USERS) + 3 * len(TEAMS),
        service_users=len(numbers),
        assessments=assessments,
        reviews=reviews,
        outcomes=outcomes,
        transfers=transfers,
    )


def _demo_outcomes(ctx: Context, service_user_id: str, index: int, on: date, rng: random.Random, *, first: bool) -> int:
    """One patient-rated measure and one goal measure; at the later date also the Friends and
    Family Test. Later answers lean better than the first, as most people's do."""
    from carecluster.domain.outcomes import MEASURES

    lean = 0.0 if first else 0.35
    patient = MEASURES[PATIENT_RATED[index % len(PATIENT_RATED)]]
    answers: dict[str, int] = {}
    for item in patient.items:
        values = sorted(option.value for option in item.options)
        better_high = (
            patient.direction != "higher_is_worse"
        ) != item.reverse_scored  # raw high answer is the better one
        pick = rng.random() * (1 - lean) + (lean if better_high else 0)
        answers[item.id] = int(values[min(len(values) - 1, int(pick * len(values)))])
    record_outcome(ctx, service_user_id, OutcomeIn(measure_id=patient.id, administered_on=on, answers=answers))
    goal_measure = MEASURES[GOAL_MEASURES[index % len(GOAL_MEASURES)]]
    goals = [DEMO_GOALS[(index + k) % len(DEMO_GOALS)] for k in range(2)]
    options = sorted(option.value for option in goal_measure.items[0].options)
    start = 0 if goal_measure.id == "gas" else len(options) // 4
    goal_answers = {
        goal_id: options[min(len(options) - 1, start + (0 if first else rng.randint(1, len(options) // 2)))]
        for goal_id, _text in goals
    }
    record_outcome(
        ctx,
        service_user_id,
        OutcomeIn(
            measure_id=goal_measure.id,
            administered_on=on,
            answers=goal_answers,
            goals=[GoalIn(id=goal_id, description=text) for goal_id, text in goals] if first else None,
        ),
    )
    if first:
        return 2
    experience = MEASURES["fft"].items[0]
    choice = rng.choices(
        sorted(o.value for o in experience.options), weights=[45, 30, 10, 5, 3, 1][: len(experience.options)]
    )[0]
    record_outcome(
        ctx, service_user_id, OutcomeIn(measure_id="fft", administered_on=on, answers={experience.id: choice})
    )
    return 3


def _demo_transfer(ctx: Context, service_user_id: str, team_id: int, clinicians: dict[str, list[Actor]]) -> int:
    """Move the person from CMHT-N to CMHT-S, done by a lead who works in both teams."""
    with_ids = {a.user_id: a for a in clinicians["CMHT-S"]}
    lead = next((a for a in clinicians["CMHT-N"] if a.user_id in with_ids and a.role == "team_lead"), None)
    receiving = next((a for a in clinicians["CMHT-S"] if a.role == "clinician"), None)
    if lead is None or receiving is None:
        return 0
    team_s = next(iter(receiving.team_ids))
    if team_id == team_s:
        return 0  # already in the south team (the lead who booked them in works in both)
    moved = Context(session=ctx.session, actor=lead, reference=ctx.reference, client="demo-data", today=ctx.today)
    records.amend_service_user(
        moved,
        service_user_id,
        ServiceUserAmend(
            amend_reason="Transferred to the south team on moving house", team_id=team_s, clinician_id=receiving.user_id
        ),
    )
    return 1


def _reason_if_needed(
    ctx: Context, suggestion: AllocationResult, ratings: list[int], chosen: int, previous: int | None = None
) -> str | None:
    from carecluster.domain.ratings import Ratings
    from carecluster.service.allocation_rules import reasons_required

    why = reasons_required(suggestion, Ratings.of(ratings), chosen, previous, ctx.reference)
    return "Clinical judgement: " + "; ".join(w["text"] for w in why) if why else None


def _demo_review(ctx: Context, service_user_id: str, current: int, on: date, rng: random.Random) -> int:
    reference = ctx.reference
    transitions = reference.cluster(current).transitions
    moves = [n for n in (transitions.step_down + transitions.similar if transitions else ()) if n != 0]
    drift = rng.choice(moves) if moves and rng.random() < 0.3 else current
    ratings = prototype(reference, drift, rng, noise=0.2)
    first = engine_review(current, ratings, reference, on=on)
    facts = _answer_all([q.id for q in first.questions], rng)
    result = engine_review(current, ratings, reference, facts=facts, on=on)
    options = [s.cluster for s in result.suggested_clusters if s.cluster not in (0, 9)]
    chosen = options[0] if result.outcome in ("step_up", "step_down") and options else current
    result = engine_review(current, ratings, reference, facts=facts, on=on, chosen_cluster=chosen)
    sc = reference.cluster(chosen).super_class
    suggestion = api_allocate(ratings, sc if sc in ("non-psychotic", "psychotic", "organic") else None, reference)
    why = result.reason_required_because if result.reason_required else []
    extra = _reason_if_needed(ctx, suggestion, ratings, chosen, current)
    reason = "Clinical judgement at review: " + "; ".join([*why, extra or ""]).strip("; ") if why or extra else None
    body = ReviewIn(
        ratings=ratings,
        super_class=suggestion.super_class_given,
        reviewed_on=on,
        facts=facts,
        chosen_cluster=chosen,
        reason=reason,
    )
    try:
        records.create_review(ctx, service_user_id, body)
    except Invalid as error:  # asked for a reason (e.g. a criterion held over months): give one, as a clinician would
        body = body.model_copy(update={"reason": f"Clinical judgement at review ({error.errors[0][1]})"[:4000]})
        records.create_review(ctx, service_user_id, body)
    if result.outcome == "discharge":
        episode = records.open_episode(ctx, service_user_id)
        if episode is not None:
            records.amend_episode(
                ctx,
                episode.record_id,
                EpisodeAmend(
                    amend_reason="Discharged after review",
                    discharge_date=on,
                    discharge_reason="Discharge criteria met at review",
                ),
            )
    return 1
