"""The checks behind `/health`, run at most once per `seconds` however often it is asked.

Each check touches a dependency (a query, a probe file or an S3 HEAD, a Redis round trip);
run for every call, an unauthenticated caller could make the service hammer them. The
answer is kept for a few seconds, and while it is being renewed the other callers wait for
that one renewal instead of starting their own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import anyio
import anyio.to_thread

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HealthReport:
    checks: dict[str, str]
    checked_at: float

    @property
    def healthy(self) -> bool:
        return all(value == "ok" for value in self.checks.values())


def run_checks(probes: Mapping[str, Callable[[], None]]) -> dict[str, str]:
    checks: dict[str, str] = {}
    for name, probe in probes.items():
        try:
            probe()
            checks[name] = "ok"
        except Exception:
            logger.exception("health: %s check failed", name)
            checks[name] = "unavailable"
    return checks


class CachedHealth:
    """Use from the event loop only (an async route)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: HealthReport | None = None
        self._renewing: anyio.Lock | None = None

    async def report(self, probes: Mapping[str, Callable[[], None]]) -> HealthReport:
        if self._fresh():
            assert self._last is not None
            return self._last
        if self._renewing is None:
            self._renewing = anyio.Lock()
        async with self._renewing:
            # Someone else may have renewed it while this caller waited for the lock.
            if not self._fresh():
                checks = await anyio.to_thread.run_sync(run_checks, probes)
                self._last = HealthReport(checks, self._clock())
        assert self._last is not None
        return self._last

    def _fresh(self) -> bool:
        return self._last is not None and self._clock() - self._last.checked_at < self.seconds
