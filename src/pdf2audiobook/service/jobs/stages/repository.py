"""The database side of a job split into tasks: extraction, one task per chapter, assembly.

Only runners use it. Each stage is claimed with a compare-and-set on the job (or chapter)
row, under a lease that its worker keeps alive. A claim succeeds when the work is waiting,
when the lease has expired (its worker died), or when the lease names the same task id:
a queue redelivers a message under its old id only after the run that held it is over
(its worker process died), so that run cannot still be working.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import (
    and_,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)

from pdf2audiobook.service.credits.holds import JobCredits
from pdf2audiobook.service.jobs.stages.chapter_leases import ChapterLeases
from pdf2audiobook.service.jobs.stages.job_results import JobResults
from pdf2audiobook.service.jobs.stages.lease_conditions import (
    ClaimRefused,
    job_leased_to,
    lease_is_free,
    same_task,
)
from pdf2audiobook.service.jobs.stages.reconciliation import Reconciliation, ResumeWork
from pdf2audiobook.service.models import (
    Chapter,
    ChapterStatus,
    Job,
    JobStage,
    JobStatus,
    UtcDateTime,
)

__all__ = ["ChapterSpec", "ClaimRefused", "ResumeWork", "StageRepository", "owner_for"]


@dataclass(frozen=True, slots=True)
class ChapterSpec:
    """A chapter of the plan as the database keeps it."""

    title: str
    start_page: int
    end_page: int
    word_count: int
    characters: int


def owner_for(host: str, pid: int, task_id: str) -> str:
    return f"{host}:{pid}:{task_id}"


class StageRepository(ChapterLeases, JobResults, Reconciliation):
    """Every stage's queries: job-level claims here; chapters, results and reconciliation in
    the classes it extends."""

    def claim_job(
        self,
        job_id: str,
        stage: JobStage,
        owner: str,
        task_id: str,
        lease_seconds: float,
        max_attempts: int,
    ) -> Job | ClaimRefused:
        """Take `job_id` for `stage` (EXTRACTING or ASSEMBLING) under a lease.

        EXTRACTING may start from PENDING. A stage that already ran `max_attempts` times
        is refused with `exhausted`; the caller fails the job.
        """
        now = self._clock()
        waiting = lease_is_free(Job.lease_owner, Job.lease_expires_at, now, task_id)
        if stage is JobStage.EXTRACTING:
            # A job left by an earlier version, processing with no stage, is taken over too.
            in_stage = or_(Job.stage.is_(None), Job.stage == JobStage.EXTRACTING)
            claimable = or_(
                Job.status == JobStatus.PENDING,
                and_(Job.status == JobStatus.PROCESSING, in_stage, waiting),
            )
        else:
            claimable = and_(Job.status == JobStatus.PROCESSING, Job.stage == stage, waiting)
        statement = (
            update(Job)
            .where(Job.id == job_id, claimable, Job.attempts < max_attempts)
            .values(
                status=JobStatus.PROCESSING,
                stage=stage,
                attempts=Job.attempts + 1,
                lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                started_at=func.coalesce(Job.started_at, literal(now, UtcDateTime())),
            )
            .returning(Job)
            .execution_options(populate_existing=True)
        )
        job = self._session.scalars(statement).first()
        if job is not None:
            return job
        exhausted = self._session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.id == job_id, claimable, Job.attempts >= max_attempts)
        )
        return ClaimRefused(exhausted=bool(exhausted))

    def heartbeat_job(self, job_id: str, owner: str, lease_seconds: float) -> bool:
        now = self._clock()
        statement = (
            update(Job)
            .where(job_leased_to(job_id, owner))
            .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            .returning(Job.id)
        )
        return self._session.execute(statement).first() is not None

    def release_job(self, job_id: str, owner: str) -> bool:
        """Give the lease back at once (before a retry), so the next run need not wait."""
        statement = (
            update(Job)
            .where(job_leased_to(job_id, owner))
            .values(lease_owner=None, lease_expires_at=None)
            .returning(Job.id)
        )
        return self._session.execute(statement).first() is not None

    def release_tasks(self, task_ids: Sequence[str]) -> int:
        """Give back every job and chapter lease held by runs of `task_ids`, whose processes
        a runner has just ended (a shutdown): the work can start again at once elsewhere,
        and the run that was stopped does not count as an attempt. Returns leases freed."""
        freed = 0
        for task_id in task_ids:
            freed += len(
                self._session.execute(
                    update(Job)
                    .where(Job.status == JobStatus.PROCESSING, same_task(Job.lease_owner, task_id))
                    .values(
                        lease_owner=None,
                        lease_expires_at=None,
                        attempts=case((Job.attempts > 0, Job.attempts - 1), else_=0),
                    )
                    .returning(Job.id)
                ).all()
            )
            freed += len(
                self._session.execute(
                    update(Chapter)
                    .where(
                        Chapter.status == ChapterStatus.SYNTHESISING,
                        same_task(Chapter.lease_owner, task_id),
                    )
                    .values(
                        status=ChapterStatus.PENDING,
                        lease_owner=None,
                        lease_expires_at=None,
                        attempts=case((Chapter.attempts > 0, Chapter.attempts - 1), else_=0),
                    )
                    .returning(Chapter.id)
                ).all()
            )
        return freed

    def is_processing(self, job_id: str) -> bool:
        status = self._session.scalar(select(Job.status).where(Job.id == job_id))
        return status is JobStatus.PROCESSING

    def fail_job(self, job_id: str, code: str, message: str) -> bool:
        """Fail a PROCESSING job whoever holds it (a chapter task holds no job lease), and
        give back the credits held for it."""
        statement = (
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.PROCESSING)
            .values(
                status=JobStatus.FAILED,
                error_code=code,
                error_message=message,
                finished_at=self._clock(),
                lease_owner=None,
                lease_expires_at=None,
                stage=None,
            )
            .returning(Job.id)
        )
        failed = self._session.execute(statement).first() is not None
        if failed:
            JobCredits(self._session).release(job_id, "failed")
        return failed

    def start_synthesis(
        self, job_id: str, owner: str, chapters: Sequence[ChapterSpec]
    ) -> list[int] | None:
        """Store the chapter plan and hand the job over to chapter tasks.

        Chapters already DONE from an earlier run are kept when the plan is unchanged (same
        titles and lengths), so a retried job speaks only what is missing. Returns the
        numbers of the chapters to send to the queue, or None if the lease was lost.
        """
        now = self._clock()
        moved = self._session.execute(
            update(Job)
            .where(job_leased_to(job_id, owner))
            .values(
                stage=JobStage.SYNTHESISING,
                attempts=0,
                lease_owner=None,
                lease_expires_at=None,
                enqueued_at=now,
            )
            .returning(Job.id)
        ).first()
        if moved is None:
            return None
        existing = list(
            self._session.scalars(
                select(Chapter).where(Chapter.job_id == job_id).order_by(Chapter.number)
            )
        )
        if _same_plan(existing, chapters):
            for row in existing:
                if row.status is not ChapterStatus.DONE:
                    row.status = ChapterStatus.PENDING
                    row.progress = 0
                    row.audio_key = None
                row.attempts = 0
                row.lease_owner = None
                row.lease_expires_at = None
                row.enqueued_at = now
            self._session.flush()
            return [row.number for row in existing if row.status is not ChapterStatus.DONE]
        self._session.execute(delete(Chapter).where(Chapter.job_id == job_id))
        self._session.add_all(
            Chapter(
                job_id=job_id,
                number=number,
                title=spec.title,
                start_page=spec.start_page,
                end_page=spec.end_page,
                word_count=spec.word_count,
                characters=spec.characters,
                status=ChapterStatus.PENDING,
                progress=0,
                attempts=0,
                enqueued_at=now,
            )
            for number, spec in enumerate(chapters, start=1)
        )
        self._session.flush()
        return list(range(1, len(chapters) + 1))

    def start_assembly(self, job_id: str) -> bool:
        """Move a synthesising job whose chapters are all DONE to assembly.

        A compare-and-set, so of the chapters that finish together exactly one wins and
        sends the assembly task.
        """
        unfinished = (
            select(Chapter.id)
            .where(Chapter.job_id == job_id, Chapter.status != ChapterStatus.DONE)
            .exists()
        )
        statement = (
            update(Job)
            .where(
                Job.id == job_id,
                Job.status == JobStatus.PROCESSING,
                Job.stage == JobStage.SYNTHESISING,
                ~unfinished,
            )
            .values(stage=JobStage.ASSEMBLING, attempts=0, enqueued_at=self._clock())
            .returning(Job.id)
        )
        return self._session.execute(statement).first() is not None

    def chapters(self, job_id: str) -> list[Chapter]:
        statement = select(Chapter).where(Chapter.job_id == job_id).order_by(Chapter.number)
        return list(self._session.scalars(statement))


def _same_plan(existing: Sequence[Chapter], planned: Sequence[ChapterSpec]) -> bool:
    return len(existing) == len(planned) and all(
        row.title == spec.title and row.characters == spec.characters
        for row, spec in zip(existing, planned, strict=True)
    )
