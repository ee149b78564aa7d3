"""Every result of 4000 seeded profiles is byte-for-byte what the engine gave before the issue-23
speed-ups (see `engine_snapshot`): suggestions, findings, questions, warnings and wording."""

from __future__ import annotations

from carecluster.domain.allocation import allocate
from carecluster.domain.ratings import Ratings
from carecluster.reference import builtin_reference
from tests.domain.engine_snapshot import (
    CONFIRMED_COUNT,
    COUNT,
    SEED,
    SNAPSHOT,
    confirmed,
    digest,
    profiles,
    serialised,
)


def test_every_profile_serialises_as_pinned() -> None:
    reference = builtin_reference()
    pinned = SNAPSHOT.read_text().split()
    assert len(pinned) == COUNT + CONFIRMED_COUNT
    cases = [(reference, p) for p in profiles(reference)]
    strict = confirmed(reference)
    cases += [(strict, p) for p in profiles(strict, CONFIRMED_COUNT, SEED + 1)]
    differ = []
    for number, ((ref, profile), expected) in enumerate(zip(cases, pinned, strict=True)):
        if digest(serialised(ref, profile)) != expected:
            differ.append(f"#{number} ({ref.id}): {profile.describe()}")
    assert not differ, f"{len(differ)} results changed, first: " + "; ".join(differ[:3])


def test_the_explanation_read_first_gives_the_same_contract() -> None:
    """The detail is built lazily: reading the explanation (a partial candidate list) before the
    whole contract must not change the contract."""
    reference = builtin_reference()
    for profile in list(profiles(reference, 300, SEED + 2)):
        whole = serialised(reference, profile)
        if whole.startswith("error"):
            continue
        result = allocate(
            Ratings.of(profile.ratings, profile.problem_type),
            profile.super_class,
            reference,
            heading=profile.heading,
            within=profile.within,
            facts=profile.facts,
        )
        assert result.explanation  # read first: builds only the candidates it shows
        assert result.model_dump_json() == whole
