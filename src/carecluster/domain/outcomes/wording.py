"""Licensed item wording, held by the provider and never shipped in this package.

Several measures (HoNOS glossary, ReQoL, CORE-10, SWEMWBS) may only be reproduced under
licence, so the package shows short labels of its own. A provider holding a licence reads its
own wording (from a file or its database, in the service layer) and passes it here as a
mapping of item id -> text; it is checked against the definition so that a misspelt item id
fails loudly instead of silently showing our label.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from carecluster.domain.outcomes.answers import OutcomeError
from carecluster.domain.outcomes.model import Frozen, MeasureDefinition


class LocalWording(Frozen):
    """A provider's licensed wording for one measure's items."""

    measure_id: str
    texts: dict[str, str]
    source: str = Field(min_length=1, description="Where the wording came from (form version, licence).")

    @classmethod
    def for_measure(cls, definition: MeasureDefinition, texts: Mapping[object, object], source: str) -> LocalWording:
        cleaned: dict[str, str] = {}
        for key, text in texts.items():
            item_id = str(key).strip()
            if item_id not in definition.item_ids:
                raise OutcomeError(
                    f"{definition.name} wording: unknown item {key!r}; items are {', '.join(definition.item_ids)}"
                )
            if not isinstance(text, str) or not text.strip():
                raise OutcomeError(f"{definition.name} wording: item {item_id} has no text")
            cleaned[item_id] = text.strip()
        return cls(measure_id=definition.id, texts=cleaned, source=source)

    def item_text(self, definition: MeasureDefinition, item_id: str) -> str:
        """The licensed text where the provider has it, otherwise our own short label."""
        return item_text(definition, item_id, self)


def item_text(definition: MeasureDefinition, item_id: str, wording: LocalWording | None = None) -> str:
    """What to show for an item: local licensed wording if loaded, else the package's own label."""
    if wording is not None:
        if wording.measure_id != definition.id:
            raise OutcomeError(f"wording is for {wording.measure_id!r}, not {definition.id!r}")
        if item_id in wording.texts:
            return wording.texts[item_id]
    return definition.item(item_id).label
