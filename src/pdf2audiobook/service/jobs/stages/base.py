"""What every stage shares: its context and message, and how failures become the job's state."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.pipeline.book_plan import BookPlan, PlanFormatError
from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.service.jobs.lifecycle.keys import plan_key_for
from pdf2audiobook.service.jobs.stages.lease_keeper import LeaseKeeper
from pdf2audiobook.service.jobs.stages.repository import (
    ClaimRefused,
    StageRepository,
    owner_for,
)
from pdf2audiobook.service.jobs.stages.transient import is_transient
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.models import Job, JobStage
from pdf2audiobook.service.storage.base import Storage, StorageKeyNotFound

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

SCRATCH_FOLDER = "scratch"

PROGRESS_WRITE_SECONDS = 1.0
"""Chapter progress is written at most this often (it is also where a cancel is noticed)."""
TOO_MANY_ATTEMPTS = (
    "This job stopped its worker {attempts} times (it may be too large or damaged) "
    "and was given up."
)
GAVE_UP_AFTER_RETRIES = (
    "A temporary problem kept this job from finishing after several tries. Retry it later."
)
TIME_LIMIT_MESSAGE = "This job took longer than its time limit and was stopped."
PLAN_LOST = "This job's working files are gone. Retry it to start again."
UNEXPECTED_FAILURE = "An unexpected error stopped this job. It has been logged; retrying may work."


class JobStopped(Exception):
    """The job was cancelled or deleted, or its lease was lost: stop without touching it."""


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a task needs, opened once per worker process."""

    settings: Settings
    sessions: sessionmaker[Session]
    storage: Storage
    interruptions: tuple[type[BaseException], ...] = ()
    """Exceptions the queue raises inside a task (a soft time limit) that must reach it."""

    @property
    def scratch_dir(self) -> Path:
        """Where stages keep files while they work: under the data folder, so that what a
        killed process leaves is found and swept (`sweep_scratch`), never left in /tmp."""
        folder = self.settings.data_dir / SCRATCH_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        return folder


@dataclass(frozen=True, slots=True)
class TaskRun:
    """One delivery of a task: its queue id, and the lease owner name made from it."""

    task_id: str

    @property
    def owner(self) -> str:
        return owner_for(socket.gethostname(), os.getpid(), self.task_id)


class Enqueuer(Protocol):
    def extract(self, job_id: str, password: str | None) -> None: ...

    def synthesise(self, job_id: str, number: int, characters: int) -> None: ...

    def assemble(self, job_id: str, page_count: int | None) -> None: ...


class TransientFailure(Exception):
    """A stage hit an outage (its lease is already given back): the queue should retry."""


def guarded(
    context: StageContext,
    job_id: str,
    owner: str,
    work: Callable[[], _T],
    *,
    release: Callable[[StageRepository, str, str], None],
) -> _T | None:
    """Run a stage's work; turn its failures into the job's state.

    A user's error (bad PDF, wrong password, no text) fails the job at once with its
    message; an outage gives the lease back and raises TransientFailure for the queue to
    retry; a lost lease stops quietly; anything else fails the job without retrying.
    """
    try:
        return work()
    except JobStopped:
        logger.info("job %s stopped: cancelled or taken over", job_id)
        return None
    except BaseException as error:
        if isinstance(error, context.interruptions):
            raise
        if is_transient(error):
            with session_scope(context.sessions) as session:
                release(StageRepository(session), job_id, owner)
            raise TransientFailure(str(error)) from error
        if isinstance(error, PipelineError):
            # The public message: a provider's own answer is for the logs, not the user.
            logger.warning("job %s failed: %s", job_id, error.message)
            fail_job(context, job_id, error.code, error.public_message)
            return None
        if isinstance(error, PlanFormatError | StorageKeyNotFound):
            logger.warning("job %s lost its working files", job_id, exc_info=True)
            fail_job(context, job_id, "working_files_lost", PLAN_LOST)
            return None
        if not isinstance(error, Exception):
            raise
        logger.exception("job %s failed unexpectedly", job_id)
        fail_job(context, job_id, "internal_error", UNEXPECTED_FAILURE)
        return None


def release_job(stages: StageRepository, job_id: str, owner: str) -> None:
    stages.release_job(job_id, owner)


def chapter_releaser(number: int) -> Callable[[StageRepository, str, str], None]:
    def release(stages: StageRepository, job_id: str, owner: str) -> None:
        stages.release_chapter(job_id, number, owner)

    return release


def fail_job(context: StageContext, job_id: str, code: str, message: str) -> None:
    with session_scope(context.sessions) as session:
        StageRepository(session).fail_job(job_id, code, message)


def give_up(session: Session, job_id: str, attempts: int) -> None:
    logger.error("job %s gave up after %d attempts", job_id, attempts)
    StageRepository(session).fail_job(
        job_id, "too_many_attempts", TOO_MANY_ATTEMPTS.format(attempts=attempts)
    )


def load_plan(context: StageContext, job_id: str) -> BookPlan:
    with context.storage.open_read(plan_key_for(job_id)) as stream:
        return BookPlan.from_json(stream.read())


def claim_job_stage(
    session: Session, context: StageContext, job_id: str, stage: JobStage, run: TaskRun
) -> Job | None:
    """Claim a job-level stage (reading or assembly) for this run. None when refused; a job
    that has used up its attempts is failed first."""
    settings = context.settings
    claim = StageRepository(session).claim_job(
        job_id, stage, run.owner, run.task_id, settings.job_lease_seconds, settings.job_max_attempts
    )
    if isinstance(claim, ClaimRefused):
        if claim.exhausted:
            give_up(session, job_id, settings.job_max_attempts)
        return None
    return claim


def job_lease_keeper(context: StageContext, job_id: str, owner: str) -> LeaseKeeper:
    """Keeps `owner`'s lease on the job alive while a job-level stage works."""
    lease_seconds = context.settings.job_lease_seconds

    def renew() -> bool:
        with session_scope(context.sessions) as session:
            return StageRepository(session).heartbeat_job(job_id, owner, lease_seconds)

    return LeaseKeeper(renew, lease_seconds / 4)
