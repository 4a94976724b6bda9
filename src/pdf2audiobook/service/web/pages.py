"""Serves the page at `/` and its assets under `/static/`, outside the API and its schema.

The assets have no build step and so no content hash in their names: every response says
`no-cache`, and the browser revalidates with the ETag (a 304 of a few bytes) instead of
keeping an old script after an upgrade.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.web.content_policy import page_content_policy

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/static"
_REVALIDATE = "no-cache"


class _PageAssets(StaticFiles):
    """Static files with the page's caching and security headers."""

    def __init__(self, directory: Path, content_policy: str) -> None:
        super().__init__(directory=directory)
        self.content_policy = content_policy

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = _REVALIDATE
        response.headers["Content-Security-Policy"] = self.content_policy
        return response


def install_pages(app: FastAPI, settings: Settings) -> None:
    """Serve the page at `/` and its assets under `/static/` on `app`."""
    content_policy = page_content_policy(settings)
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def index() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "index.html",
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": _REVALIDATE, "Content-Security-Policy": content_policy},
        )

    app.include_router(router)
    app.mount(STATIC_PREFIX, _PageAssets(STATIC_DIR, content_policy), name="static")
