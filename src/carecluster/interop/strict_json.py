"""JSON from outside, read so that no document can crash the reader.

Python's `json` module recurses once per level of nesting, so 400 KB of `[[[...` raised
RecursionError (a 500 from the FHIR endpoint); and it accepts `NaN`, `Infinity` and numbers
such as `1e400` that become infinite floats, which no FHIR element allows and which break
arithmetic and serialisation further on. `loads` refuses both with a ValueError naming the
fault and where it is, before anything else reads the document.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
"""Far deeper than any FHIR resource carecluster reads (a Bundle's answers nest about ten deep)."""
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class JsonRefusedError(ValueError):
    """A JSON document carecluster will not read, and why."""


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _check_depth(text: str, max_depth: int) -> None:
    """Count brackets outside strings (a linear scan, no recursion)."""
    unquoted = _STRING.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', text)
    depth = 0
    for match in _BRACKET.finditer(unquoted):
        depth += 1 if match.group() in "[{" else -1
        if depth > max_depth:
            raise JsonRefusedError(
                f"nested more than {max_depth} levels deep (line {_line_of(text, match.start())}, "
                f"character {match.start() + 1})"
            )


def _constant(name: str) -> Any:
    raise JsonRefusedError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonRefusedError(f"the number {text[:40]} is too large to represent")
    return value


def loads(data: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `data` as strict JSON: bounded nesting, finite numbers only; JsonRefusedError otherwise
    (ValueError, as `json.loads` raises for malformed text)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    _check_depth(text, max_depth)
    return json.loads(text, parse_constant=_constant, parse_float=_finite)
