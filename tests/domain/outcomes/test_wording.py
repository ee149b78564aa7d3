"""Licensed wording is loaded by the provider, checked against the definition, never shipped."""

from __future__ import annotations

import pytest

from carecluster.domain.outcomes import CORE10, REQOL10, LocalWording, OutcomeError, item_text


def test_local_wording_replaces_our_labels_where_given() -> None:
    wording = LocalWording.for_measure(CORE10, {1: "  Licensed text for item one  "}, source="CORE-10 form, local copy")
    assert wording.item_text(CORE10, "1") == "Licensed text for item one"
    assert item_text(CORE10, "2", wording) == "Someone to turn to for support"  # our own label
    assert item_text(CORE10, "2") == "Someone to turn to for support"


def test_wording_for_unknown_items_or_blank_text_is_refused() -> None:
    with pytest.raises(OutcomeError, match="CORE-10 wording: unknown item '12'"):
        LocalWording.for_measure(CORE10, {"12": "text"}, source="x")
    with pytest.raises(OutcomeError, match="item 3 has no text"):
        LocalWording.for_measure(CORE10, {"3": " "}, source="x")


def test_wording_of_another_measure_is_refused() -> None:
    wording = LocalWording.for_measure(REQOL10, {"1": "text"}, source="ReQoL licence")
    with pytest.raises(OutcomeError, match="wording is for 'reqol10', not 'core10'"):
        item_text(CORE10, "1", wording)
