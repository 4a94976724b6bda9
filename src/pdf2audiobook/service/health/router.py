"""`GET /health`: database, job queue and storage checks; 200 when all pass, else 503."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from pdf2audiobook.service.kit.deps import StateDep

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/health")
def health(state: StateDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with state.sessions() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        logger.exception("health: database check failed")
        checks["database"] = "unavailable"
    try:
        state.runner.check()
        checks["queue"] = "ok"
    except Exception:
        logger.exception("health: queue check failed")
        checks["queue"] = "unavailable"
    try:
        state.storage.check()
        checks["storage"] = "ok"
    except Exception:
        logger.exception("health: storage check failed")
        checks["storage"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if healthy else 503)
