"""Count CPU instructions per allocation under callgrind: repeatable on a shared, noisy machine.

Run: valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python \
       benchmarks/allocate_instructions.py --samples N
twice (N and 0) and divide the difference in "Collected" instructions by N; or run this script
without valgrind and with --measure, which does exactly that and prints instructions per call.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def run(samples: int, nines: bool) -> None:
    from allocate import sample

    from carecluster import builtin_reference
    from carecluster.domain.allocation import allocate

    reference = builtin_reference()
    cases = sample(max(samples, 200), nines=nines)
    for values, super_class in cases[:200]:  # warm every cache a running service has warm
        allocate(values, super_class, reference)
    for values, super_class in cases[:samples]:
        allocate(values, super_class, reference)


def measure(samples: int, nines: bool) -> float:
    """Instructions per allocation: the difference between `samples` calls and none."""
    counts = []
    for n in (samples, 0):
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                sys.executable,
                __file__,
                "--samples",
                str(n),
                *([] if nines else ["--no-nines"]),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        found = re.search(r"Collected : (\d+)", done.stderr)
        assert found, done.stderr[-2000:]
        counts.append(int(found.group(1)))
    return (counts[0] - counts[1]) / samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--no-nines", action="store_true")
    parser.add_argument("--measure", action="store_true", help="run under callgrind and print instructions per call")
    args = parser.parse_args()
    if args.measure:
        label = "without 9s" if args.no_nines else "with 9s"
        print(f"callgrind: {measure(args.samples, not args.no_nines):,.0f} instructions per allocation ({label})")
    else:
        run(args.samples, not args.no_nines)


if __name__ == "__main__":
    main()
