"""What the OpenAPI document says about errors, and the answers schemathesis does not probe."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.contract.conftest import Contract

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
# Methods with a body in their answer; OPTIONS belongs to CORS preflights.
PROBED_METHODS = ("PATCH", "PUT", "DELETE", "POST", "GET")
UPLOAD_BODIES = (
    "Body_create_job_api_v1_jobs_post",
    "Body_estimate_job_api_v1_jobs_estimate_post",
)


@pytest.fixture(scope="module")
def document(contract: Contract) -> dict[str, Any]:
    response = contract.client.get("/openapi.json")
    assert response.status_code == 200
    loaded: dict[str, Any] = response.json()
    return loaded


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _error_schema(operation: dict[str, Any], status: str) -> Any:
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_every_operation_taking_a_token_documents_401_in_the_error_shape(
    document: dict[str, Any],
) -> None:
    for method, path, operation in _operations(document):
        if operation.get("security"):
            assert _error_schema(operation, "401") == ERROR_BODY, f"{method} {path}"


def test_validation_errors_are_documented_in_the_shape_they_are_sent(
    document: dict[str, Any],
) -> None:
    for method, path, operation in _operations(document):
        if "422" in operation["responses"]:
            assert _error_schema(operation, "422") == ERROR_BODY, f"{method} {path}"
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_operation_with_a_body_documents_unparsable_and_oversized_bodies(
    document: dict[str, Any],
) -> None:
    for method, path, operation in _operations(document):
        if "requestBody" in operation:
            assert _error_schema(operation, "400") == ERROR_BODY, f"{method} {path}"
            assert _error_schema(operation, "413") == ERROR_BODY, f"{method} {path}"


def _concrete(path: str) -> str:
    for template, value in (
        ("{job_id}", "00000000-0000-0000-0000-000000000000"),
        ("{number}", "1"),
        ("{user_id}", "1"),
        ("{provider}", "stripe"),
    ):
        path = path.replace(template, value)
    return path


def test_unsupported_method_is_405_allowing_every_method_the_path_serves(
    contract: Contract, document: dict[str, Any]
) -> None:
    for path, item in document["paths"].items():
        served = {method.upper() for method in item}
        unsupported = next(method for method in PROBED_METHODS if method not in served)
        url = _concrete(path)

        response = contract.client.request(unsupported, url, headers=contract.headers["alice"])

        assert response.status_code == 405, f"{unsupported} {path}"
        assert response.json()["error"] == "HTTPError"
        allowed = {method.strip() for method in response.headers["Allow"].split(",")}
        # More than `served` where another template matches too (`/jobs/estimate` is
        # also `/jobs/{job_id}`); never a method that would be refused.
        assert served <= allowed, f"{unsupported} {path}"
        for method in allowed - {"HEAD"}:
            answer = contract.client.request(method, url, headers=contract.headers["alice"])
            assert answer.status_code != 405, f"{method} {path} is in Allow but refused"


@pytest.mark.parametrize("body", UPLOAD_BODIES)
def test_upload_schemas_refuse_empty_files(document: dict[str, Any], body: str) -> None:
    file_schema = document["components"]["schemas"][body]["properties"]["file"]

    assert file_schema.get("minLength", 0) >= 1
