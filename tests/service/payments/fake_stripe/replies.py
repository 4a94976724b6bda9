"""How the fake Stripe answers: ids, Stripe's error envelope, and the faults and delays a test
asked for."""

from __future__ import annotations

import secrets
import string
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, TypeVar

Body = dict[str, Any]
Reply = tuple[int, Body, dict[str, str]]

_ID_ALPHABET = string.ascii_letters + string.digits
_DOCS = "https://stripe.com/docs/error-codes"


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-shaped id: the object's prefix and letters and digits."""
    return f"{prefix}_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def now() -> int:
    return int(time.time())


def error_reply(
    status: int,
    message: str,
    *,
    kind: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """Stripe's error envelope: `{"error": {"type", "message", "code"?, "param"?, ...}}`."""
    error: Body = {"type": kind, "message": message}
    if code is not None:
        error["code"] = code
        error["doc_url"] = f"{_DOCS}/{code.replace('_', '-')}"
    if param is not None:
        error["param"] = param
    error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{new_id('req', 14)}"
    return status, {"error": error}, headers or {}


def resource_missing(kind: str, object_id: str, param: str, *, status: int = 400) -> Reply:
    return error_reply(
        status, f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def parameter_missing(param: str) -> Reply:
    return error_reply(
        400, f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def parameter_invalid(param: str, message: str) -> Reply:
    return error_reply(400, message, param=param)


@dataclass(frozen=True, slots=True)
class Fault:
    """An error to answer instead of the next request (to `path`, when given)."""

    status: int
    path: str | None = None
    code: str | None = None
    kind: str | None = None
    message: str | None = None
    should_retry: bool | None = None

    @property
    def inside_execution(self) -> bool:
        """A 500 happens once Stripe ran the endpoint, so its idempotency layer keeps it;
        rate limits and other refusals come before, and are not kept."""
        return self.status == 500

    def reply(self) -> Reply:
        headers = {}
        if self.should_retry is not None:
            headers["Stripe-Should-Retry"] = "true" if self.should_retry else "false"
        if self.status == 429:
            return error_reply(
                429,
                self.message or "Request rate limit exceeded. Please retry after a short wait.",
                code=self.code or "rate_limit",
                kind=self.kind or "invalid_request_error",
                headers=headers,
            )
        if self.status >= 500:
            return error_reply(
                self.status,
                self.message or "Sorry, something went wrong. We have been notified.",
                kind=self.kind or "api_error",
                code=self.code,
                headers=headers,
            )
        return error_reply(
            self.status,
            self.message or "Invalid request.",
            kind=self.kind or "invalid_request_error",
            code=self.code,
            headers=headers,
        )


@dataclass(frozen=True, slots=True)
class Delay:
    seconds: float
    path: str | None = None


Entry = TypeVar("Entry", Fault, Delay)


def take(queue: deque[Entry], path: str) -> Entry | None:
    """The first queued entry for `path` (or for any path), removed from `queue`."""
    for entry in queue:
        if entry.path in (None, path):
            queue.remove(entry)
            return entry
    return None
