"""Errors that tell an integrator what is wrong and where, as a FHIR OperationOutcome.

An electronic patient record that posts a malformed resource needs a machine-readable answer
naming the faulty element (a FHIRPath expression such as
`QuestionnaireResponse.item[6].answer[0].valueCoding`), not a stack trace. Every problem found
is collected, so one round trip fixes them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fhir.resources.R4B.operationoutcome import OperationOutcome

IssueCode = Literal[
    "invalid",
    "structure",
    "value",
    "required",
    "not-supported",
    "business-rule",
    "login",
    "forbidden",
    "not-found",
    "conflict",
    "processing",
]
"""Codes of FHIR's IssueType value set (http://hl7.org/fhir/issue-type) that we use."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem: what is wrong (diagnostics) and where (expression: FHIRPath or file:line:field)."""

    diagnostics: str
    expression: str | None = None
    code: IssueCode = "invalid"
    severity: Literal["error", "warning"] = "error"

    def as_fhir(self) -> dict[str, Any]:
        issue: dict[str, Any] = {"severity": self.severity, "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = [self.expression]
        return issue

    def __str__(self) -> str:
        return f"{self.expression}: {self.diagnostics}" if self.expression else self.diagnostics


def operation_outcome(issues: list[Issue]) -> OperationOutcome:
    """A FHIR R4 OperationOutcome listing every issue."""
    return OperationOutcome.model_validate(
        {"resourceType": "OperationOutcome", "issue": [issue.as_fhir() for issue in issues]}
    )


class InteropError(ValueError):
    """A resource or file that cannot be imported; `issues` say what and where."""

    def __init__(self, issues: list[Issue]) -> None:
        if not issues:
            raise ValueError("InteropError needs at least one issue")
        self.issues = list(issues)
        first = str(issues[0])
        more = f" (and {len(issues) - 1} more problem(s))" if len(issues) > 1 else ""
        super().__init__(first + more)

    @property
    def operation_outcome(self) -> OperationOutcome:
        return operation_outcome(self.issues)

    def outcome_json(self, indent: int | None = 2) -> str:
        return self.operation_outcome.model_dump_json(indent=indent)
