"""`GET /health`: database, job queue and storage checks; 200 when all pass, else 503."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from pdf2audiobook.service.deps import StateDep

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/health")
def health(state: StateDep) -> JSONResponse:
    def database() -> None:
        with state.sessions() as session:
            session.execute(text("SELECT 1"))

    probes: dict[str, Callable[[], None]] = {
        "database": database,
        "queue": state.runner.check,
        "storage": state.storage.check,
    }
    checks: dict[str, str] = {}
    for name, probe in probes.items():
        try:
            probe()
            checks[name] = "ok"
        except Exception:
            logger.exception("health: %s check failed", name)
            checks[name] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if healthy else 503)
