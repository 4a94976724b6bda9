"""The errors any route can answer with, declared in its OpenAPI operation.

Routes declare their own domain errors in `responses=`. The ones that come from the
plumbing around every route are added here, once, when the document is first built:

- 401 on every operation that takes a bearer token (the identity check runs first);
- 400 and 413 on every operation with a body (one that cannot be parsed, or is larger than
  the route accepts: bodies are limited before they are read);
- 422 in our error shape, replacing FastAPI's default `HTTPValidationError` list, which
  `kit.handlers` never sends.

429 is declared where rate limits apply, by the limits package.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

from pdf2audiobook.service.kit.errors import ErrorBody

ERROR_BODY_REF = "#/components/schemas/ErrorBody"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

_AUTHENTICATION = "A bearer token is missing, invalid or expired."
_UNPARSABLE = "The request body could not be parsed."
_TOO_LARGE = "The request body is larger than this route accepts."
_VALIDATION = "The request does not match the documented parameters or body."


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ERROR_BODY_REF}}},
    }


def add_error_responses(document: dict[str, Any]) -> None:
    """Declare the plumbing's error responses in `document` (an OpenAPI dict), in place."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in _HTTP_METHODS:
                _add_to_operation(operation)
    _drop_unreferenced_validation_schemas(document)


def _add_to_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if operation.get("security"):
        responses.setdefault("401", _error_response(_AUTHENTICATION))
    if "requestBody" in operation:
        responses.setdefault("400", _error_response(_UNPARSABLE))
        responses.setdefault("413", _error_response(_TOO_LARGE))
    if "422" in responses:
        responses["422"] = _error_response(_VALIDATION)


def _references(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _drop_unreferenced_validation_schemas(document: dict[str, Any]) -> None:
    """FastAPI's validation schemas go once no operation or other schema names them."""
    schemas: dict[str, Any] = document["components"]["schemas"]
    others = {
        name: schema for name, schema in schemas.items() if name not in _FASTAPI_VALIDATION_SCHEMAS
    }
    used = set(_references(document.get("paths", {}))) | set(_references(others))
    if not used & {f"#/components/schemas/{name}" for name in _FASTAPI_VALIDATION_SCHEMAS}:
        for name in _FASTAPI_VALIDATION_SCHEMAS:
            schemas.pop(name, None)


def document_error_responses(app: FastAPI) -> None:
    """Make `app.openapi()` declare the plumbing's error responses on every operation."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_error_responses(build())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
