"""Turn answers as they arrive (form fields, JSON, CSV cells) into checked values per item.

Bad input is an error naming the item and the value, so that the person who typed it can put
it right; a missing answer is not an error (the questionnaire is then scored as partial).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from carecluster.domain.outcomes.model import Item, MeasureDefinition


class AnswerError(ValueError):
    """Invalid answers; `measure`, `item` and `value` say where, as RatingError does for scales."""

    def __init__(self, message: str, *, measure: str | None = None, item: str | None = None, value: object = None):
        super().__init__(message)
        self.measure = measure
        self.item = item
        self.value = value


class OutcomeError(ValueError):
    """A request that cannot be answered: unknown measure, mismatched scores, bad goal set."""


def _allowed(item: Item) -> str:
    shown = [f"{o.value} ({o.label})" for o in item.options]
    shown += [f"{v} (not known)" for v in item.not_known]
    return ", ".join(shown)


def parse_value(definition: MeasureDefinition, item: Item, value: object) -> int | None:
    """One answer: None/'' is missing; an int, a whole-number string or float, or an option's
    label (any case) is accepted when the item offers it; anything else raises AnswerError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed: int | None = None
    if isinstance(value, bool):
        parsed = None
    elif isinstance(value, int):
        parsed = value
    elif isinstance(value, float) and value.is_integer():
        parsed = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit():
            parsed = int(text)
        else:
            by_label = {o.label.casefold(): o.value for o in item.options}
            parsed = by_label.get(text.casefold())
    if parsed is None or (parsed not in item.values and parsed not in item.not_known):
        shown = value if isinstance(value, str) else repr(value)
        raise AnswerError(
            f"{definition.name} item {item.id} ({item.label}): {shown} is not an answer; use {_allowed(item)}",
            measure=definition.id,
            item=item.id,
            value=value,
        )
    return parsed


def parse_answers(definition: MeasureDefinition, answers: Mapping[Any, object]) -> dict[str, int | None]:
    """All answers by item id (keys may be ints or strings); unknown items raise AnswerError.

    The result has every item of the definition; missing ones map to None.
    """
    if not isinstance(answers, Mapping):
        raise AnswerError(
            f"{definition.name}: answers must be a mapping of item id to answer, got {type(answers).__name__}",
            measure=definition.id,
        )
    known = set(definition.item_ids)
    parsed: dict[str, int | None] = dict.fromkeys(definition.item_ids)
    for key, value in answers.items():
        item_id = str(key).strip()
        if item_id not in known:
            raise AnswerError(
                f"{definition.name}: unknown item {key!r}; items are {', '.join(definition.item_ids)}",
                measure=definition.id,
                item=item_id,
                value=value,
            )
        parsed[item_id] = parse_value(definition, definition.item(item_id), value)
    return parsed
