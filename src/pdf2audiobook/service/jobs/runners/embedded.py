"""The runner of a one-machine install: stage messages delivered to a pool of this machine's
processes, with the same stages, claims, leases, attempt cap, failure mapping and
reconciler as Celery workers, and the daily clean-up that beat runs there.

The pool replaces a process that dies and delivers its message again under the same task
id, so the stage's claim takes the work back at once and counts the attempt; a stage that
kills its process `JOB_MAX_ATTEMPTS` times fails its job. Pool processes end with the
server, even when it is killed, and what they leave in the scratch folder is swept when
the runner starts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from datetime import timedelta
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.pipeline.parallel import ProcessPool, TimeLimitError, WorkerLostError
from pdf2audiobook.pipeline.voices import DEFAULT_PROVIDER, get_provider
from pdf2audiobook.service.jobs.runners.housekeeping import (
    clean_up,
    seconds_until_clean_up,
    sweep_scratch,
)
from pdf2audiobook.service.jobs.runners.messages import (
    MessageEnqueuer,
    StageMessage,
    deliver,
)
from pdf2audiobook.service.jobs.runners.process_context import ProcessContext
from pdf2audiobook.service.jobs.runners.time_limits import limits_for
from pdf2audiobook.service.jobs.stages import StageContext, reconcile
from pdf2audiobook.service.jobs.stages.base import TIME_LIMIT_MESSAGE, fail_job, give_up
from pdf2audiobook.service.jobs.stages.repository import StageRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.kit.logging_setup import configure_logging, current_request_id
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.metrics.instruments import use_directory
from pdf2audiobook.service.metrics.stages import run_observed
from pdf2audiobook.service.models import JobStage
from pdf2audiobook.service.storage.factory import storage_from_settings

logger = logging.getLogger(__name__)

_MessageKey = tuple[JobStage, str, int]


class EmbeddedRunner:
    """Runs jobs in `settings.job_workers` processes of this machine (one per core)."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self._settings = settings
        self._context = StageContext(settings, sessions, storage_from_settings(settings))
        self._enqueue = MessageEnqueuer(self._send)
        self._pool: ProcessPool | None = None
        self._stopping = threading.Event()
        self._changed = threading.Condition()
        self._outstanding: dict[_MessageKey, StageMessage] = {}
        self._retries: dict[_MessageKey, threading.Timer] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        # Nothing of ours runs yet, so whatever the scratch folder holds was left by
        # processes that died with an earlier server.
        swept = sweep_scratch(self._context.scratch_dir, timedelta(0))
        if swept:
            logger.info("removed %d scratch entries left by an earlier run", swept)
        self._pool = ProcessPool(
            self._settings.job_workers,
            name="jobs",
            # One delivery more than the attempt cap: the last one finds the cap reached
            # and fails the job with a message, instead of the pool failing it silently.
            max_deliveries=self._settings.job_max_attempts + 1,
            initializer=partial(_initialise_process, self._settings),
            eager=True,
        )
        # Messages queued in the previous server's memory are gone: send all waiting work.
        reconcile(self._context, self._enqueue, requeue_after=timedelta(0))
        self._start_thread("job-reconciler", self._reconcile_forever)
        self._start_thread("job-clean-up", self._clean_up_daily)

    def submit(self, job_id: str, password: str | None) -> None:
        self._enqueue.extract(job_id, password)

    def check(self) -> None:
        if self._pool is None or self._stopping.is_set():
            raise RuntimeError("the job runner is not running")
        self._pool.check()
        if not all(thread.is_alive() for thread in self._threads):
            raise RuntimeError("the job runner's reconciler has stopped")

    def shutdown(self) -> None:
        """End the pool's processes and give their leases back, so the next start resumes
        their work at once. Chapters already spoken are kept."""
        self._stopping.set()
        with self._changed:
            for timer in self._retries.values():
                timer.cancel()
            self._retries.clear()
            stopped = [message.task_id for message in self._outstanding.values()]
            self._changed.notify_all()
        if self._pool is not None:
            self._pool.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        if stopped:
            try:
                with session_scope(self._context.sessions) as session:
                    StageRepository(session).release_tasks(stopped)
            except Exception:
                logger.warning("could not give back leases at shutdown", exc_info=True)

    def wait_idle(self, timeout: float) -> bool:
        """Block until no message is queued, running or waiting for a retry; False if that
        has not happened within `timeout` seconds (for tests and benchmarks)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not self._outstanding and not self._retries, timeout
            )

    def pids(self) -> list[int]:
        """The pool's live processes (for fault tests)."""
        return self._pool.pids() if self._pool is not None else []

    # Sending and settling messages.

    def _send(self, message: StageMessage) -> None:
        if message.request_id is None:
            # Sent while a request runs (a submission, a retry): its id goes with the job.
            message = replace(message, request_id=current_request_id())
        key = (message.stage, message.job_id, message.chapter)
        with self._changed:
            if self._stopping.is_set() or self._pool is None:
                # The job's row is committed and waits: the next start sends it.
                logger.warning("job %s waits for the runner to start", message.job_id)
                return
            if key in self._outstanding:
                # Queued or running already (the reconciler resends what waits long).
                return
            self._outstanding[key] = message
        limits = limits_for(message, self._settings.max_pdf_pages)
        future = self._pool.submit(_deliver_in_process, message, time_limit=limits.hard)
        future.add_done_callback(partial(self._settle, key, message))

    def _settle(
        self,
        key: _MessageKey,
        message: StageMessage,
        future: Future[tuple[float | None, list[StageMessage]]],
    ) -> None:
        with self._changed:
            self._outstanding.pop(key, None)
            self._changed.notify_all()
        if future.cancelled() or self._stopping.is_set():
            return
        error = future.exception()
        if error is None:
            delay, follow_ups = future.result()
            for follow_up in follow_ups:
                self._send(follow_up)
            if delay is not None:
                self._retry_later(key, message.retried(), delay)
            return
        if isinstance(error, WorkerLostError):
            # The last delivery normally finds the attempt cap reached and fails the job
            # itself; this covers a process that died before it could claim anything.
            with session_scope(self._context.sessions) as session:
                give_up(session, message.job_id, self._settings.job_max_attempts)
            return
        if isinstance(error, TimeLimitError):
            logger.error("job %s: %s", message.job_id, error)
            fail_job(self._context, message.job_id, "time_limit", TIME_LIMIT_MESSAGE)
            return
        logger.error("job %s: %s failed", message.job_id, message.stage, exc_info=error)

    def _retry_later(self, key: _MessageKey, message: StageMessage, delay: float) -> None:
        def resend() -> None:
            with self._changed:
                self._retries.pop(key, None)
                self._changed.notify_all()
            if not self._stopping.is_set():
                self._send(message)

        timer = threading.Timer(delay, resend)
        timer.daemon = True
        with self._changed:
            if self._stopping.is_set():
                return
            self._retries[key] = timer
        timer.start()

    # Background threads of the parent process.

    def _start_thread(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _reconcile_forever(self) -> None:
        while not self._stopping.wait(self._settings.reconcile_seconds):
            try:
                reconcile(self._context, self._enqueue)
            except Exception:
                logger.exception("could not reconcile waiting jobs")

    def _clean_up_daily(self) -> None:
        while not self._stopping.wait(seconds_until_clean_up()):
            try:
                clean_up(self._context)
            except Exception:
                logger.exception("the daily clean-up failed")


# The pool processes' side.

_process: ProcessContext | None = None


def _initialise_process(settings: Settings) -> None:
    """Once per pool process: its database and storage, and the default voice loading
    before the first chapter needs it."""
    global _process
    # A spawned process starts with Python's defaults: no handler, no metrics folder.
    configure_logging(settings)
    use_directory(settings.metrics_dir)
    _process = ProcessContext(settings)
    # In the background: the process takes its first message at once, and a chapter that
    # needs the voice before it is loaded waits for the same load (the engine has a lock).
    threading.Thread(target=_load_default_voice, name="voice-preload", daemon=True).start()


def _load_default_voice() -> None:
    try:
        provider = get_provider(DEFAULT_PROVIDER)
        provider.prepare(provider.resolve_voice(None, None))
    except Exception:
        # A chapter that needs the voice reports why it cannot load, with the job.
        logger.warning("could not load the default voice ahead of time", exc_info=True)


def _deliver_in_process(message: StageMessage) -> tuple[float | None, list[StageMessage]]:
    """Run one message in a pool process; returns the retry delay and the messages the
    stage sent, for the parent to queue (a process cannot reach the parent's queue)."""
    if _process is None:
        raise RuntimeError("the pool process was not initialised")
    context = _process.get()
    sent: list[StageMessage] = []

    def send(follow_up: StageMessage) -> None:
        sent.append(replace(follow_up, request_id=message.request_id))

    delay = run_observed(
        context.sessions,
        message.stage.value,
        message.job_id,
        message.chapter,
        message.request_id,
        lambda: deliver(context, message, MessageEnqueuer(send)),
    )
    return delay, sent
