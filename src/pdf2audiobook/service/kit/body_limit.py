"""Guard request bodies before anything reads them: who is sending, how much, how fast.

FastAPI reads and parses a body (a whole multipart upload, a whole JSON document) before
the route's dependencies run, so a token checked by a dependency is checked too late: a
caller without one could make the server hold megabytes, or keep a connection open by
sending a body slowly. This middleware decides from the request line and headers alone:

- the route's rule gives its size limit and whether the caller must be identified first;
  an unidentified caller is refused with 401 before one byte of the body is read;
- then a declared Content-Length over the limit is refused at once, and a body that grows
  past it while streaming is cut off with 413;
- a body that stalls (no bytes for `idle_seconds`) or takes longer than its rule allows is
  cut off with 408;
- uploads take one of a fixed number of slots; none free is a 503 with Retry-After.

Every refusal closes the connection, since the rest of the body is never read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pdf2audiobook.service.kit.errors import ServiceError

# Multipart framing (boundaries, part headers, the small form fields) on top of the file.
FORM_OVERHEAD_BYTES = 64 * 1024
_LONGEST_LENGTH_DIGITS = 18
"""A Content-Length with more digits than this is over any limit (and over int64)."""

Identify = Callable[[Scope], Awaitable[None]]
"""Checks the caller of `scope` (raising a ServiceError such as Unauthorized) and may leave
what it learnt in the scope for the route's own dependencies."""


@dataclass(frozen=True, slots=True)
class BodyRule:
    max_bytes: int
    seconds: float
    """The longest the whole body may take to arrive."""
    identified: bool = True
    """The caller's identity is checked before the body is read."""
    upload: bool = False
    """Counts against the concurrent upload slots."""


@dataclass(frozen=True, slots=True)
class BodyRules:
    """Which rule a request's body follows, by the endpoint the router chose for it."""

    default: BodyRule
    by_endpoint: Mapping[Callable[..., Any], BodyRule] = field(default_factory=dict)

    def rule_for(self, scope: Scope) -> BodyRule:
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return self.default
        return self.by_endpoint.get(endpoint, self.default)


class _Refused(Exception):
    def __init__(self, status: int, error: str, detail: str, **headers: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers


class UploadSlots:
    """A count of uploads in progress in this process; taking one never waits."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.in_use = 0

    def try_take(self) -> bool:
        # One event loop runs every request of the process, and nothing here awaits, so
        # the check and the increment cannot interleave with another request's.
        if self.in_use >= self.capacity:
            return False
        self.in_use += 1
        return True

    def give_back(self) -> None:
        self.in_use -= 1


class BodyLimitMiddleware:
    """The guard. Its rule is chosen when the app first asks for the body, since only then
    has the router chosen the endpoint; a request whose body nobody reads (a 404, a route
    without a body) passes untouched."""

    def __init__(
        self,
        app: ASGIApp,
        rules: BodyRules,
        identify: Identify,
        idle_seconds: float,
        upload_slots: int,
        retry_after_seconds: int = 5,
    ) -> None:
        self._app = app
        self._rules = rules
        self._identify = identify
        self._idle_seconds = idle_seconds
        self.uploads = UploadSlots(upload_slots)
        self._retry_after = retry_after_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self._app(scope, receive, send)
            return
        rule: BodyRule | None = None
        holds_upload_slot = False
        received = 0
        complete = False
        refused: _Refused | None = None
        deadline = 0.0

        async def admit() -> BodyRule:
            nonlocal holds_upload_slot, deadline
            chosen = self._rules.rule_for(scope)
            # Who first: a caller without a valid token hears 401, whatever they send.
            if chosen.identified:
                try:
                    await self._identify(scope)
                except ServiceError as error:
                    raise _Refused(
                        error.status_code,
                        type(error).__name__,
                        error.detail,
                        **(error.headers or {}),
                    ) from None
            declared = _declared_length(scope)
            if declared is not None and declared > chosen.max_bytes:
                raise _too_large(chosen)
            if chosen.upload:
                if not self.uploads.try_take():
                    raise _Refused(
                        503,
                        "TooManyUploads",
                        "The server is receiving as many uploads as it can; try again shortly.",
                        **{"Retry-After": str(self._retry_after)},
                    )
                holds_upload_slot = True
            deadline = time.monotonic() + chosen.seconds
            return chosen

        async def limited_receive() -> Message:
            nonlocal rule, received, complete, refused
            if complete:
                # The body is in; what is left to hear is a disconnect, whenever it comes.
                return await receive()
            try:
                if rule is None:
                    rule = await admit()
                message: Message | None = None
                with anyio.move_on_after(
                    max(min(self._idle_seconds, deadline - time.monotonic()), 0)
                ):
                    message = await receive()
                if message is None:
                    raise _Refused(
                        408, "RequestTimeout", "The request body did not arrive in time."
                    )
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    complete = not message.get("more_body", False)
                    if received > rule.max_bytes:
                        raise _too_large(rule)
                return message
            except _Refused as refusal:
                refused = refusal
                raise

        async def guarded_send(message: Message) -> None:
            # Once the body is refused, whatever the app answers (its parser turns our
            # exception into a 400) is replaced by the refusal below.
            if refused is None:
                await send(message)

        try:
            await self._app(scope, limited_receive, guarded_send)
        except _Refused:
            pass
        finally:
            if holds_upload_slot:
                self.uploads.give_back()
        if refused is not None:
            await _refuse(send, refused)


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding":
            return True
        if name == b"content-length":
            return value.strip() not in (b"", b"0")
    return False


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            digits = value.strip()
            if not digits.isdigit():
                return None
            if len(digits) > _LONGEST_LENGTH_DIGITS:
                return 2**63
            return int(digits)
    return None


def _too_large(rule: BodyRule) -> _Refused:
    if rule.upload:
        return _Refused(413, "PayloadTooLarge", "The upload is larger than the limit.")
    return _Refused(
        413,
        "PayloadTooLarge",
        f"The request body is larger than this route takes ({rule.max_bytes} bytes).",
    )


async def _refuse(send: Send, refusal: _Refused) -> None:
    body = json.dumps({"error": refusal.error, "detail": refusal.detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((name.lower().encode(), value.encode()) for name, value in refusal.headers.items()),
    ]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
