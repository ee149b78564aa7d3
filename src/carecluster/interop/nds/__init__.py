"""The Mental Health Services Data Set's clustering tables (MHS801, MHS802, MHS803 and MHS001).

`rows` turns records into rows and back (for the database layer), `files` adds CSV files.
"""

from carecluster.interop.nds.files import NdsData, export_tables, import_tables, read_directory, write_directory
from carecluster.interop.nds.rows import (
    NdsError,
    assessment_rows,
    assignment_period_rows,
    cluster_tool_rows,
    patient_rows,
    periods_from_rows,
    records_from_rows,
)

__all__ = [
    "NdsData",
    "NdsError",
    "assessment_rows",
    "assignment_period_rows",
    "cluster_tool_rows",
    "export_tables",
    "import_tables",
    "patient_rows",
    "periods_from_rows",
    "read_directory",
    "records_from_rows",
    "write_directory",
]
