"""The API keeps the promises of its OpenAPI document, checked by schemathesis.

Every operation is called with generated requests, valid and invalid, as each of two
signed-in users: Alice, who owns a job, and Bob, who owns nothing. Where an operation takes
a job id, each example is also sent about Alice's job, by Bob (who must get the documented
404) and by Alice. Every response must be no server error, carry a documented status code,
content type and headers and match its documented schema; invalid requests must be refused
and valid ones accepted. A documented 503 (payments not configured) is an answer, not a
crash.

Bounded so the module runs in well under a minute on two cores: a few derandomised examples
per operation, SQLite only (the API tests run both databases), a runner that only queues,
event streams that end at once. Valid uploads carry the sample book: the schema cannot say
"the bytes of a PDF", so random bytes would rightly be refused (415).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.checks import negative_data_rejection
from schemathesis.core.result import Ok

from tests.conftest import SAMPLE_BOOK
from tests.service.api.test_route_access import ROUTE_ACCESS
from tests.service.contract.conftest import Contract

EXAMPLES_PER_OPERATION = 10
# Every route the app serves, as the route-access test classifies them (a route missing
# there fails that test; one missing from the document fails here).
OPERATIONS = sorted(ROUTE_ACCESS)
UPLOADS = {("POST", "/api/v1/jobs"), ("POST", "/api/v1/jobs/estimate")}


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Example:
    case: Case[Any]
    with_sample_book: bool = False


def _with_sample_book(case: Case[Any]) -> Example:
    assert isinstance(case.body, dict)
    body: dict[str, Any] = {**case.body, "file": SAMPLE_BOOK.read_bytes()}
    case.body = body
    return Example(case, with_sample_book=True)


def _call_as_both_users(example: Example, contract: Contract, alice_job_id: str) -> None:
    case = example.case
    # Bytes where the schema says `string` make schemathesis take the case for an invalid
    # one, and then expect it refused; it is a valid book.
    excluded = [negative_data_rejection] if example.with_sample_book else []

    def call_as(user: str) -> None:
        case.call_and_validate(headers=contract.headers[user], excluded_checks=excluded)

    call_as("alice")
    path = case.path_parameters or {}
    if "job_id" in path and _is_uuid(path["job_id"]):
        case.path_parameters = {**path, "job_id": alice_job_id}
        call_as("bob")
        call_as("alice")
    else:
        call_as("bob")


def test_every_served_route_is_documented_and_checked(api_schema: BaseSchema) -> None:
    documented = set()
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), result
        documented.add((result.ok().method.upper(), result.ok().path))
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_operation_answers_as_documented(
    method: str, path: str, api_schema: BaseSchema, contract: Contract
) -> None:
    operation = api_schema[path][method]
    alice_job_id = contract.submit_as_alice()
    valid = operation.as_strategy(GenerationMode.POSITIVE)
    invalid = operation.as_strategy(GenerationMode.NEGATIVE)
    requests = st.one_of(
        valid.map(_with_sample_book if (method, path) in UPLOADS else Example),
        invalid.map(Example),
    )

    @given(example=requests)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(example: Example) -> None:
        _call_as_both_users(example, contract, alice_job_id)

    answers_as_documented()
