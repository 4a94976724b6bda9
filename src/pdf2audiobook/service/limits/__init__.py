"""Rate limits: per user (per address without a token), tighter for costly requests, on
Redis when the service has one."""

from pdf2audiobook.service.limits.dependencies import (
    LIMITED_RESPONSES,
    RequestLimits,
    install_rate_limits,
    limit_api_caller,
    limit_webhook_sender,
    rate_limited,
)
from pdf2audiobook.service.limits.limiter import RateLimiter, RateLimitUnavailable
from pdf2audiobook.service.limits.policy import LimitClass, Policy, WhenStorageDown

__all__ = [
    "LIMITED_RESPONSES",
    "LimitClass",
    "Policy",
    "RateLimitUnavailable",
    "RateLimiter",
    "RequestLimits",
    "WhenStorageDown",
    "install_rate_limits",
    "limit_api_caller",
    "limit_webhook_sender",
    "rate_limited",
]
