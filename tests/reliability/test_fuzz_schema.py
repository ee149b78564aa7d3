"""Schemathesis against the served OpenAPI schema, with all of its checks: for every operation,
generated requests (valid and invalid) never get a 5xx, every status, media type and header
answered is documented, answers match their schemas, invalid data is refused and valid data
accepted.

Runs on both databases against a server of its own (generated requests create users, teams and
records at random, so they must not share state with other tests). Bounded: a handful of examples
per operation, no deadline per example, the whole run a few tens of seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies import SearchStrategy
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)
from schemathesis.config import PositiveDataAcceptanceConfig

from tests.http.conftest import Api
from tests.reliability.conftest import serve

EXAMPLES = 5
ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "412", "422", "428", "429"]
"""What a schema-valid request may get. Besides success and refusals by role or record: 409, 412
and 428 depend on the records' state, and 422 on facts no JSON Schema can state (a team that does
not exist, an NHS number's check digit, a date in the future); 400 on the FHIR import for a resource
that is an object with a resourceType but not valid FHIR (the FHIR specification is the schema)."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    missing_required_header,
    ignored_auth,
    unsupported_method,
    use_after_free,
    ensure_resource_availability,
]
# Operations left out, and why: signing out would end the token the run uses, and a random
# change of a user could deactivate or demote it. Both are covered by the access matrix.
EXCLUDED = {("DELETE", "/api/v1/session"), ("PATCH", "/api/v1/users/{user_id}")}
ADMIN_PATHS = ("/api/v1/users", "/api/v1/teams", "/api/v1/audit")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_live(request: pytest.FixtureRequest) -> Iterator[Api]:
    yield from serve(request.param, "fuzz_tests")


def _checker(strategy: SearchStrategy[schemathesis.Case], base_url: str, token: str) -> Callable[[], None]:
    """One bounded Hypothesis run over an operation's generated cases."""

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case) -> None:
        headers = {**(case.headers or {}), "Authorization": token}
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

    return check


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_server_errors_and_responses_match_the_schema(fuzz_live: Api, mode: str) -> None:
    """Every operation, driven by Hypothesis through schemathesis's strategies (the schemathesis
    pytest plugin does not support pytest 9 yet, so the loop over operations is ours)."""
    schema = schemathesis.openapi.from_url(f"{fuzz_live.base_url}/openapi.json")
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(expected_statuses=ACCEPTED)
    generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    failures: list[str] = []
    operations = tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in EXCLUDED:
            continue
        operations += 1
        who = "admin" if operation.path.startswith(ADMIN_PATHS) else "clin_a"
        token = fuzz_live.as_(who).headers["Authorization"]
        check = _checker(operation.as_strategy(generation_mode=generation), fuzz_live.base_url, token)
        try:
            check()
            tested += 1
        except Unsatisfiable:
            pass  # negative mode: the operation has nothing to make invalid (no body, or free-text paths)
        except Exception as error:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:2000])
    assert not failures, "\n\n".join(failures)
    assert operations > 40, f"only {operations} operations found in the schema"
    assert tested >= (operations if mode == "positive" else 15), f"only {tested} of {operations} operations exercised"
