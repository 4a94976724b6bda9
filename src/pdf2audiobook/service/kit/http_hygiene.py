"""What every response gets, whatever the route: compression, CORS, security headers.

Compression skips small bodies and, by Starlette's defaults, audio and event streams (audio
does not shrink, and a compressed event stream would be held back until a buffer fills).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pdf2audiobook.service.kit.settings import Environment, Settings

GZIP_MINIMUM_BYTES = 1000
DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
"""An API answers JSON and audio: nothing in a response may load or frame anything."""
_HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    """Adds the headers a browser needs to treat API responses as data, never as a page to
    run or frame. The interactive docs page loads its own scripts, so it gets no CSP."""

    def __init__(self, app: ASGIApp, *, strict_transport: bool) -> None:
        self.app = app
        self.strict_transport = strict_transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = str(scope.get("path", "")).startswith(DOCS_PATHS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in self._headers(is_docs):
                    if name not in present:
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)

    def _headers(self, is_docs: bool) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-resource-policy", b"same-site"),
        ]
        if not is_docs:
            headers.append((b"content-security-policy", _API_CSP.encode()))
        if self.strict_transport:
            headers.append((b"strict-transport-security", _HSTS.encode()))
        return headers


def docs_enabled(settings: Settings) -> bool:
    """The interactive docs and the OpenAPI document: on unless in production, where
    DOCS_ENABLED turns them on."""
    if settings.docs_enabled is not None:
        return settings.docs_enabled
    return settings.environment is not Environment.PRODUCTION


def install_http_hygiene(app: FastAPI, settings: Settings) -> None:
    """Add compression, CORS (only for the origins listed in CORS_ORIGINS) and security
    headers to `app`."""
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["Retry-After", "X-Request-ID", "Content-Disposition"],
            max_age=600,
        )
    app.add_middleware(
        SecurityHeadersMiddleware,
        strict_transport=settings.environment is Environment.PRODUCTION,
    )
