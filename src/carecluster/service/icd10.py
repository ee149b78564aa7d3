"""The format of an ICD-10 diagnosis code, checked in one place (the episode's primary diagnosis).

Only the shape is checked (a letter, two digits, then optionally a dot and one or two characters,
as in F32, F32.1 or F20.0X); whether the code exists in a given ICD-10 edition is not.
"""

from __future__ import annotations

import re

ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?$")
EXAMPLE = "F32.1"


def normalise_icd10(value: str) -> str:
    """Upper-case, spaces removed, a missing dot put back (F321 -> F32.1); ValueError if malformed."""
    code = value.strip().upper().replace(" ", "")
    if len(code) > 3 and "." not in code:
        code = f"{code[:3]}.{code[3:]}"
    if not ICD10.match(code):
        raise ValueError(
            f"must be an ICD-10 code: a letter, two digits, then optionally a dot and 1-2 characters, for example {EXAMPLE}"
        )
    return code
