"""Example MHCT profiles for the demo: invented people, not real service users."""

from __future__ import annotations

DEMO_PROFILES: tuple[tuple[str, str, str | None], ...] = (
    ("Severe depression with self-harm thoughts", "0,2,0,0,0,0,3,2,2,1,0,1,0,0,0,0,1,1", "non-psychotic"),
    ("Mild anxiety after a life event", "0,0,0,0,0,0,1,2,1,0,0,0,0,0,0,0,0,0", "non-psychotic"),
    ("Acute psychotic episode", "2,1,1,1,0,4,2,1,3,3,2,3,0,3,0,1,2,3", "psychotic"),
    ("Psychosis with heavy substance misuse", "2,1,4,1,1,3,2,1,3,3,2,3,0,3,0,1,3,3", "psychotic"),
    ("Early dementia, coping at home", "0,0,0,1,1,0,1,1,1,1,0,1,0,0,0,0,1,1", "organic"),
    ("Same early dementia, super class not given", "0,0,0,1,1,0,1,1,1,1,0,1,0,0,0,0,1,1", None),
    ("Incomplete rating (scale 6 not known)", "0,0,0,0,0,9,1,1,1,1,0,1,0,0,0,0,0,1", "psychotic"),
)
