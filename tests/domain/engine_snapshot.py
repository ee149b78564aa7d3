"""Seeded profiles for the engine snapshot: every result's full JSON, hashed, pinned before a speed-up.

A speed-up of the single-record engine must not change one character of what it returns. The
snapshot file holds, per profile, a short hash of `model_dump_json()` (suggestion, status,
candidates with findings, questions, warnings, explanation, confidence) or of the error raised;
it was generated with the engine as it stood before the issue-23 work (engine 2026.12).

Regenerate only when a change of behaviour is intended and reviewed:
    .venv/bin/python -m tests.domain.engine_snapshot --write
"""

from __future__ import annotations

import argparse
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from carecluster.domain.allocation import allocate
from carecluster.reference import SCALE_CODES, ReferenceSet, builtin_reference

SNAPSHOT = Path(__file__).with_name("engine_snapshot.txt")
SEED = 2326
COUNT = 3000
CONFIRMED_COUNT = 1000
SUPER_CLASSES = [None, "non-psychotic", "psychotic", "organic"]


@dataclass(frozen=True)
class Profile:
    ratings: list[object] | tuple[object, ...] | str
    super_class: str | None
    heading: str | None
    within: list[int] | None
    facts: dict[str, str] | None
    problem_type: str | None

    def describe(self) -> str:
        return (
            f"ratings={self.ratings!r} super_class={self.super_class!r} heading={self.heading!r} "
            f"within={self.within!r} facts={self.facts!r} problem_type={self.problem_type!r}"
        )


def _prototype(reference: ReferenceSet, cluster: int, rng: random.Random) -> list[int]:
    """A rating inside (or near) a cluster's red and orange cells, so that the suggested, tied
    and question-asking paths are met as often as the excluded ones."""
    grid = reference.grids[cluster]
    values = []
    for code in SCALE_CODES:
        row = grid.cells[code]
        hits = [r for r in range(5) if row[r] in ("must", "expected")] or [r for r in range(5) if row[r] == "may"]
        value = rng.choice(hits) if hits else 0
        if rng.random() < 0.15:
            value = max(0, min(4, value + rng.choice((-1, 1))))
        values.append(value)
    return values


def confirmed(reference: ReferenceSet) -> ReferenceSet:
    """The set with every grid's red cells read as confirmed: no inferred rule, so the paths where
    a cluster is excluded outright (and cluster 0, variance, is suggested) are met too."""
    grids = {
        n: grid.model_copy(update={"provenance": grid.provenance.model_copy(update={"confidence": "high"})})
        for n, grid in reference.grids.items()
    }
    return reference.model_copy(update={"grids": grids, "id": "confirmed-test"})


def profiles(reference: ReferenceSet, count: int = COUNT, seed: int = SEED) -> Iterator[Profile]:
    rng = random.Random(seed)
    inferred = [n for n in reference.allocatable_clusters if reference.grids[n].inferred_red_scales]
    tree = reference.decision_tree
    headings = [(sc.id, h.id) for sc in tree.super_classes for h in sc.headings]
    fact_ids = [f.id for f in tree.facts]
    clusters = list(reference.allocatable_clusters)
    for _ in range(count):
        if rng.random() < 0.5:
            values = _prototype(reference, rng.choice(clusters), rng)
        else:  # as rated in practice, uniform, mild, or extreme (where every cluster may be breached)
            weights = rng.choice(([0, 0, 0, 1, 1, 2, 2, 3, 4], [0, 1, 2, 3, 4], [0, 0, 0, 0, 1, 1, 2], [0, 3, 4, 4]))
            values = [rng.choice(weights) for _ in SCALE_CODES]
        nine_rate = rng.choice((0.0, 0.0, 0.05, 0.1, 0.25, 0.6))
        values = [9 if rng.random() < nine_rate else v for v in values]
        problem_type = rng.choice("ABCDEFGHI") if values[7] not in (0, 9) and rng.random() < 0.5 else None
        super_class = rng.choice(SUPER_CLASSES)
        heading = None
        roll = rng.random()
        if roll < 0.2:
            sc, heading = rng.choice(headings)
            super_class = sc if rng.random() < 0.5 else None
        elif roll < 0.22:
            _, heading = rng.choice(headings)  # perhaps against the super class: an error to report
        within = None
        if rng.random() < 0.08:
            within = sorted(rng.sample(clusters, rng.randint(1, 6)))
        facts = None
        if rng.random() < 0.2:
            facts = {}
            for ident in rng.sample(fact_ids, rng.randint(1, 2)):
                facts[ident] = rng.choice(("yes", "no"))
            for number in rng.sample(inferred, min(len(inferred), rng.randint(0, 2))):
                facts[f"inferred_cluster_{number}"] = rng.choice(("yes", "no"))
        ratings: list[object] | tuple[object, ...] | str = list(values)
        shape = rng.random()
        if shape < 0.1:
            ratings = ",".join(str(v) for v in values)
        elif shape < 0.15:
            ratings = tuple(values)
        elif shape < 0.18:  # shapes the plain-int path must pass on to full checking
            odd: list[object] = list(values)
            odd[rng.randrange(len(odd))] = rng.choice((True, 1.0, "2", 5, -1, None))
            ratings = odd
        yield Profile(ratings, super_class, heading, within, facts, problem_type)


def serialised(reference: ReferenceSet, profile: Profile) -> str:
    """The whole contract of one allocation, or the error it raised, as text."""
    from carecluster.domain.ratings import Ratings

    try:  # the ratings as given, or (with a problem type) as a Ratings
        given = profile.ratings if profile.problem_type is None else Ratings.of(profile.ratings, profile.problem_type)
        result = allocate(
            given,
            profile.super_class,
            reference,
            heading=profile.heading,
            within=profile.within,
            facts=profile.facts,
        )
        return result.model_dump_json()
    except ValueError as error:
        return f"error {type(error).__name__}: {error}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def digests(reference: ReferenceSet) -> list[str]:
    """The built-in set's profiles, then those of the same set with every red cell confirmed."""
    strict = confirmed(reference)
    return [digest(serialised(reference, profile)) for profile in profiles(reference)] + [
        digest(serialised(strict, profile)) for profile in profiles(strict, CONFIRMED_COUNT, SEED + 1)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"(re)write {SNAPSHOT.name}")
    args = parser.parse_args()
    found = digests(builtin_reference())
    if args.write:
        SNAPSHOT.write_text("\n".join(found) + "\n")
        print(f"wrote {len(found)} digests to {SNAPSHOT}")
    else:
        pinned = SNAPSHOT.read_text().split()
        differ = sum(a != b for a, b in zip(found, pinned, strict=True))
        print(f"{differ} of {len(found)} profiles differ from {SNAPSHOT.name}")


if __name__ == "__main__":
    main()
