"""`GET /health`: database, job queue and storage checks; 200 when all pass, else 503.

The answer comes from checks at most `HEALTH_CACHE_SECONDS` old (see `checks.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from pdf2audiobook.service.deps import service_state
from pdf2audiobook.service.health.checks import CachedHealth

router = APIRouter(tags=["health"])


def _cached_health(request: Request, seconds: float) -> CachedHealth:
    cached: CachedHealth | None = getattr(request.app.state, "cached_health", None)
    if cached is None:
        cached = CachedHealth(seconds)
        request.app.state.cached_health = cached
    return cached


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    # No thread-pool dependency: health answers even when every request thread is busy.
    state = service_state(request)

    def database() -> None:
        with state.sessions() as session:
            session.execute(text("SELECT 1"))

    probes: dict[str, Callable[[], None]] = {
        "database": database,
        "queue": state.runner.check,
        "storage": state.storage.check,
    }
    report = await _cached_health(request, state.settings.health_cache_seconds).report(probes)
    body = {"status": "ok" if report.healthy else "unavailable", "checks": report.checks}
    return JSONResponse(body, status_code=200 if report.healthy else 503)
