"""The page's Content-Security-Policy: its own scripts and styles only, never inline, and
the few other origins it must reach (Clerk's Frontend API, presigned audio on S3)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pdf2audiobook.service.kit.settings import Settings, StorageBackend
from pdf2audiobook.service.web.clerk import clerk_sign_in

_AWS_S3_ORIGINS = "https://*.amazonaws.com"


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def page_content_policy(settings: Settings) -> str:
    """The policy for the page and its assets under `settings`."""
    connect = ["'self'"]
    media = ["'self'", "blob:"]
    clerk = clerk_sign_in(settings.clerk_jwks_url)
    if clerk is not None:
        connect.append(clerk.frontend_api)
    if settings.storage_backend is StorageBackend.S3:
        # The audio routes answer a short-lived link to the bucket instead of the bytes.
        bucket = _origin(settings.s3_endpoint_url) if settings.s3_endpoint_url else _AWS_S3_ORIGINS
        if bucket is not None:
            connect.append(bucket)
            media.append(bucket)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "media-src": media,
        "connect-src": connect,
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())
