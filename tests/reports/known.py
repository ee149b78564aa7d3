"""The known population of the measure tests: ten service users in two teams, period 2026-01-01
to 2026-06-30. Each person is there for a reason, written beside them; the tests state every
numerator and denominator that follows."""

from __future__ import annotations

from datetime import date

from carecluster.reports import Filters
from carecluster.store.db import Database
from tests.reports.population import Population, honos

D = date
PERIOD = Filters(date_from=D(2026, 1, 1), date_to=D(2026, 6, 30))


def build_known(db: Database) -> Population:
    with db.transaction() as session:
        p = Population(session)
        p.team("A")
        p.team("B")
        p.person("c1", "clinician", "A")
        p.person("c2", "clinician", "B")
        p.person("lead", "team_lead", "A")
        p.person("auditor", "auditor")

        # S1: referred in the period, clustered (4) at the first assessment, transfer re-clustering,
        # review in time with an override (suggested 5, kept 4); HoNOS 20 -> 10 (reliable improvement).
        p.su("S1", "A", "c1")
        e1 = p.episode("S1", D(2026, 2, 1))
        _, a = p.assess("S1", D(2026, 2, 3), honos(20), suggested=4, chosen=4, rater="c1", episode=e1)
        p.period("S1", a, 4, D(2026, 2, 3))
        p.assess(
            "S1", D(2026, 4, 1), honos(15), suggested=4, chosen=4, rater="c1", episode=e1, event="transfer", previous=4
        )
        s1r, _ = p.assess(
            "S1",
            D(2026, 5, 1),
            honos(10),
            suggested=5,
            chosen=4,
            rater="c1",
            episode=e1,
            event="planned_review",
            previous=4,
            reason="clinical judgement",
            why=("differs",),
        )
        review = p.review("S1", D(2026, 5, 1), 4, "c1", s1r)
        p.amend(review, reason="corrected")  # a second version: still one review

        # S2: first assessment unclustered (two 9s), clustered 11 at the second (its allocation
        # amended from 12 to 11), an unclustered admission rating (three 9s: no valid HoNOS),
        # a review choosing 10 against a red rule, a rare move; HoNOS 12 -> 22 (reliably worse).
        p.su("S2", "A", "c1")
        e2 = p.episode("S2", D(2026, 3, 1))
        p.assess("S2", D(2026, 3, 5), honos(12, nines=2), suggested=11, chosen=None, rater="c1", episode=e2)
        _, a = p.assess("S2", D(2026, 3, 20), honos(14), suggested=11, chosen=12, rater="c1", episode=e2)
        a = p.amend(a, chosen_cluster=11)
        p.period("S2", a, 11, D(2026, 3, 20))
        p.assess(
            "S2",
            D(2026, 4, 10),
            honos(9, nines=3),
            suggested=11,
            chosen=None,
            rater="c1",
            episode=e2,
            event="admission",
        )
        s2r, _ = p.assess(
            "S2",
            D(2026, 6, 1),
            honos(22),
            suggested=12,
            chosen=10,
            rater="c1",
            episode=e2,
            event="planned_review",
            previous=11,
            reason="relapse",
            why=("differs", "red", "rare"),
        )
        p.review("S2", D(2026, 6, 1), 11, "c1", s2r)

        # S3: on the caseload, but the cluster period ended before the period's end.
        p.su("S3", "A", "c1")
        e3 = p.episode("S3", D(2025, 6, 1))
        _, a = p.assess("S3", D(2025, 6, 10), honos(8), suggested=7, chosen=7, rater="c1", episode=e3)
        p.period("S3", a, 7, D(2025, 6, 10), D(2026, 5, 1))

        # S4: team B; clustered 1 at the first assessment (one 9; overridden without a reason),
        # reviewed 4 days late (12-week interval), discharged with a discharge clustering (1 -> 2).
        p.su("S4", "B", "c2")
        e4 = p.episode("S4", D(2026, 1, 10), D(2026, 4, 15))
        _, a = p.assess(
            "S4",
            D(2026, 1, 12),
            honos(16, nines=1),
            suggested=2,
            chosen=1,
            rater="c2",
            episode=e4,
            reason="",
            why=("differs",),
        )
        p.period("S4", a, 1, D(2026, 1, 12), D(2026, 4, 15))
        p.review("S4", D(2026, 4, 10), 1, "c2")
        p.assess(
            "S4",
            D(2026, 4, 15),
            honos(12),
            suggested=2,
            chosen=2,
            rater="c2",
            episode=e4,
            event="discharge",
            previous=1,
        )

        # S5: referred in the period, never assessed.
        p.su("S5", "B", "c2")
        p.episode("S5", D(2026, 5, 1))

        # S6: discharged in the period without a discharge clustering.
        p.su("S6", "B", "c2")
        e6 = p.episode("S6", D(2025, 1, 1), D(2026, 2, 1))
        _, a = p.assess("S6", D(2025, 1, 5), honos(8), suggested=12, chosen=12, rater="c2", episode=e6)
        p.period("S6", a, 12, D(2025, 1, 5), D(2026, 2, 1))

        # S7: cluster 14 since 2025-01-10, never reviewed: overdue since 2025-02-08, episode (12 weeks) exceeded.
        p.su("S7", "A", "c1")
        e7 = p.episode("S7", D(2025, 1, 1))
        _, a = p.assess("S7", D(2025, 1, 10), honos(8), suggested=14, chosen=14, rater="c1", episode=e7)
        p.period("S7", a, 14, D(2025, 1, 10))

        # S8: cluster 3 since 2025-08-31: 6 months later is 28 February (clamped), so the review of
        # 1 March is one day late; episode (4-6 months) exceeded.
        p.su("S8", "B", "c2")
        e8 = p.episode("S8", D(2025, 8, 1))
        _, a = p.assess("S8", D(2025, 8, 31), honos(8), suggested=3, chosen=3, rater="c2", episode=e8)
        p.period("S8", a, 3, D(2025, 8, 31))
        p.review("S8", D(2026, 3, 1), 3, "c2")

        # S9: cluster 0 (variance) chosen at the first assessment.
        p.su("S9", "B", "c2")
        e9 = p.episode("S9", D(2026, 2, 10))
        _, a = p.assess("S9", D(2026, 2, 12), honos(6), suggested=0, chosen=0, rater="c2", episode=e9)
        p.period("S9", a, 0, D(2026, 2, 12))

        # S10: imported: no episode, cluster 9 recorded against a suggestion of 8.
        p.su("S10", "A", "c1")
        p.assess("S10", D(2026, 3, 3), honos(5), suggested=8, chosen=9, rater="c1", reason="imported", why=("differs",))
    return p
