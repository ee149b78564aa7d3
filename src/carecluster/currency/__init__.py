"""The 2026/27 mental health currency (resource groups) beside the cluster: reference tables,
the pure grouping cascade, a vectorised form for files and data frames. No database, no web."""

from carecluster.currency.frame import group_frame
from carecluster.currency.reference import (
    CurrencyReference,
    CurrencyReferenceError,
    available_versions,
    currency_reference,
    load_tables,
)
from carecluster.currency.rules import Activity, GroupResult, Problem, group_activity

__all__ = [
    "Activity",
    "CurrencyReference",
    "CurrencyReferenceError",
    "GroupResult",
    "Problem",
    "available_versions",
    "currency_reference",
    "group_activity",
    "group_frame",
    "load_tables",
]
