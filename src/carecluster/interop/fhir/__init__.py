"""FHIR R4 (UK Core conventions) with the fhir.resources R4B models (FHIR 4.3, R4-compatible here).

- `mhct_questionnaire(reference)`: the MHCT v3.1 Questionnaire;
- `to_bundle(record, reference)`: a transaction Bundle (Patient, QuestionnaireResponse, 18 scale
  Observations, the cluster Observation), idempotent to re-post;
- `to_questionnaire_response(record, reference)`;
- `from_resource(json, reference)`, `from_bundle`, `from_questionnaire_response`: back to an
  AssessmentRecord, or an InteropError carrying an OperationOutcome.
"""

from carecluster.interop.fhir.export import to_bundle, to_questionnaire_response
from carecluster.interop.fhir.parse import from_bundle, from_questionnaire_response, from_resource
from carecluster.interop.fhir.questionnaire import mhct_questionnaire

__all__ = [
    "from_bundle",
    "from_questionnaire_response",
    "from_resource",
    "mhct_questionnaire",
    "to_bundle",
    "to_questionnaire_response",
]
