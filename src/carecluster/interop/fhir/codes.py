"""Code systems, identifier systems and canonical URLs used in carecluster's FHIR resources.

Only SNOMED CT concepts found in a published source are used; everything else is in code
systems of our own under CANONICAL_BASE, which is a reserved `.example` domain so that nobody
mistakes it for a national one. A deployment that publishes its own definitions replaces it.

SNOMED CT sources (checked 2026-11-23):
- HoNOS working age adults rating scale 1-12 score concepts (UK extension, observable
  entities): NHS Digital, Mental Health Bulletin reference data
  (github.com/NHSDigital/mental-health-bulletin, mental-health-bulletin-main/mh_bulletin/
  mh_bulletin/setup/Reference Data.py, table MH_ASS: tool "HoNOS Working Age Adults", preferred
  term and Active_Concept_ID_SNOMED); and NHS Digital, Mental Health Monthly Statistics
  (github.com/NHSDigital/mental-health-monthly-statistics, Mental_Health_Monthly_Statistics/
  menh_analysis/notebooks/01_Prepare/1.Main_monthly_prep.py), which counts the same twelve codes as CodedAssToolType values of
  MHS802ClusterAssess, i.e. as MHCT scales 1-12 in the national data set.
- MHCT scales 13 and A-E: the "Mental Health Clustering Tool Summary Assessments of Risk and
  Need rating 13/A-E score" concepts of the MHSDS code reference data (see
  `interop/nds/codes.py`). No SNOMED CT concepts for the scale 8 problem types or for the care
  cluster were found with their meanings; they use our code systems only.
"""

from __future__ import annotations

from typing import Final

from carecluster.settings import DEFAULT_FHIR_BASE_URL, current_settings

BASE_URL_SETTING: Final = "CARECLUSTER_FHIR_BASE_URL"
"""Environment setting naming the deployment's FHIR base (its code systems and identifier systems
sit under it); its value comes from carecluster.settings."""
DEFAULT_BASE_URL: Final = DEFAULT_FHIR_BASE_URL


def fhir_base_url() -> str:
    """The FHIR base URL in force: `$CARECLUSTER_FHIR_BASE_URL` without a trailing slash, else the
    reserved `.example` default. Read once at import, so every resource in a run agrees."""
    return current_settings().fhir_base_url


CANONICAL_BASE: Final = fhir_base_url()

QUESTIONNAIRE_URL: Final = f"{CANONICAL_BASE}/Questionnaire/mhct-v3.1"
QUESTIONNAIRE_VERSION: Final = "3.1"

# --- our code systems ------------------------------------------------------------------------
MHCT_SCALE: Final = f"{CANONICAL_BASE}/CodeSystem/mhct-scale"
"""Scale codes 1-13, A-E (as on the MHCT form)."""
MHCT_RATING: Final = f"{CANONICAL_BASE}/CodeSystem/mhct-rating"
"""Answer codes 0-4, and 9 = not known."""
MHCT_PROBLEM_TYPE: Final = f"{CANONICAL_BASE}/CodeSystem/mhct-problem-type"
"""Scale 8 problem types A-J."""
CARE_CLUSTER: Final = f"{CANONICAL_BASE}/CodeSystem/care-cluster"
"""Codes 00-21: the national codes of ADULT MENTAL HEALTH CARE CLUSTER CODE (FINAL), NHS Data
Dictionary (www.datadictionary.nhs.uk/data_elements/adult_mental_health_care_cluster_code__final_.html);
no published FHIR code system for them was found, so they are carried in ours."""
SUPER_CLASS: Final = f"{CANONICAL_BASE}/CodeSystem/care-cluster-super-class"
"""A non-psychotic, B psychotic, C organic, Z variance/not known (MHSDS MHCareClusterSuperClass)."""
CLUSTERING_EVENT: Final = f"{CANONICAL_BASE}/CodeSystem/clustering-event"
OBSERVATION_CODE: Final = f"{CANONICAL_BASE}/CodeSystem/carecluster-observation"
"""Codes of carecluster's own observations and components (cluster, suggestion, reference set)."""

# --- identifier systems ----------------------------------------------------------------------
NHS_NUMBER: Final = "https://fhir.nhs.uk/Id/nhs-number"
"""UK Core's identifier system for the NHS number."""
LOCAL_PATIENT_ID: Final = f"{CANONICAL_BASE}/Id/local-patient-id"
ASSESSMENT_ID: Final = f"{CANONICAL_BASE}/Id/assessment"
RATER_ID: Final = f"{CANONICAL_BASE}/Id/rater"

# --- HL7 and SNOMED CT -------------------------------------------------------------------------
SNOMED: Final = "http://snomed.info/sct"
DATA_ABSENT_REASON: Final = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
NOT_KNOWN_REASON: Final = "asked-unknown"
"""MHCT 9: the rater looked for the information and does not know (FHIR data-absent-reason
'asked-unknown', a child of 'unknown'). Import also accepts 'unknown' and 'temp-unknown'."""
NOT_KNOWN_REASONS: Final = frozenset({"unknown", "asked-unknown", "temp-unknown"})
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"

HONOS_SNOMED: Final[dict[str, tuple[str, str]]] = {
    "1": ("979641000000103", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 1 score - overactive, aggressive, disruptive or agitated behaviour"),
    "2": ("979651000000100", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 2 score - non-accidental self-injury"),
    "3": ("979661000000102", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 3 score - problem drinking or drug-taking"),
    "4": ("979671000000109", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 4 score - cognitive problems"),
    "5": ("979681000000106", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 5 score - physical illness or disability problems"),
    "6": ("979691000000108", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 6 score - problems associated with hallucinations and delusions"),
    "7": ("979701000000108", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 7 score - problems with depressed mood"),
    "8": ("979711000000105", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 8 score - other mental and behavioural problems"),
    "9": ("979721000000104", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 9 score - problems with relationships"),
    "10": ("979731000000102", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 10 score - problems with activities of daily living"),
    "11": ("979741000000106", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 11 score - problems with living conditions"),
    "12": ("979751000000109", "HoNOS (Health of the Nation Outcome Scales) for working age adults rating scale 12 score - problems with occupation and activities"),
}  # fmt: skip
"""MHCT scales 1-12 are the HoNOS items: scale code -> (SNOMED CT concept id, preferred term)."""


def _summary_snomed() -> dict[str, tuple[str, str]]:
    """MHCT scales 13 and A-E: the summary assessment concepts of the MHSDS code reference data
    (`interop/nds/data/mhsds_assessment_codes.csv`, with their source)."""
    from carecluster.interop.nds.codes import builtin_codes

    table = builtin_codes()
    found = {scale: table.code_for("mhct", scale) for scale in ("13", "A", "B", "C", "D", "E")}
    return {scale: (code.concept_code, code.term) for scale, code in found.items() if code is not None}


MHCT_SUMMARY_SNOMED: Final[dict[str, tuple[str, str]]] = _summary_snomed()
"""MHCT scales 13 and A-E -> (SNOMED CT concept id, term), from the reference data."""
SCALE_SNOMED: Final = {**HONOS_SNOMED, **MHCT_SUMMARY_SNOMED}
"""Every MHCT scale with a SNOMED CT concept."""
SCALE_BY_SNOMED: Final = {concept: scale for scale, (concept, _) in SCALE_SNOMED.items()}

NOT_KNOWN_DISPLAY: Final = "Not known"
