"""Job runners: something that runs `execute_job` somewhere, behind one small interface.

The embedded runner is a process pool inside the API process, for one machine with no
Redis; the Celery runner (selected when REDIS_URL is set) will implement the same calls.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.jobs.execution import execute_job
from pdf2audiobook.service.jobs.queue_repository import JobQueueRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.kit.settings import Settings

logger = logging.getLogger(__name__)

RECONCILE_SECONDS = 30.0


class JobRunner(Protocol):
    def start(self) -> None:
        """Begin running jobs, picking up any left pending or orphaned by a restart."""

    def submit(self, job_id: str, password: str | None) -> None:
        """Queue a job whose row is already committed. Idempotent: a job runs once."""

    def shutdown(self) -> None: ...

    def check(self) -> None:
        """Raise if the runner cannot take work (for the health check)."""


class EmbeddedRunner:
    """A pool of worker processes in this machine, plus a reconciler for orphaned jobs."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self._settings = settings
        self._sessions = sessions
        self._pool: ProcessPoolExecutor | None = None
        self._in_flight: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._reconciler: threading.Thread | None = None

    def start(self) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=self._settings.job_workers,
            mp_context=multiprocessing.get_context("spawn"),
        )
        # Jobs left pending or orphaned by a restart are queued before start() returns;
        # later orphans (a worker died, its lease ran out) are found by the thread.
        self._reconcile_once()
        self._reconciler = threading.Thread(
            target=self._reconcile_forever, name="job-reconciler", daemon=True
        )
        self._reconciler.start()

    def submit(self, job_id: str, password: str | None) -> None:
        with self._lock:
            if self._pool is None:
                raise RuntimeError("the job runner is not started")
            running = self._in_flight.get(job_id)
            if running is not None and not running.done():
                return
            future = self._pool.submit(execute_job, job_id, password, self._settings)
            self._in_flight[job_id] = future
        future.add_done_callback(lambda done: self._finished(job_id, done))

    def wait(self, job_id: str, timeout: float) -> None:
        """Block until the job's current run ends (for tests and the CLI); no-op if idle.

        Raises TimeoutError when it is still running after `timeout` seconds.
        """
        with self._lock:
            future = self._in_flight.get(job_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._stopping.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._reconciler is not None:
            self._reconciler.join(timeout=5)

    def check(self) -> None:
        if self._pool is None or self._stopping.is_set():
            raise RuntimeError("the job runner is not running")

    def _finished(self, job_id: str, future: Future[None]) -> None:
        with self._lock:
            if self._in_flight.get(job_id) is future:
                del self._in_flight[job_id]
        if not future.cancelled() and future.exception() is not None:
            logger.error("job %s worker crashed", job_id, exc_info=future.exception())

    def _reconcile_forever(self) -> None:
        while not self._stopping.wait(RECONCILE_SECONDS):
            try:
                self._reconcile_once()
            except Exception:
                logger.exception("could not reconcile pending jobs")

    def _reconcile_once(self) -> None:
        with session_scope(self._sessions) as session:
            job_ids = JobQueueRepository(session).resumable_job_ids()
        for job_id in job_ids:
            self.submit(job_id, None)
