"""Typed service errors: each carries its HTTP status; one handler renders them all.

Every error reaches the client as `{"error": "<ClassName>", "detail": "<message>"}`.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel


class ErrorBody(BaseModel):
    error: str
    detail: str


class ServiceError(Exception):
    status_code: ClassVar[int] = 500
    headers: ClassVar[dict[str, str] | None] = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(ServiceError):
    status_code = 400


class Unauthorized(ServiceError):
    status_code = 401
    headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": "Bearer"}


class PaymentRequired(ServiceError):
    status_code = 402


class Forbidden(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class PayloadTooLarge(ServiceError):
    status_code = 413


class UnsupportedMediaType(ServiceError):
    status_code = 415


class ServiceUnavailable(ServiceError):
    status_code = 503
