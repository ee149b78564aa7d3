"""Shared fixtures: the built-in reference set and profiles built from a cluster's own grid."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from carecluster.reference import SCALE_CODES, ReferenceSet, builtin_reference

# Examples are timed on a shared 2-core machine: a deadline would fail on load, not on a defect.
# "ci" (the default) also prints the blob that reproduces a failure; HYPOTHESIS_PROFILE=dev
# tries more examples when looking for trouble on purpose.
settings.register_profile("ci", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ALLOCATABLE = tuple(n for n in range(1, 22) if n != 9)


@pytest.fixture(autouse=True)
def _settings_read_afresh() -> Iterator[None]:
    """Each test starts with no settings loaded, so the environment it sets is the one read."""
    from carecluster.settings import use_settings

    use_settings(None)
    yield
    use_settings(None)


@pytest.fixture(scope="session")
def reference() -> ReferenceSet:
    return builtin_reference()


@pytest.fixture(scope="session")
def confirmed_reference() -> ReferenceSet:
    """The built-in cells as if a provider had confirmed every one from the official booklet:
    the booklet's own rules with no inferred red cell (for rules that do not depend on provenance)."""
    return confirmed(builtin_reference())


def confirmed(base: ReferenceSet) -> ReferenceSet:
    """`base` with every grid's provenance set to a confirmed source (cells unchanged).

    Built directly, not through a provider file: a file claiming confirmation for cells identical
    to the inferred ones is (rightly) read as inferred by the loader.
    """
    from carecluster.reference.models import Provenance

    sure = Provenance(source="test fixture: a transcription of the official grids", confidence="high")
    grids = {n: g.model_copy(update={"provenance": sure}) for n, g in base.grids.items()}
    return base.model_copy(update={"id": "test-confirmed", "version": "1", "grids": grids})


def prototype(reference: ReferenceSet, cluster: int) -> list[int]:
    """A rating every scale of which sits in the cluster's red or orange cells (else a may cell).

    Scale 8 is rated 0 so that the higher of 7 and 8 is scale 7's rating, in the 7/8 range.
    """
    grid = reference.grids[cluster]
    values = []
    for code in SCALE_CODES:
        row = grid.cells[code]
        if code == "8":
            values.append(0)
            continue
        for wanted in ("must", "expected", "may"):
            hits = [r for r in range(5) if row[r] == wanted]
            if hits:
                values.append(hits[len(hits) // 2])
                break
        else:
            values.append(0)
    return values
