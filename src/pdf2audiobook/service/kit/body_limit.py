"""Refuse request bodies over the upload limit while they stream, before they are parsed.

Starlette parses a multipart body in full before the endpoint runs, so the endpoint's
own size check comes too late to protect the disk; this middleware counts bytes as
they arrive and answers 413 as soon as the limit is passed.
"""

from __future__ import annotations

import contextlib
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Multipart framing (boundaries, part headers, the small form fields) on top of the file.
FORM_OVERHEAD_BYTES = 64 * 1024


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self._app = app
        self._limit = max_body_bytes + FORM_OVERHEAD_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self._app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._limit:
            await _too_large(send)
            return
        received = 0
        exceeded = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # Once the limit is passed, whatever the app answers (the body parser turns our
            # exception into a 400) is replaced by the 413 below.
            if not exceeded:
                await send(message)

        with contextlib.suppress(BodyTooLarge):
            await self._app(scope, counting_receive, guarded_send)
        if exceeded:
            await _too_large(send)


async def _too_large(send: Send) -> None:
    body = json.dumps(
        {"error": "PayloadTooLarge", "detail": "The upload is larger than the limit."}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
