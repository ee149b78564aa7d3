"""The calibration's proof at the issue's size: 50,000 simulated allocations from a known grid set.

Draws a history from the built-in grids (the hidden set), derives a set from it with the
default thresholds, and prints the share of the hidden red cells recovered and the agreement of
the two sets' suggestions on 20,000 fresh simulated profiles, against the goals (95% each), then
how both fall as the rater noise and the share of clinicians who choose otherwise rise.

    .venv/bin/python scripts/calibration_simulation.py [--records 50000] [--seed 7]
"""

from __future__ import annotations

import argparse

from carecluster.batch.schema import ALLOCATED, RATING_COLUMNS
from carecluster.calibrate.counts import tally
from carecluster.calibrate.derive import as_reference, derive
from carecluster.calibrate.recovery import red_recovery, suggestion_agreement
from carecluster.calibrate.simulate import draw_profiles, simulate_history
from carecluster.reference import ReferenceSet, builtin_reference

GOAL = 0.95
FRESH = 20_000
DEFAULTS = {"noise": 0.02, "not_known": 0.02, "other_choice": 0.03}


def run(hidden: ReferenceSet, records: int, seed: int, **knobs: float) -> tuple[float, int, int, float]:
    history = simulate_history(hidden, records, seed=seed, **knobs)
    codes = history.select(RATING_COLUMNS).to_numpy().T
    counts = tally(codes, history[ALLOCATED].to_numpy())
    derived = as_reference(derive(counts, hidden, provider="simulation", id="simulated", version="1"), hidden)
    red = red_recovery(hidden, derived)
    _, fresh = draw_profiles(hidden, FRESH, seed=seed + 1000, noise=knobs["noise"], not_known=knobs["not_known"])
    return red.share, red.hidden - red.recovered, red.invented, suggestion_agreement(hidden, derived, fresh)


def verdict(value: float) -> str:
    return "MET" if value >= GOAL else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    hidden = builtin_reference()
    share, missed, invented, agree = run(hidden, args.records, args.seed, **DEFAULTS)
    print(f"hidden grid set: {hidden.label}; {args.records:,} simulated allocations; {DEFAULTS}")
    print(f"red cells recovered: {share:.1%} ({missed} missed, {invented} invented)   goal >= 95%: {verdict(share)}")
    print(f"suggestions agree on {FRESH:,} fresh profiles: {agree:.1%}   goal >= 95%: {verdict(agree)}")
    print("\nrater noise (each rating moved one step with this probability):")
    print(f"{'noise':>7} {'red recovered':>14} {'invented':>9} {'agreement':>10}")
    for noise in (0.0, 0.02, 0.05, 0.1, 0.2, 0.3):
        s, _, inv, a = run(hidden, args.records, args.seed, **{**DEFAULTS, "noise": noise})
        print(f"{noise:>7.2f} {s:>14.1%} {inv:>9d} {a:>10.1%}")
    print("\nclinicians choosing another cluster of the same super class:")
    print(f"{'share':>7} {'red recovered':>14} {'invented':>9} {'agreement':>10}")
    for other in (0.0, 0.03, 0.1, 0.2):
        s, _, inv, a = run(hidden, args.records, args.seed, **{**DEFAULTS, "other_choice": other})
        print(f"{other:>7.2f} {s:>14.1%} {inv:>9d} {a:>10.1%}")


if __name__ == "__main__":
    main()
