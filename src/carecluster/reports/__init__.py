"""Audit and assurance reports: completeness, timeliness and accuracy of clustering, transitions,
outcomes and local profile drift, computed in the database (SQLAlchemy Core) for a period and a
set of teams. `build_report` is the pure entry point; `service` adds permissions and the audit trail.
"""

from carecluster.reports.build import REPORTS, build_report, measure_spec
from carecluster.reports.models import Drill, Filters, Measure, Report, Table

__all__ = ["REPORTS", "Drill", "Filters", "Measure", "Report", "Table", "build_report", "measure_spec"]
