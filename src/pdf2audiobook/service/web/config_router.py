"""`/api/v1/config`: what a client needs to know of this server before anyone signs in."""

from __future__ import annotations

from fastapi import APIRouter, Response

from pdf2audiobook.service.deps import StateDep
from pdf2audiobook.service.payments.registry import checkout_provider
from pdf2audiobook.service.web.clerk import clerk_sign_in
from pdf2audiobook.service.web.schemas import ServerConfigOut

router = APIRouter(tags=["config"])
CONFIG_CACHE_SECONDS = 300
"""Settings change only when the server restarts; a browser may keep the answer this long."""


@router.get("/config", response_model=ServerConfigOut)
def read_config(state: StateDep, response: Response) -> ServerConfigOut:
    """How people sign in here (Clerk's hosted sign-in, or personal API tokens only),
    whether credits are charged and can be bought, and the largest upload. Public."""
    settings = state.settings
    response.headers["Cache-Control"] = f"public, max-age={CONFIG_CACHE_SECONDS}"
    return ServerConfigOut(
        clerk=clerk_sign_in(settings.clerk_jwks_url),
        credits_enabled=settings.credits_enabled,
        payments_enabled=checkout_provider(settings) is not None,
        max_upload_bytes=settings.max_upload_bytes,
    )
