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


class TooManyRequests(ServiceError):
    """429; `Retry-After` says in how many seconds the caller may try again, when known."""

    status_code = 429

    def __init__(self, detail: str, retry_after_seconds: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds

    # A property: the base class's headers are the same for every instance, these are not.
    @property
    def headers(self) -> dict[str, str] | None:  # type: ignore[override]
        if self.retry_after_seconds is None:
            return None
        return {"Retry-After": str(self.retry_after_seconds)}


class ServiceUnavailable(ServiceError):
    status_code = 503
