"""The built-in reference set against the booklet text it was taken from."""

from __future__ import annotations

import pytest

from carecluster.reference import SCALE_CODES, ReferenceSet
from carecluster.reference.models import RATINGS
from tests.conftest import ALLOCATABLE

# "Cluster reviews at least every" and "Indicative episode of care", from each protocol page.
BOOKLET_REVIEW_AND_EPISODE = {
    0: ("6 months", None),
    1: ("12 weeks", "8-12 weeks"),
    2: ("15 weeks", "12-15 weeks"),
    3: ("6 months", "4-6 months"),
    4: ("6 months", "6-12 months"),
    5: ("6 months", "1-3 years"),
    6: ("6 months", "3 years +"),
    7: ("1 year", "3 years +"),
    8: ("1 year", "3 years +"),
    10: ("1 year", "3 years"),
    11: ("1 year", "2 years +"),
    12: ("1 year", "3 years +"),
    13: ("1 year", "3 years +"),
    14: ("4 weeks", "8-12 weeks"),
    15: ("4 weeks", "8-12 weeks"),
    16: ("6 months", "3 years +"),
    17: ("6 months", "3 years +"),
    18: ("1 year", "3 years +"),
    19: ("6 months", "3 years +"),
    20: ("6 months", "3 years +"),
    21: ("6 months", "3 years +"),
}


def spread(*parts: int | tuple[int, int]) -> tuple[int, ...]:
    out: list[int] = []
    for part in parts:
        out.extend(range(part[0], part[1] + 1) if isinstance(part, tuple) else [part])
    return tuple(n for n in out if n != 9)  # the booklet's ranges such as 1-18 skip the unused 9


# The transition lists of each protocol page (the current cluster itself left out).
BOOKLET_TRANSITIONS = {
    1: (spread((2, 6), 8, 10, 18), (), (), spread(7, (11, 17), (19, 21))),
    2: (spread((3, 6), 8, 10, 18), (), (), spread(1, 7, (11, 17), (19, 21))),
    3: (spread((4, 6), 8, 10), (), (2,), spread(1, 7, (11, 17), (18, 21))),
    4: (spread(5, 6, 8, 10), (), (3, 7), spread(1, 2, (11, 17), (18, 21))),
    5: (spread(6, 8, 10, 14, 15), (), (7,), spread((1, 4), (11, 13), 16, 17, (18, 21))),
    6: (spread(8, 10, 14, 15), (), (7,), spread((1, 5), (11, 13), 16, 17, (18, 21))),
    7: ((8, 10), (), (), spread((1, 6), (11, 17), (18, 21))),
    8: ((14, 15), (10, 16), spread(6, 7, 12, 13, 17), spread((1, 5), 11, (18, 21))),
    10: ((14, 15), (8,), spread((11, 13), 16, 17, 18), spread((1, 7), (19, 21))),
    11: (spread((12, 17)), (18,), (), spread((1, 8), 10, (19, 21))),
    12: (spread(8, (13, 17)), (19,), (11,), spread((1, 7), 10, 18, 20, 21)),
    13: (spread(8, (14, 17)), (), (11, 12, 19), spread((1, 7), 10, 18, 20, 21)),
    14: ((), (15,), spread((3, 6), 8, 10, 12, 13, (16, 19)), spread(1, 2, 7, 11, 20, 21)),
    15: ((), (14,), spread((3, 8), 10, 12, 13, (16, 19)), spread(1, 2, 11, 20, 21)),
    16: ((14, 15), (8,), spread((11, 13), 17, 19), spread((1, 7), 10, 18, 20, 21)),
    17: (spread(8, 14, 15, 16), (), spread((11, 13), 19), spread((1, 7), 10, 18, 20, 21)),
    18: (spread((19, 21)), (), (), spread((1, 17))),
    19: ((20, 21), (), (), spread((1, 18))),
    20: ((21,), (), (19,), spread((1, 18))),
    21: ((), (), (19, 20), spread((1, 18))),
}

SUPER_CLASS = {**dict.fromkeys(range(1, 9), "non-psychotic"), **dict.fromkeys(range(10, 18), "psychotic")}
SUPER_CLASS |= dict.fromkeys(range(18, 22), "organic")


def test_identity_names_the_set_and_says_the_grids_are_inferred(reference: ReferenceSet) -> None:
    assert reference.id == "carecluster-builtin"
    assert reference.version
    assert "inferred" in reference.name


def test_mhct_has_18_scales_in_order_with_guides(reference: ReferenceSet) -> None:
    assert tuple(s.code for s in reference.mhct.scales) == SCALE_CODES
    assert [s.part for s in reference.mhct.scales] == ["current"] * 13 + ["historical"] * 5
    assert [s.honos_item for s in reference.mhct.scales[:12]] == list(range(1, 13))
    assert all(s.honos_item is None for s in reference.mhct.scales[12:])
    for scale in reference.mhct.scales:
        assert len(scale.guide) == 5
        assert all(text.strip() for text in scale.guide), scale.code
    types = reference.mhct.problem_types
    assert [p.code for p in types] == list("ABCDEFGHIJ")
    assert [p.code for p in types if p.needs_description] == ["J"]


def test_every_allocatable_cluster_has_a_full_grid(reference: ReferenceSet) -> None:
    assert sorted(reference.grids) == list(ALLOCATABLE)
    for number, grid in reference.grids.items():
        assert set(grid.cells) == set(SCALE_CODES), number
        for code in SCALE_CODES:
            assert len(grid.cells[code]) == len(RATINGS)
        assert grid.cells["7"] == grid.cells["8"], number
        assert any("must" in row for row in grid.cells.values()), f"cluster {number} has no red cell"
        assert grid.provenance.confidence == "low"


def test_cluster_9_exists_but_is_never_allocatable(reference: ReferenceSet) -> None:
    assert reference.cluster(9).allocatable is False
    assert 9 not in reference.allocatable_clusters
    assert 9 not in reference.grids
    assert reference.cluster(0).super_class == "variance"


@pytest.mark.parametrize("number", sorted(BOOKLET_REVIEW_AND_EPISODE))
def test_review_interval_and_episode_match_the_booklet(reference: ReferenceSet, number: int) -> None:
    review, episode = BOOKLET_REVIEW_AND_EPISODE[number]
    cluster = reference.cluster(number)
    assert str(cluster.review_interval) == review
    if episode is None:
        assert cluster.indicative_episode is None
    else:
        assert cluster.indicative_episode is not None
        assert cluster.indicative_episode.text.replace(" ", "") == episode.replace(" ", "")


@pytest.mark.parametrize("number", sorted(BOOKLET_TRANSITIONS))
def test_transition_lists_match_the_booklet(reference: ReferenceSet, number: int) -> None:
    step_up, similar, step_down, rare = BOOKLET_TRANSITIONS[number]
    transitions = reference.cluster(number).transitions
    assert transitions is not None
    assert transitions.step_up == step_up
    assert transitions.similar == similar
    assert transitions.step_down == step_down
    assert transitions.rare == rare
    assert transitions.discharge is True
    listed = [*step_up, *similar, *step_down, *rare]
    assert len(listed) == len(set(listed)), "a cluster appears in two lists"
    assert number not in listed
    assert 9 not in listed


@pytest.mark.parametrize("number", ALLOCATABLE)
def test_super_class_matches_the_booklet_and_the_decision_tree(reference: ReferenceSet, number: int) -> None:
    assert reference.cluster(number).super_class == SUPER_CLASS[number]
    assert number in reference.decision_tree.super_class(SUPER_CLASS[number]).clusters


def test_clusters_carry_descriptions_and_diagnoses(reference: ReferenceSet) -> None:
    for number in ALLOCATABLE:
        cluster = reference.cluster(number)
        assert cluster.description
        assert cluster.likely_diagnoses, number
    assert any(d.code == "F20-F29" for d in reference.cluster(14).likely_diagnoses)
    assert any(d.code.startswith("F00") for d in reference.cluster(18).likely_diagnoses)


def test_decision_tree_headings_cover_each_super_class(reference: ReferenceSet) -> None:
    tree = reference.decision_tree
    assert [sc.id for sc in tree.super_classes] == ["non-psychotic", "psychotic", "organic"]
    assert [sc.code for sc in tree.super_classes] == ["A", "B", "C"]
    super_class, heading = tree.heading("B3")
    assert super_class.id == "psychotic"
    assert heading.clusters == (14, 15)
    assert tree.heading("psychotic crisis")[1].id == "B3"
