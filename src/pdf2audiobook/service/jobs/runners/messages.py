"""One delivery of a stage message, the same on every queue: run it, map its failures.

A message names a stage and its job (and chapter); the queue (the embedded pool or Celery)
delivers it, possibly again after a worker died, under the same task id. `deliver` runs the
stage and returns when to deliver it again after an outage, or None when it is settled.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from pdf2audiobook.service.jobs.stages import (
    Enqueuer,
    StageContext,
    TaskRun,
    TransientFailure,
    give_up_after_retries,
    run_assemble,
    run_extract,
    run_synthesise,
)
from pdf2audiobook.service.jobs.stages.transient import MAX_RETRIES, is_transient, retry_delay
from pdf2audiobook.service.models import JobStage

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StageMessage:
    """What a queue carries: ids only, and the PDF's password for extraction (never stored)."""

    stage: JobStage
    job_id: str
    task_id: str
    chapter: int = 0
    password: str | None = None
    retries: int = 0
    characters: int = 0
    """The chapter's length, for a queue that scales time limits to the work."""
    request_id: str | None = None
    """The request that submitted the job, for the stage's log lines."""

    def retried(self) -> StageMessage:
        return replace(self, retries=self.retries + 1)


def deliver(context: StageContext, message: StageMessage, enqueue: Enqueuer) -> float | None:
    """Run one delivery of `message`. Returns the delay in seconds after which the queue
    should deliver `message.retried()` (an outage), or None when nothing is left to do.

    A user's error fails the job; after MAX_RETRIES outages the job fails plainly.
    Interruptions listed in `context.interruptions` (a queue's time limit) propagate.
    """
    run = TaskRun(message.task_id)
    try:
        if message.stage is JobStage.EXTRACTING:
            run_extract(context, message.job_id, message.password, run, enqueue)
        elif message.stage is JobStage.SYNTHESISING:
            run_synthesise(context, message.job_id, message.chapter, run, enqueue)
        else:
            run_assemble(context, message.job_id, run)
    except TransientFailure as failure:
        return _retry_or_give_up(context, message, failure)
    except Exception as error:
        # An outage before the stage held anything (the claim itself failed).
        if not is_transient(error):
            raise
        return _retry_or_give_up(context, message, TransientFailure(str(error)))
    return None


def _retry_or_give_up(
    context: StageContext, message: StageMessage, failure: TransientFailure
) -> float | None:
    if message.retries >= MAX_RETRIES:
        logger.error(
            "job %s: giving up after %d retries: %s", message.job_id, message.retries, failure
        )
        give_up_after_retries(context, message.job_id)
        return None
    logger.warning("job %s: retrying after a temporary failure: %s", message.job_id, failure)
    return retry_delay(message.retries)


class MessageEnqueuer:
    """The stages' `Enqueuer` as stage messages handed to `send`, each with a new task id."""

    def __init__(self, send: Callable[[StageMessage], None]) -> None:
        self._send = send

    def extract(self, job_id: str, password: str | None) -> None:
        self._send(StageMessage(JobStage.EXTRACTING, job_id, new_task_id(), password=password))

    def synthesise(self, job_id: str, number: int, characters: int) -> None:
        self._send(
            StageMessage(
                JobStage.SYNTHESISING, job_id, new_task_id(), chapter=number, characters=characters
            )
        )

    def assemble(self, job_id: str, page_count: int | None) -> None:
        del page_count  # scales a queue's time limit; messages carry ids only
        self._send(StageMessage(JobStage.ASSEMBLING, job_id, new_task_id()))


def new_task_id() -> str:
    return uuid.uuid4().hex
