"""A user's jobs: every statement is restricted to the owner's rows, so another user's
job behaves exactly like a missing one. The runner's unscoped view is in
`queue_repository.py`. Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pdf2audiobook.service.credits.holds import JobCredits
from pdf2audiobook.service.kit.errors import Conflict
from pdf2audiobook.service.models import (
    Chapter,
    ChapterStatus,
    Job,
    JobStatus,
    RemovedBlock,
    utc_now,
)

MAX_PAGE_SIZE = 100
FORBIDDEN_OPTION_KEYS = frozenset({"password", "pdf_password"})


class IdempotencyKeyInUse(Conflict):
    """The owner already created a job with this idempotency key.

    `existing` is that job, usable until the session's transaction ends (a rollback expires
    it); `existing_job_id` stays valid after.
    """

    def __init__(self, existing: Job) -> None:
        super().__init__("A job with this idempotency key already exists")
        self.existing = existing
        self.existing_job_id = existing.id


class JobRepository:
    """One user's jobs. `owner_id` is the `User.id` every query is restricted to."""

    def __init__(self, session: Session, owner_id: str) -> None:
        self._session = session
        self._owner_id = owner_id

    def _owned(self) -> ColumnElement[bool]:
        return Job.user_id == self._owner_id

    def _scoped(self) -> Select[Job]:
        return select(Job).where(self._owned())

    def create(
        self,
        *,
        original_filename: str,
        pdf_key: str,
        options: Mapping[str, Any],
        idempotency_key: str | None = None,
        pdf_password_sealed: str | None = None,
    ) -> Job:
        """A new PENDING job for the owner, flushed so its id is known.

        Raises `IdempotencyKeyInUse` when the owner already has a job with `idempotency_key`
        (also when a concurrent request inserted it first; the session stays usable), and
        ValueError when `options` carries a password, which must never reach a row.
        """
        if FORBIDDEN_OPTION_KEYS & {key.lower() for key in options}:
            raise ValueError("a PDF password must not be stored with the job's options")
        if idempotency_key is not None:
            existing = self.find_by_idempotency_key(idempotency_key)
            if existing is not None:
                raise IdempotencyKeyInUse(existing)
        job = Job(
            user_id=self._owner_id,
            original_filename=original_filename,
            pdf_key=pdf_key,
            options=dict(options),
            idempotency_key=idempotency_key,
            pdf_password_sealed=pdf_password_sealed,
        )
        try:
            with self._session.begin_nested():
                self._session.add(job)
        except IntegrityError:
            raced = (
                self.find_by_idempotency_key(idempotency_key)
                if idempotency_key is not None
                else None
            )
            if raced is None:
                raise
            raise IdempotencyKeyInUse(raced) from None
        return job

    def get(self, job_id: str) -> Job | None:
        """The owner's job with this id; None if it is missing or someone else's."""
        return self._session.scalars(self._scoped().where(Job.id == job_id)).first()

    def list(
        self, status: JobStatus | None = None, limit: int = 20, offset: int = 0
    ) -> tuple[builtins.list[Job], int]:
        """One page of the owner's jobs, newest first, and how many match in all.

        Raises ValueError unless 1 <= limit <= MAX_PAGE_SIZE and offset >= 0.
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        if offset < 0:
            raise ValueError("offset must not be negative")
        matching = self._scoped()
        if status is not None:
            matching = matching.where(Job.status == status)
        total = self._session.scalar(select(func.count()).select_from(matching.subquery()))
        # The id breaks ties between jobs created in the same microsecond, so pages never
        # overlap or skip a job.
        page = matching.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit).offset(offset)
        return builtins.list(self._session.scalars(page)), total or 0

    def find_by_idempotency_key(self, idempotency_key: str) -> Job | None:
        statement = self._scoped().where(Job.idempotency_key == idempotency_key)
        return self._session.scalars(statement).first()

    def delete(self, job: Job) -> bool:
        """Delete the owner's `job` with its chapters and removal ledger (the database
        cascades); credits still held for a job that never started are given back.

        False when it is not the owner's or already gone. Stored files are the caller's to
        remove, after the commit, from `pdf_key` and `audio_key`.
        """
        if job.status is JobStatus.PENDING:
            JobCredits(self._session).release(job.id, "was deleted before it started")
        statement = delete(Job).where(self._owned(), Job.id == job.id).returning(Job.id)
        return self._session.execute(statement).first() is not None

    def cancel(self, job: Job) -> bool:
        """Cancel the owner's PENDING or PROCESSING `job` and drop its lease, so the runner's
        next write fails and it stops. False when the job is not the owner's or has already
        finished. `job` is updated in place when it changes.

        The credits held for it are given back. A cancelled job keeps no audio: the job's
        audio fields are cleared, and its chapters go back to PENDING without audio or lease,
        so nothing of it can be downloaded and a retry makes every chapter again. Deleting the
        files is the caller's, after the commit.
        """
        cancelled = self._transition(
            job,
            (JobStatus.PENDING, JobStatus.PROCESSING),
            status=JobStatus.CANCELLED,
            finished_at=utc_now(),
            lease_owner=None,
            lease_expires_at=None,
            stage=None,
            audio_key=None,
            audio_format=None,
            duration_seconds=None,
        )
        if cancelled:
            JobCredits(self._session).release(job.id, "was cancelled")
            owned_job = select(Job.id).where(self._owned(), Job.id == job.id)
            statement = (
                update(Chapter)
                .where(Chapter.job_id.in_(owned_job))
                .values(
                    status=ChapterStatus.PENDING,
                    audio_key=None,
                    duration_seconds=None,
                    progress=0,
                    lease_owner=None,
                    lease_expires_at=None,
                    enqueued_at=None,
                )
                .execution_options(synchronize_session="fetch")
            )
            self._session.execute(statement)
        return cancelled

    def reset_for_retry(self, job: Job) -> bool:
        """Put the owner's FAILED or CANCELLED `job` back to PENDING as if new: progress,
        error, timings, lease and attempt count are cleared (the next run replaces the chapter
        plan) and a new billing run starts. False when the job is not the owner's or is not
        in one of those states. `job` is updated in place when it changes."""
        return self._transition(
            job,
            (JobStatus.FAILED, JobStatus.CANCELLED),
            status=JobStatus.PENDING,
            progress=0,
            attempts=0,
            billing_run=Job.billing_run + 1,
            error_code=None,
            error_message=None,
            started_at=None,
            finished_at=None,
            lease_owner=None,
            lease_expires_at=None,
            stage=None,
            enqueued_at=None,
        )

    def _transition(self, job: Job, allowed_from: tuple[JobStatus, ...], **values: Any) -> bool:
        # A compare-and-set on the status, so a runner finishing the job at the same moment
        # cannot be overwritten.
        statement = (
            update(Job)
            .where(self._owned(), Job.id == job.id, Job.status.in_(allowed_from))
            .values(**values)
            .returning(Job.id)
            .execution_options(synchronize_session="fetch")
        )
        return self._session.execute(statement).first() is not None

    def delete_by_status(self, status: JobStatus) -> builtins.list[Job]:
        """Delete all the owner's jobs in `status`; returns them so their files can be removed
        after the commit."""
        statement = delete(Job).where(self._owned(), Job.status == status).returning(Job)
        return builtins.list(self._session.scalars(statement))

    def chapters(self, job_id: str) -> builtins.list[Chapter]:
        """The chapter plan of the owner's job, in reading order; empty for another's job."""
        statement = (
            select(Chapter)
            .join(Job, Chapter.job_id == Job.id)
            .where(self._owned(), Job.id == job_id)
            .order_by(Chapter.number)
        )
        return builtins.list(self._session.scalars(statement))

    def removed(self, job_id: str) -> builtins.list[RemovedBlock]:
        """What extraction left out of the owner's job, by page; empty for another's job."""
        statement = (
            select(RemovedBlock)
            .join(Job, RemovedBlock.job_id == Job.id)
            .where(self._owned(), Job.id == job_id)
            .order_by(RemovedBlock.page, RemovedBlock.id)
        )
        return builtins.list(self._session.scalars(statement))
