"""Rate limits as route dependencies: one per router for the general limit, one per route
for the tighter classes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request

from pdf2audiobook.service.auth import Authenticator, VerifiedIdentity
from pdf2audiobook.service.deps import current_identity
from pdf2audiobook.service.kit.errors import ErrorBody
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.limits.callers import Callers, user_caller
from pdf2audiobook.service.limits.limiter import RateLimiter
from pdf2audiobook.service.limits.policy import LimitClass

LIMITED_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorBody, "description": "Over a rate limit; see `Retry-After`."}
}


@dataclass
class RequestLimits:
    limiter: RateLimiter
    callers: Callers


def install_rate_limits(
    app: FastAPI, settings: Settings, authenticator: Authenticator
) -> RequestLimits:
    """Put the limiter where the dependencies below find it; tests may replace it."""
    limits = RequestLimits(
        RateLimiter.from_settings(settings),
        Callers(authenticator.authenticate, settings.trusted_proxies),
    )
    app.state.rate_limits = limits
    return limits


def request_limits(request: Request) -> RequestLimits:
    limits: RequestLimits = request.app.state.rate_limits
    return limits


# Plain defs: Redis and token checks block, so FastAPI runs these on its thread pool.
def limit_api_caller(request: Request) -> None:
    """The general limit, per user with a valid token and per address without one."""
    limits = request_limits(request)
    limits.limiter.check(LimitClass.API, limits.callers.of_request(request))


def limit_webhook_sender(request: Request) -> None:
    """Per sending address, generously: a provider retrying deliveries is never refused."""
    limits = request_limits(request)
    limits.limiter.check(LimitClass.WEBHOOKS, limits.callers.address_of(request))


def rate_limited(limit_class: LimitClass | str) -> Callable[..., None]:
    """A dependency counting the signed-in user's requests of `limit_class`.

    It checks the caller's token first (the same check the route makes, done once), so a
    request without a valid token gets its 401 and counts against no user.
    """
    checked_class = LimitClass(limit_class)

    def limit_user(
        request: Request, identity: Annotated[VerifiedIdentity, Depends(current_identity)]
    ) -> None:
        request_limits(request).limiter.check(checked_class, user_caller(identity))

    limit_user.__name__ = f"limit_{checked_class.value}"
    return limit_user
