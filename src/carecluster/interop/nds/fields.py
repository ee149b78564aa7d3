"""Table and field names of the Mental Health Services Data Set (MHSDS) clustering tables.

Names verified (2026-11-23) in NHS Digital's and NHS England's published code:
- MHS801ClusterTool: ClustId, LocalPatientId, ClustCat, AssToolCompDate, AssToolCompTime,
  ClustToolAssReason, MHCareClusterSuperClass, AMHCareClustCodeInit;
- MHS802ClusterAssess: ClustId, CodedAssToolType (a SNOMED CT concept), PersScore;
- MHS803CareCluster: ClustId, AMHCareClustCodeFin, StartDateCareClust, StartTimeCareClust,
  EndDateCareClust, EndTimeCareClust;
- MHS001MPI: LocalPatientId, NHSNumber.
Sources: github.com/NHSDigital/mental-health-monthly-statistics (MHS801ClusterTool
.AssToolCompDate, MHS802ClusterAssess.CodedAssToolType/PersScore, MHS803CareCluster
.AMHCareClustCodeFin/StartDateCareClust/EndDateCareClust, MHS001MPI.NHSNumber, ClustCat);
github.com/nhsengland/MHSDS (PreProcessing/NCDR/PreProcessing - 4 Assessments.sql joins
MHS802ClusterAssess to MHS801ClusterTool); krisjb/MHDataLearn (MHCareClusterSuperClass A/B/C/Z);
and, found in the public code index without their repository names, an MHSDS v5 model with test
fixtures (module dsp.datasets.models.mhsds_v5: ClustId, ClustCat, ClustToolAssReason,
MHCareClusterSuperClass, AMHCareClustCodeInit, StartTimeCareClust, EndTimeCareClust) and a dbt
raw-layer model of DATA_LAKE.MHSDS.MHS801ClusterTool with the same columns.

Code values verified: AMHCareClustCodeFin is an2, "00"-"21" (NHS Data Dictionary, ADULT
MENTAL HEALTH CARE CLUSTER CODE (FINAL)); MHCareClusterSuperClass A/B/C/Z (the project's decision
tree notes, after krisjb/MHDataLearn and NHS Digital). ClustCat "01" is what NHS Digital's
fixtures pair with adult cluster codes; the archived Data Dictionary page lists codes 02-06 as
other tools and its description of 01 did not survive, so "01" = adult MHCT is inferred.
Not verified: the national codes of ClustToolAssReason (the clustering event travels in our own
column; a reason a file gives is kept as given). MHCT scales 13 and A-E and scale 8's problem
type now carry the SNOMED CT concepts of the reference data (`codes.py`, listed there for MHSDS
4.1 and 5.0); MHCareClusterSuperClass is the super class of the initial (suggested) cluster.

Columns starting `cc_` are carecluster's own: what MHSDS does not carry (or carries in tables
we do not produce) but a round trip needs. They come after the MHSDS columns and may be dropped
for a national submission.
"""

from __future__ import annotations

from typing import Final

MPI: Final = "MHS001MPI"
CLUSTER_TOOL: Final = "MHS801ClusterTool"
CLUSTER_ASSESS: Final = "MHS802ClusterAssess"
CARE_CLUSTER: Final = "MHS803CareCluster"
TABLES: Final = (MPI, CLUSTER_TOOL, CLUSTER_ASSESS, CARE_CLUSTER)

MPI_COLUMNS: Final = ("LocalPatientId", "NHSNumber")
CLUSTER_TOOL_COLUMNS: Final = (
    "ClustId",
    "LocalPatientId",
    "ClustCat",
    "AssToolCompDate",
    "AssToolCompTime",
    "ClustToolAssReason",
    "MHCareClusterSuperClass",
    "AMHCareClustCodeInit",
    "cc_ClusteringEvent",
    "cc_SuperClassGiven",
    "cc_Heading",
    "cc_RaterId",
    "cc_RaterName",
    "cc_ChosenCluster",
    "cc_ChoiceReason",
    "cc_ReferenceSetId",
    "cc_ReferenceSetVersion",
)
CLUSTER_ASSESS_COLUMNS: Final = (
    "ClustId",
    "CodedAssToolType",
    "PersScore",
    "cc_ScaleCode",
    "cc_ProblemType",
    "cc_ProblemDescription",
)
CARE_CLUSTER_COLUMNS: Final = (
    "ClustId",
    "LocalPatientId",
    "AMHCareClustCodeFin",
    "MHCareClusterSuperClass",
    "StartDateCareClust",
    "EndDateCareClust",
)
"""LocalPatientId and MHCareClusterSuperClass are copied here (from MHS001/MHS801) so that a
periods file stands alone; MHSDS v5 links MHS803 to the person through ClustId."""

COLUMNS: Final = {
    MPI: MPI_COLUMNS,
    CLUSTER_TOOL: CLUSTER_TOOL_COLUMNS,
    CLUSTER_ASSESS: CLUSTER_ASSESS_COLUMNS,
    CARE_CLUSTER: CARE_CLUSTER_COLUMNS,
}
REQUIRED: Final = {
    MPI: ("LocalPatientId",),
    CLUSTER_TOOL: ("ClustId", "LocalPatientId", "ClustCat", "AssToolCompDate", "MHCareClusterSuperClass"),
    CLUSTER_ASSESS: ("ClustId", "PersScore"),
    CARE_CLUSTER: ("ClustId", "LocalPatientId", "AMHCareClustCodeFin", "StartDateCareClust"),
}
"""Columns a file must have (as headers) and rows must fill; the others may be absent or empty."""

ADULT_MHCT: Final = "01"
"""ClustCat of the adult Mental Health Clustering Tool (inferred; see the module docstring)."""
SUPER_CLASS_CODES: Final = ("A", "B", "C", "Z")
