"""The Celery tasks: thin wrappers that hand ids to `service.jobs.stages`.

Messages carry ids only (and, for extraction, the PDF password, which is never stored).
Each worker process opens its own database engine and storage on first use; a forked
child never reuses its parent's connections.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from sqlalchemy import Engine

from pdf2audiobook.service.jobs.cleanup import delete_expired_jobs, sweep_orphaned_files
from pdf2audiobook.service.jobs.stage_repository import StageRepository
from pdf2audiobook.service.jobs.stages import (
    StageContext,
    TaskRun,
    TransientFailure,
    give_up_after_retries,
    reconcile,
    run_assemble,
    run_chapter,
    run_prepare,
)
from pdf2audiobook.service.jobs.transient import MAX_RETRIES, is_transient, retry_delay
from pdf2audiobook.service.kit.db import (
    create_engine_from_settings,
    session_factory,
    session_scope,
)
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.storage.factory import storage_from_settings
from pdf2audiobook.service.worker.celery_app import (
    TASK_ASSEMBLE,
    TASK_CHAPTER,
    TASK_CLEAN_UP,
    TASK_PREPARE,
    TASK_RECONCILE,
)
from pdf2audiobook.service.worker.enqueue import CeleryEnqueuer

logger = logging.getLogger(__name__)

TIME_LIMIT_MESSAGE = "This job took longer than its time limit and was stopped."


class _ProcessContext:
    """The stage context of this process, made on first use and again after a fork."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._engine: Engine | None = None
        self._context: StageContext | None = None
        self._pid = 0

    def get(self) -> StageContext:
        if self._context is None or self._pid != os.getpid():
            self.forget()
            engine = create_engine_from_settings(self._settings)
            self._engine = engine
            self._context = StageContext(
                self._settings,
                session_factory(engine),
                storage_from_settings(self._settings),
                interruptions=(SoftTimeLimitExceeded,),
            )
            self._pid = os.getpid()
        return self._context

    def forget(self) -> None:
        """Drop the engine without closing its connections: after a fork they belong to
        the parent, and closing them here would break its sessions."""
        if self._engine is not None:
            self._engine.dispose(close=False)
        self._engine = None
        self._context = None


def _replace_authkey(process: multiprocessing.process.BaseProcess) -> None:
    # Private parts of multiprocessing: the public setter would wrap the key in billiard's
    # class again, since billiard stands in for this module inside pool processes.
    config: dict[str, object] = vars(process)["_config"]
    key_class = vars(multiprocessing.process)["AuthenticationString"]
    config["authkey"] = key_class(os.urandom(32))


def register_tasks(app: Celery, settings: Settings) -> None:
    process = _ProcessContext(settings)
    enqueue = CeleryEnqueuer(app, settings)

    @worker_process_init.connect(weak=False)
    def _prepare_pool_process(**_: Any) -> None:
        process.forget()
        # Pool processes are marked daemonic, and multiprocessing refuses children to a
        # daemon; but the PDF reader must run in its own memory-capped child. That child
        # ends by itself (a deadline) and is waited for, so it cannot outlive the task.
        pool_process = multiprocessing.current_process()
        pool_process.daemon = False
        # The pool's inherited key is billiard's kind, which refuses to be sent to a
        # spawned child; a fresh one of the standard kind can be.
        _replace_authkey(pool_process)

    def retry_or_give_up(task: Task[Any, Any], job_id: str, failure: TransientFailure) -> None:
        retries = int(task.request.retries or 0)
        if retries >= MAX_RETRIES:
            logger.error("job %s: giving up after %d retries: %s", job_id, retries, failure)
            give_up_after_retries(process.get(), job_id)
            return
        logger.warning("job %s: retrying after a temporary failure: %s", job_id, failure)
        raise task.retry(exc=failure, countdown=retry_delay(retries), max_retries=MAX_RETRIES)

    def stopped_by_time_limit(job_id: str) -> None:
        with session_scope(process.get().sessions) as session:
            StageRepository(session).fail_job(job_id, "time_limit", TIME_LIMIT_MESSAGE)

    def run_stage(task: Task[Any, Any], job_id: str, work: Callable[[TaskRun], None]) -> None:
        try:
            work(TaskRun(str(task.request.id)))
        except TransientFailure as failure:
            retry_or_give_up(task, job_id, failure)
        except SoftTimeLimitExceeded:
            stopped_by_time_limit(job_id)
        except Exception as error:
            # An outage before the stage held anything (the claim itself failed).
            if not is_transient(error):
                raise
            retry_or_give_up(task, job_id, TransientFailure(str(error)))

    @app.task(name=TASK_PREPARE, bind=True)
    def prepare_job(self: Task[Any, Any], job_id: str, password: str | None = None) -> None:
        run_stage(
            self, job_id, lambda run: run_prepare(process.get(), job_id, password, run, enqueue)
        )

    @app.task(name=TASK_CHAPTER, bind=True)
    def synthesise_chapter(self: Task[Any, Any], job_id: str, number: int) -> None:
        run_stage(
            self, job_id, lambda run: run_chapter(process.get(), job_id, number, run, enqueue)
        )

    @app.task(name=TASK_ASSEMBLE, bind=True)
    def assemble_job(self: Task[Any, Any], job_id: str) -> None:
        run_stage(self, job_id, lambda run: run_assemble(process.get(), job_id, run))

    @app.task(name=TASK_RECONCILE, acks_late=False)
    def reconcile_jobs() -> int:
        # Early ack: a reconcile lost with its worker is simply run again by beat.
        return reconcile(process.get(), enqueue)

    @app.task(name=TASK_CLEAN_UP, acks_late=False)
    def clean_up() -> int:
        context = process.get()
        deleted = delete_expired_jobs(
            context.sessions, context.storage, timedelta(days=settings.job_retention_days)
        )
        swept = sweep_orphaned_files(context.sessions, context.storage)
        logger.info("clean-up: %d old jobs deleted, %d stray files removed", deleted, swept)
        return deleted
