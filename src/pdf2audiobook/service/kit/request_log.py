"""One log line per request, and its request id, as an ASGI middleware.

The line names the route's template (`/api/v1/jobs/{job_id}`), never the raw path or
query string, so it holds no id a user typed, no token passed in a query and no more
distinct values than the API has routes. The request id is the client's `X-Request-ID`
when plain enough (`accepted_request_id`), or a new one; it is returned in the response's
`X-Request-ID`, set for every log line written while the request runs, and travels with
the job messages the request sends.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pdf2audiobook.service.kit.logging_setup import accepted_request_id, request_context

logger = logging.getLogger("pdf2audiobook.request")

REQUEST_ID_HEADER = "X-Request-ID"
UNMATCHED_ROUTE = "unmatched"
"""The route of a request no route answered (a 404 or a scan): one label for all of them."""

RequestObserver = Callable[[str, str, int, float], None]
"""Called after each request with its method, route template, status and seconds taken."""


def route_template(scope: Scope) -> str:
    """The full template of the route that answered, e.g. `/api/v1/jobs/{job_id}`.

    The route in the scope knows only its own part (`/jobs/{job_id}`), not the prefixes
    of the routers that include it; those are the rest of the path, which is matched
    against the route's pattern from the shortest tail up (router prefixes here hold no
    parameters).
    """
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    pattern = getattr(route, "path_regex", None)
    if not isinstance(template, str) or not isinstance(pattern, re.Pattern):
        return UNMATCHED_ROUTE
    path: str = scope["path"]
    for start in range(len(path) - 1, -1, -1):
        if path[start] == "/" and pattern.fullmatch(path[start:]):
            return path[:start] + template
    return template


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, observers: Sequence[RequestObserver] = ()) -> None:
        self._app = app
        self._observers = tuple(observers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw_id = headers.get(REQUEST_ID_HEADER.lower().encode())
        request_id = accepted_request_id(raw_id.decode("latin-1") if raw_id else None)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", []))
                response_headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": response_headers}
            await send(message)

        # The user dependency writes the caller's id here (`request.state.user_id`).
        scope.setdefault("state", {})
        with request_context(request_id):
            try:
                await self._app(scope, receive, send_with_id)
            finally:
                self._record(scope, request_id, status, time.perf_counter() - started)

    def _record(self, scope: Scope, request_id: str, status: int, seconds: float) -> None:
        method: str = scope["method"]
        route = route_template(scope)
        user_id = scope.get("state", {}).get("user_id")
        logger.info(
            "%s %s %d %.1fms",
            method,
            route,
            status,
            seconds * 1000,
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "request_id": request_id,
                "user_id": user_id,
            },
        )
        for observe in self._observers:
            try:
                observe(method, route, status, seconds)
            except Exception:
                logger.warning("a request observer failed", exc_info=True)
