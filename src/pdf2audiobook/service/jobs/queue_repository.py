"""The runner's view of the jobs table: claims, leases, progress and results.

Not scoped to an owner: only job runners use it, never a request on a user's behalf.
Every write after the claim checks the lease, so a runner that lost its job (cancelled,
deleted, or taken over after its lease expired) cannot overwrite anyone's state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from pdf2audiobook.pipeline import document
from pdf2audiobook.service.models import (
    Chapter,
    ChapterStatus,
    Job,
    JobStatus,
    RemovedBlock,
    UtcDateTime,
    utc_now,
)


class JobQueueRepository:
    """The runner's view of all jobs: claiming them under a lease and recording their progress.

    A runner identifies itself by `owner` (unique per attempt, e.g. host, pid and task id).
    Every write after `claim` names that owner and returns False once the lease is lost:
    another runner reclaimed the job after the lease expired, or it was cancelled or deleted.
    The runner must then stop working on the job. Lease times come from `clock`, so runners
    sharing a database need synchronised clocks.
    """

    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._session = session
        self._clock = clock

    def get(self, job_id: str) -> Job | None:
        """Any user's job, for the runner only: never reachable from a user's request."""
        return self._session.get(Job, job_id, populate_existing=True)

    def claim(self, job_id: str, owner: str, lease_seconds: float) -> Job | None:
        """Take the job for `owner`: PENDING, or PROCESSING under an expired lease, becomes
        PROCESSING with a fresh lease and one more attempt.

        One atomic UPDATE, so of several concurrent claims exactly one wins. Returns the
        claimed job, or None when it is missing, finished, or leased to anyone (the caller
        included) until later.
        """
        now = self._clock()
        lease_expired = or_(Job.lease_expires_at.is_(None), Job.lease_expires_at <= now)
        claimable = or_(
            Job.status == JobStatus.PENDING,
            and_(Job.status == JobStatus.PROCESSING, lease_expired),
        )
        statement = (
            update(Job)
            .where(Job.id == job_id, claimable)
            .values(
                status=JobStatus.PROCESSING,
                attempts=Job.attempts + 1,
                lease_owner=owner,
                lease_expires_at=_lease_end(now, lease_seconds),
                started_at=func.coalesce(Job.started_at, literal(now, UtcDateTime())),
            )
            .returning(Job)
            .execution_options(populate_existing=True)
        )
        return self._session.scalars(statement).first()

    def heartbeat(self, job_id: str, owner: str, lease_seconds: float) -> bool:
        """Extend `owner`'s lease to `lease_seconds` from now. False if the lease is lost."""
        now = self._clock()
        return self._update_leased(job_id, owner, lease_expires_at=_lease_end(now, lease_seconds))

    def update_progress(self, job_id: str, owner: str, progress: int) -> bool:
        """Record progress in percent. Raises ValueError outside 0-100; False if the lease is
        lost."""
        if not 0 <= progress <= 100:
            raise ValueError("progress must be between 0 and 100")
        return self._update_leased(job_id, owner, progress=progress)

    def record_book(
        self,
        job_id: str,
        owner: str,
        *,
        title: str | None,
        author: str | None,
        page_count: int,
        character_count: int,
    ) -> bool:
        """Record what extraction found, shown while the audio is still being made."""
        return self._update_leased(
            job_id,
            owner,
            title=title,
            author=author,
            page_count=page_count,
            character_count=character_count,
        )

    def complete(
        self,
        job_id: str,
        owner: str,
        *,
        audio_key: str,
        audio_format: str,
        duration_seconds: float,
    ) -> bool:
        """Mark the job COMPLETED with its audio and release the lease. False if the lease was
        lost, in which case the audio at `audio_key` is not the job's."""
        return self._finish(
            job_id,
            owner,
            status=JobStatus.COMPLETED,
            progress=100,
            audio_key=audio_key,
            audio_format=audio_format,
            duration_seconds=duration_seconds,
            error_code=None,
            error_message=None,
        )

    def fail(self, job_id: str, owner: str, code: str, message: str) -> bool:
        """Mark the job FAILED and release the lease. `message` is shown to the user: pass a
        known error's message, never an exception's text. False if the lease was lost."""
        return self._finish(
            job_id, owner, status=JobStatus.FAILED, error_code=code, error_message=message
        )

    def resumable_job_ids(self) -> list[str]:
        """Jobs a runner should (re)start, oldest first: PENDING, or PROCESSING under an
        expired lease (their runner died)."""
        now = self._clock()
        statement = (
            select(Job.id)
            .where(
                or_(
                    Job.status == JobStatus.PENDING,
                    and_(
                        Job.status == JobStatus.PROCESSING,
                        or_(Job.lease_expires_at.is_(None), Job.lease_expires_at <= now),
                    ),
                )
            )
            .order_by(Job.created_at, Job.id)
        )
        return list(self._session.scalars(statement))

    def replace_chapters(self, job_id: str, chapters: Sequence[document.Chapter]) -> list[Chapter]:
        """Store the job's chapter plan, numbered from 1 in reading order, replacing any plan
        from an earlier attempt. Every chapter starts PENDING."""
        self._session.execute(delete(Chapter).where(Chapter.job_id == job_id))
        rows = [
            Chapter(
                job_id=job_id,
                number=number,
                title=chapter.title,
                start_page=chapter.start_page,
                end_page=chapter.end_page,
                word_count=chapter.word_count,
                status=ChapterStatus.PENDING,
            )
            for number, chapter in enumerate(chapters, start=1)
        ]
        self._session.add_all(rows)
        self._session.flush()
        return rows

    def update_chapter(
        self,
        job_id: str,
        number: int,
        *,
        status: ChapterStatus,
        audio_key: str | None = None,
        duration_seconds: float | None = None,
    ) -> bool:
        """Checkpoint one chapter's synthesis. False if the job has no such chapter or is no
        longer running (a cancel cleared its chapters; a late write must not undo that)."""
        running = select(Job.id).where(Job.id == job_id, Job.status == JobStatus.PROCESSING)
        statement = (
            update(Chapter)
            .where(Chapter.job_id == job_id, Chapter.number == number, running.exists())
            .values(status=status, audio_key=audio_key, duration_seconds=duration_seconds)
            .returning(Chapter.id)
        )
        return self._session.execute(statement).first() is not None

    def record_chapter_voice(self, job_id: str, number: int, provider: str, voice: str) -> bool:
        """Note which provider and voice read a chapter. False if there is no such chapter."""
        statement = (
            update(Chapter)
            .where(Chapter.job_id == job_id, Chapter.number == number)
            .values(provider=provider, voice=voice)
            .returning(Chapter.id)
        )
        return self._session.execute(statement).first() is not None

    def record_cost(
        self, job_id: str, owner: str, characters_sent: int, cost_usd: float, notes: str | None
    ) -> bool:
        """What the job sent to voice providers, what that cost, and notes for the user.
        False if the lease is lost."""
        return self._update_leased(
            job_id, owner, characters_sent=characters_sent, cost_usd=cost_usd, notes=notes
        )

    def replace_removed(self, job_id: str, blocks: Sequence[document.RemovedBlock]) -> None:
        """Store the extraction's removal ledger, replacing any from an earlier attempt."""
        self._session.execute(delete(RemovedBlock).where(RemovedBlock.job_id == job_id))
        if blocks:
            self._session.execute(
                insert(RemovedBlock),
                [
                    {
                        "job_id": job_id,
                        "page": block.page,
                        "reason": block.reason.value,
                        "text": block.text,
                    }
                    for block in blocks
                ],
            )

    def chapters(self, job_id: str) -> list[Chapter]:
        statement = select(Chapter).where(Chapter.job_id == job_id).order_by(Chapter.number)
        return list(self._session.scalars(statement))

    def removed(self, job_id: str) -> list[RemovedBlock]:
        statement = (
            select(RemovedBlock)
            .where(RemovedBlock.job_id == job_id)
            .order_by(RemovedBlock.page, RemovedBlock.id)
        )
        return list(self._session.scalars(statement))

    def _finish(self, job_id: str, owner: str, **values: Any) -> bool:
        return self._update_leased(
            job_id,
            owner,
            finished_at=self._clock(),
            lease_owner=None,
            lease_expires_at=None,
            **values,
        )

    def _update_leased(self, job_id: str, owner: str, **values: Any) -> bool:
        statement = (
            update(Job)
            .where(_leased_to(job_id, owner))
            .values(**values)
            .returning(Job.id)
            .execution_options(synchronize_session="fetch")
        )
        return self._session.execute(statement).first() is not None

    # The clean-up's view (jobs/cleanup.py): expired jobs, and which stored files are still owned.

    def expired_job_ids(self, cutoff: datetime, limit: int) -> list[str]:
        """Up to `limit` expired jobs, oldest first: completed, failed or cancelled, and finished
        before `cutoff` (created before it, when the finish time is unknown). Active jobs never
        expire. Raises ValueError unless `limit` is positive."""
        if limit < 1:
            raise ValueError("limit must be positive")
        statement = (
            select(Job.id)
            .where(self._expired_before(cutoff))
            .order_by(func.coalesce(Job.finished_at, Job.created_at), Job.id)
            .limit(limit)
        )
        return list(self._session.scalars(statement))

    def delete_expired(self, job_ids: Sequence[str], cutoff: datetime) -> list[Job]:
        """Delete those of `job_ids` still expired at `cutoff`, with their chapters and removal
        ledgers (the database cascades); a job retried since it was found is active and stays.
        Returns the deleted rows, whose stored files are the caller's to remove after commit."""
        if not job_ids:
            return []
        statement = (
            delete(Job).where(Job.id.in_(job_ids), self._expired_before(cutoff)).returning(Job)
        )
        return list(self._session.scalars(statement))

    def existing_job_ids(self, job_ids: Sequence[str]) -> set[str]:
        """Which of `job_ids` still have a row; the others' files are orphans."""
        if not job_ids:
            return set()
        return set(self._session.scalars(select(Job.id).where(Job.id.in_(job_ids))))

    def referenced_pdf_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of the storage `keys` some job holds as its PDF."""
        if not keys:
            return set()
        return set(self._session.scalars(select(Job.pdf_key).where(Job.pdf_key.in_(keys))))

    @staticmethod
    def _expired_before(cutoff: datetime) -> ColumnElement[bool]:
        finished = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)
        return and_(
            Job.status.in_(finished),
            func.coalesce(Job.finished_at, Job.created_at) < cutoff,
        )


def _leased_to(job_id: str, owner: str) -> ColumnElement[bool]:
    # Status as well as owner: a cancelled or finished job keeps no lease worth honouring.
    return and_(Job.id == job_id, Job.status == JobStatus.PROCESSING, Job.lease_owner == owner)


def _lease_end(now: datetime, lease_seconds: float) -> datetime:
    if lease_seconds <= 0:
        raise ValueError("lease_seconds must be positive")
    return now + timedelta(seconds=lease_seconds)
