"""The Python API for analysts and the other layers of carecluster.

>>> import carecluster
>>> result = carecluster.allocate("0,1,0,0,0,0,3,2,2,1,0,1,0,0,0,0,1,1", super_class="non-psychotic")
>>> result.suggested_cluster
4
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence

from carecluster.domain import allocation as _allocation
from carecluster.domain import protocols as _protocols
from carecluster.domain import schedule as _schedule
from carecluster.domain.protocols import PastAssessment, ReviewResult
from carecluster.domain.ratings import Ratings
from carecluster.domain.results import AllocationResult
from carecluster.domain.schedule import ScheduleResult
from carecluster.reference.loader import load_reference
from carecluster.reference.models import ReferenceSet


def resolve_reference(reference: ReferenceSet | str | os.PathLike[str] | None) -> ReferenceSet:
    """A ReferenceSet as given, a provider file's path, or the default (env var, else built-in)."""
    if isinstance(reference, ReferenceSet):
        return reference
    return load_reference(reference)


def allocate(
    ratings: Ratings | Sequence[object] | Mapping[str, object] | str,
    super_class: str | None = None,
    reference: ReferenceSet | str | os.PathLike[str] | None = None,
    *,
    heading: str | None = None,
    facts: Mapping[str, object] | None = None,
) -> AllocationResult:
    """Suggest a care cluster for one MHCT rating, ranked and explained, with its status and questions.

    `ratings`: 18 values in scale order (1-13, A-E), a mapping by scale code, or "0,1,...".
    `super_class`: the clinician's decision-tree answer (non-psychotic, psychotic, organic).
    `reference`: a ReferenceSet or a provider file; default `$CARECLUSTER_REFERENCE` or built-in.
    `heading`: optionally the decision tree's next heading (e.g. "B3" or "Psychotic crisis").
    `facts`: answers to the result's questions, `{"first_presentation_psychosis": "no"}`.
    """
    return _allocation.allocate(ratings, super_class, resolve_reference(reference), heading=heading, facts=facts)


def review(
    current_cluster: int,
    ratings: Ratings | Sequence[object] | Mapping[str, object] | str,
    *,
    facts: Mapping[str, object] | None = None,
    history: Sequence[PastAssessment | Mapping[str, object]] | None = None,
    on: dt.date | None = None,
    chosen_cluster: int | None = None,
    reference: ReferenceSet | str | os.PathLike[str] | None = None,
) -> ReviewResult:
    """Apply the current cluster's care transition protocol to a new MHCT rating.

    `facts`: the clinician's answers (yes / no / unknown, or True / False / None) by question id.
    `history`: earlier ratings as {"date", "ratings", "cluster"} for criteria held over months.
    `on`: the review date (needed for criteria held over months).
    `chosen_cluster`: the clinician's choice, to learn its likelihood and whether a reason is due.
    """
    return _protocols.review(
        current_cluster,
        ratings,
        resolve_reference(reference),
        facts=facts,
        history=history or (),
        on=on,
        chosen_cluster=chosen_cluster,
    )


def schedule(
    cluster: int,
    allocated: dt.date,
    on: dt.date | None = None,
    reference: ReferenceSet | str | os.PathLike[str] | None = None,
) -> ScheduleResult:
    """When the next review of an allocation is due, and whether it (or the episode) is overrun on `on`."""
    return _schedule.schedule(cluster, allocated, resolve_reference(reference), on)


def allocate_frame(
    df: object,
    super_class: str | None = None,
    reference: ReferenceSet | str | os.PathLike[str] | None = None,
    **options: object,
) -> object:
    """Allocate every row of a Polars or pandas data frame (see `carecluster.batch.frame`).

    Imported on first use, so `import carecluster` does not pay for Polars and Arrow.
    """
    from carecluster.batch.frame import allocate_frame as frame_allocate

    return frame_allocate(df, super_class, reference, **options)  # type: ignore[arg-type]
