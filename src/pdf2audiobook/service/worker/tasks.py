"""The Celery tasks: thin wrappers that hand stage messages to `jobs.runners.messages`.

Messages carry ids only (and, for extraction, the PDF password, which is never stored).
Each worker process opens its own database engine and storage on first use; a forked
child never reuses its parent's connections.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from dataclasses import replace
from typing import Any

from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import setup_logging, worker_process_init

from pdf2audiobook.service.jobs.runners.housekeeping import clean_up
from pdf2audiobook.service.jobs.runners.messages import StageMessage, deliver
from pdf2audiobook.service.jobs.runners.process_context import ProcessContext
from pdf2audiobook.service.jobs.stages import reconcile
from pdf2audiobook.service.jobs.stages.base import TIME_LIMIT_MESSAGE, fail_job
from pdf2audiobook.service.kit.logging_setup import configure_logging
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.metrics.instruments import use_directory
from pdf2audiobook.service.metrics.stages import run_observed
from pdf2audiobook.service.models import JobStage
from pdf2audiobook.service.worker.config import (
    REQUEST_ID_HEADER,
    TASK_ASSEMBLE,
    TASK_CLEAN_UP,
    TASK_EXTRACT,
    TASK_RECONCILE,
    TASK_SYNTHESISE,
)
from pdf2audiobook.service.worker.enqueue import CeleryEnqueuer

logger = logging.getLogger(__name__)


def _replace_authkey(process: multiprocessing.process.BaseProcess) -> None:
    # Private parts of multiprocessing: the public setter would wrap the key in billiard's
    # class again, since billiard stands in for this module inside pool processes.
    config: dict[str, object] = vars(process)["_config"]
    key_class = vars(multiprocessing.process)["AuthenticationString"]
    config["authkey"] = key_class(os.urandom(32))


def register_tasks(app: Celery, settings: Settings) -> None:
    process = ProcessContext(settings, interruptions=(SoftTimeLimitExceeded,))
    enqueue = CeleryEnqueuer(app, settings)

    @setup_logging.connect(weak=False)
    def _configure_logging(**_: Any) -> None:
        # Connected, this replaces Celery's own logging set-up with the service's.
        configure_logging(settings)

    @worker_process_init.connect(weak=False)
    def _prepare_pool_process(**_: Any) -> None:
        process.forget()
        use_directory(settings.metrics_dir)
        # Pool processes are marked daemonic, and multiprocessing refuses children to a
        # daemon; but the PDF reader must run in its own memory-capped child. That child
        # ends by itself (a deadline) and is waited for, so it cannot outlive the task.
        pool_process = multiprocessing.current_process()
        pool_process.daemon = False
        # The pool's inherited key is billiard's kind, which refuses to be sent to a
        # spawned child; a fresh one of the standard kind can be.
        _replace_authkey(pool_process)

    def run(task: Task[Any, Any], message: StageMessage) -> None:
        # The delivery's own task id (the lease owner) and how often Celery retried it.
        message = replace(
            message,
            task_id=str(task.request.id),
            retries=int(task.request.retries or 0),
            request_id=task.request.get(REQUEST_ID_HEADER),
        )
        context = process.get()
        try:
            delay = run_observed(
                context.sessions,
                message.stage.value,
                message.job_id,
                message.chapter,
                message.request_id,
                lambda: deliver(context, message, enqueue),
            )
        except SoftTimeLimitExceeded:
            fail_job(process.get(), message.job_id, "time_limit", TIME_LIMIT_MESSAGE)
            return
        if delay is not None:
            raise task.retry(countdown=delay, max_retries=None)

    @app.task(name=TASK_EXTRACT, bind=True)
    def extract(self: Task[Any, Any], job_id: str, password: str | None = None) -> None:
        run(self, StageMessage(JobStage.EXTRACTING, job_id, "", password=password))

    @app.task(name=TASK_SYNTHESISE, bind=True)
    def synthesise_chapter(self: Task[Any, Any], job_id: str, number: int) -> None:
        run(self, StageMessage(JobStage.SYNTHESISING, job_id, "", chapter=number))

    @app.task(name=TASK_ASSEMBLE, bind=True)
    def assemble(self: Task[Any, Any], job_id: str) -> None:
        run(self, StageMessage(JobStage.ASSEMBLING, job_id, ""))

    @app.task(name=TASK_RECONCILE, acks_late=False)
    def reconcile_jobs() -> int:
        # Early ack: a reconcile lost with its worker is simply run again by beat.
        return reconcile(process.get(), enqueue)

    @app.task(name=TASK_CLEAN_UP, acks_late=False)
    def clean_up_jobs() -> int:
        return clean_up(process.get())
