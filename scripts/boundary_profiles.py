"""Print what the engine says on the boundary of each pair of neighbouring clusters (a table for
the closing note and the clinician guide): `.venv/bin/python scripts/boundary_profiles.py`."""

from __future__ import annotations

from carecluster import builtin_reference
from carecluster.domain.allocation import allocate
from carecluster.domain.boundaries import boundary_profile, neighbour_pairs


def main() -> None:
    reference = builtin_reference()
    print("| pair | profile (1-13, A-E) | super class | suggested | status | questions |")
    print("|---|---|---|---|---|---|")
    for a, b in neighbour_pairs(reference):
        values = boundary_profile(reference, a, b)
        super_class = reference.cluster(a).super_class
        result = allocate(values, super_class, reference)
        asked = ", ".join(q.id for q in result.questions) or "-"
        profile = ",".join(map(str, values))
        print(f"| {a}/{b} | {profile} | {super_class} | {result.suggested_cluster} | {result.status} | {asked} |")


if __name__ == "__main__":
    main()
