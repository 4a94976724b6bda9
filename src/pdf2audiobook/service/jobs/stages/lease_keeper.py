"""Keeps a lease alive from a background thread while a stage works.

Stages such as reading a scanned PDF report no progress for minutes; without a heartbeat
of its own the lease would expire and another worker would start the same work.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

logger = logging.getLogger(__name__)


class LeaseKeeper:
    """Calls `renew` every `interval` seconds until closed; `renew` returns False once the
    lease is lost (the job was cancelled, deleted or taken over), which sets `lost`."""

    def __init__(self, renew: Callable[[], bool], interval: float) -> None:
        self._renew = renew
        self._interval = interval
        self._stop = threading.Event()
        self.lost = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                if not self._renew():
                    self.lost.set()
                    return
            except Exception:
                # A database blip: the next beat may get through before the lease runs out.
                logger.warning("could not renew a job lease", exc_info=True)
