"""Blocking work with a fixed number of threads of its own and a short queue in front.

Work such as reading an uploaded PDF in its sandbox takes a thread for as long as the
sandbox runs. On the request threads, forty such requests at once would take every
thread and stall every route; through a gate, at most `running` run at once on the gate's
own threads, at most `waiting` more wait their turn without holding any thread, and the
rest are refused at once with 503 and Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

import anyio
import anyio.to_thread

from pdf2audiobook.service.kit.errors import ServiceUnavailable

T = TypeVar("T")
RETRY_AFTER_SECONDS = 5


class GateFull(ServiceUnavailable):
    headers: ClassVar[dict[str, str] | None] = {"Retry-After": str(RETRY_AFTER_SECONDS)}


class ThreadGate:
    """Use from the event loop only (async endpoints), where admission cannot race."""

    def __init__(self, running: int, waiting: int, what: str) -> None:
        self.running = running
        self.waiting = waiting
        self._what = what
        self.admitted = 0
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """`work(*args)` on one of the gate's threads. Raises GateFull when `running` are
        running and `waiting` are waiting already."""
        if self.admitted >= self.running + self.waiting:
            raise GateFull(f"The server is busy with {self._what}; try again shortly.")
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.running)
        self.admitted += 1
        try:
            return await anyio.to_thread.run_sync(work, *args, limiter=self._limiter)
        finally:
            self.admitted -= 1
