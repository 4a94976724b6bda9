"""Counting requests against the policies: on Redis shared by every API process when the
service has one, in this process's memory otherwise."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping

from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from pdf2audiobook.service.kit.errors import ServiceUnavailable, TooManyRequests
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.limits.policy import (
    LimitClass,
    Policy,
    WhenStorageDown,
    policies_from_settings,
)

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 0.25
"""A limiter that answers slowly slows every request: give up and act as if it were down."""
STORAGE_RETRY_SECONDS = 5.0
"""After the shared storage fails, requests skip it this long before trying it again."""
KEY_PREFIX = "pdf2audiobook:limits"


class RateLimitUnavailable(ServiceUnavailable):
    """503 while the shared counters are unreachable, for classes that refuse then."""

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds

    # A property: the base class's headers are the same for every instance, these are not.
    @property
    def headers(self) -> dict[str, str] | None:  # type: ignore[override]
        return {"Retry-After": str(self.retry_after_seconds)}


def storage_from_settings(settings: Settings) -> Storage:
    """Redis at REDIS_URL (wrapped errors, short timeouts), else this process's memory."""
    if not settings.redis_url:
        return MemoryStorage()
    storage = storage_from_string(
        settings.redis_url,
        key_prefix=KEY_PREFIX,
        wrap_exceptions=True,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    if not isinstance(storage, Storage):
        raise ValueError(f"REDIS_URL names an asynchronous storage: {type(storage).__name__}")
    return storage


class RateLimiter:
    """Checks one request of a caller against one class's limit.

    Moving windows: a burst at the edge of a minute gets no second allowance. While the
    shared storage is down, a class either counts in this process (each process then
    allowing the limit) or refuses with 503 (see `WhenStorageDown`); the storage is tried
    again `retry_seconds` after it failed.
    """

    def __init__(
        self,
        policies: Mapping[LimitClass, Policy],
        storage: Storage,
        *,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
        retry_seconds: float = STORAGE_RETRY_SECONDS,
    ) -> None:
        self.policies = dict(policies)
        self.enabled = enabled
        self._shared = MovingWindowRateLimiter(storage)
        self._in_process = MovingWindowRateLimiter(MemoryStorage())
        self._shared_is_local = isinstance(storage, MemoryStorage)
        self._clock = clock
        self._retry_seconds = retry_seconds
        self._skip_shared_until = -math.inf
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(
            policies_from_settings(settings),
            storage_from_settings(settings),
            enabled=settings.rate_limits_enabled,
        )

    def check(self, limit_class: LimitClass, caller: str) -> None:
        """Count one request of `caller` (e.g. "user:<id>", "address:<ip>").

        Raises TooManyRequests (429, Retry-After) beyond the limit, and RateLimitUnavailable
        (503) when the shared storage is down and the class refuses then.
        """
        if not self.enabled:
            return
        policy = self.policies[limit_class]
        limiter = self._shared if self._shared_available() else None
        if limiter is not None:
            try:
                self._hit(limiter, policy, caller)
                return
            except StorageError as error:
                self._shared_failed(error)
        if policy.when_storage_down is WhenStorageDown.REFUSE:
            raise RateLimitUnavailable(
                "Requests of this kind are paused while the rate limiter's storage is "
                "unreachable; try again shortly.",
                math.ceil(self._retry_seconds),
            )
        self._hit(self._in_process, policy, caller)

    def _hit(self, limiter: MovingWindowRateLimiter, policy: Policy, caller: str) -> None:
        if limiter.hit(policy.rate, policy.limit_class.value, caller):
            return
        reset_at, _remaining = limiter.get_window_stats(
            policy.rate, policy.limit_class.value, caller
        )
        # The library's windows run on wall-clock seconds.
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequests(
            f"Too many requests ({policy.limit_class.value}: at most {policy.rate.amount} "
            f"{_per(policy)}); try again in {retry_after} s.",
            retry_after,
        )

    def _shared_available(self) -> bool:
        with self._lock:
            return self._shared_is_local or self._clock() >= self._skip_shared_until

    def _shared_failed(self, error: StorageError) -> None:
        with self._lock:
            self._skip_shared_until = self._clock() + self._retry_seconds
        logger.warning(
            "rate limit storage unreachable, counting in process or refusing for %.0f s: %s",
            self._retry_seconds,
            error.storage_error,
        )


def _per(policy: Policy) -> str:
    unit = policy.rate.GRANULARITY.name
    multiples = policy.rate.multiples
    return f"per {unit}" if multiples == 1 else f"per {multiples} {unit}s"
