"""The database side of a job split into tasks: extraction, one task per chapter, assembly.

Only runners use it. Each stage is claimed with a compare-and-set on the job (or chapter)
row, under a lease that its worker keeps alive. A claim succeeds when the work is waiting,
when the lease has expired (its worker died), or when the lease names the same task id:
a queue redelivers a message under its old id only after the run that held it is over
(its worker process died), so that run cannot still be working.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from pdf2audiobook.service.models import (
    Chapter,
    ChapterStatus,
    Job,
    JobStage,
    JobStatus,
    UtcDateTime,
    utc_now,
)


@dataclass(frozen=True, slots=True)
class ChapterSpec:
    """A chapter of the plan as the database keeps it."""

    title: str
    start_page: int
    end_page: int
    word_count: int
    characters: int


@dataclass(frozen=True, slots=True)
class ClaimRefused:
    """Why a claim failed: `exhausted` when the stage has used up its attempts."""

    exhausted: bool


@dataclass(frozen=True, slots=True)
class ResumeWork:
    """What the reconciler should send to the queue again."""

    prepare: list[str]
    assemble: list[str]
    chapters: list[tuple[str, int]]


def owner_for(host: str, pid: int, task_id: str) -> str:
    return f"{host}:{pid}:{task_id}"


def _same_task(column: InstrumentedAttribute[str | None], task_id: str) -> ColumnElement[bool]:
    return column.endswith(f":{task_id}", autoescape=True)


class StageRepository:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._session = session
        self._clock = clock

    # -- job-level stages: extraction and assembly ------------------------------------

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
        waiting = _claimable(Job.lease_owner, Job.lease_expires_at, now, task_id)
        if stage is JobStage.EXTRACTING:
            # A job the embedded runner left (no stage) is taken over the same way.
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
            .where(_job_leased_to(job_id, owner))
            .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            .returning(Job.id)
        )
        return self._session.execute(statement).first() is not None

    def release_job(self, job_id: str, owner: str) -> bool:
        """Give the lease back at once (before a retry), so the next run need not wait."""
        statement = (
            update(Job)
            .where(_job_leased_to(job_id, owner))
            .values(lease_owner=None, lease_expires_at=None)
            .returning(Job.id)
        )
        return self._session.execute(statement).first() is not None

    def set_progress(self, job_id: str, progress: int) -> None:
        """Raise the job's progress to `progress`; concurrent chapters never move it back."""
        statement = (
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.PROCESSING)
            .values(progress=case((Job.progress < progress, progress), else_=Job.progress))
        )
        self._session.execute(statement)

    def is_processing(self, job_id: str) -> bool:
        status = self._session.scalar(select(Job.status).where(Job.id == job_id))
        return status is JobStatus.PROCESSING

    def fail_job(self, job_id: str, code: str, message: str) -> bool:
        """Fail a PROCESSING job whoever holds it (a chapter task holds no job lease)."""
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
        return self._session.execute(statement).first() is not None

    def fail_pending_job(self, job_id: str, code: str, message: str) -> bool:
        statement = (
            update(Job)
            .where(Job.id == job_id, Job.status.in_((JobStatus.PENDING, JobStatus.PROCESSING)))
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
        return self._session.execute(statement).first() is not None

    # -- from extraction to synthesis -------------------------------------------------

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
            .where(_job_leased_to(job_id, owner))
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

    # -- chapters ---------------------------------------------------------------------

    def claim_chapter(
        self,
        job_id: str,
        number: int,
        owner: str,
        task_id: str,
        lease_seconds: float,
        max_attempts: int,
    ) -> Chapter | ClaimRefused:
        """Take chapter `number` of a job that is synthesising, under a lease."""
        now = self._clock()
        synthesising = (
            select(Job.id)
            .where(
                Job.id == job_id,
                Job.status == JobStatus.PROCESSING,
                Job.stage == JobStage.SYNTHESISING,
            )
            .exists()
        )
        claimable = and_(
            Chapter.job_id == job_id,
            Chapter.number == number,
            synthesising,
            or_(
                Chapter.status == ChapterStatus.PENDING,
                and_(
                    Chapter.status == ChapterStatus.SYNTHESISING,
                    _claimable(Chapter.lease_owner, Chapter.lease_expires_at, now, task_id),
                ),
            ),
        )
        statement = (
            update(Chapter)
            .where(claimable, Chapter.attempts < max_attempts)
            .values(
                status=ChapterStatus.SYNTHESISING,
                attempts=Chapter.attempts + 1,
                lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=lease_seconds),
            )
            .returning(Chapter)
            .execution_options(populate_existing=True)
        )
        chapter = self._session.scalars(statement).first()
        if chapter is not None:
            return chapter
        exhausted = self._session.scalar(
            select(func.count())
            .select_from(Chapter)
            .where(claimable, Chapter.attempts >= max_attempts)
        )
        return ClaimRefused(exhausted=bool(exhausted))

    def heartbeat_chapter(self, job_id: str, number: int, owner: str, lease_seconds: float) -> bool:
        """Extend the chapter's lease. False once the job stopped or the chapter is not ours."""
        now = self._clock()
        statement = (
            update(Chapter)
            .where(_chapter_leased_to(job_id, number, owner))
            .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            .returning(Chapter.id)
        )
        return self._session.execute(statement).first() is not None

    def chapter_progress(self, job_id: str, number: int, owner: str, percent: int) -> bool:
        """Record the chapter's progress and raise the job's to match. False if not ours."""
        statement = (
            update(Chapter)
            .where(_chapter_leased_to(job_id, number, owner))
            .values(progress=max(0, min(percent, 99)))
            .returning(Chapter.id)
        )
        if self._session.execute(statement).first() is None:
            return False
        self.set_progress(job_id, self.synthesis_progress(job_id))
        return True

    def finish_chapter(
        self,
        job_id: str,
        number: int,
        owner: str,
        *,
        audio_key: str,
        duration_seconds: float,
        provider: str,
        voice: str,
    ) -> bool:
        """Mark the chapter DONE with its audio. False if it is no longer ours."""
        statement = (
            update(Chapter)
            .where(_chapter_leased_to(job_id, number, owner))
            .values(
                status=ChapterStatus.DONE,
                progress=100,
                audio_key=audio_key,
                duration_seconds=duration_seconds,
                provider=provider,
                voice=voice,
                lease_owner=None,
                lease_expires_at=None,
            )
            .returning(Chapter.id)
        )
        if self._session.execute(statement).first() is None:
            return False
        self.set_progress(job_id, self.synthesis_progress(job_id))
        return True

    def release_chapter(self, job_id: str, number: int, owner: str) -> None:
        """Give a chapter back to the queue at once (before a retry)."""
        self._session.execute(
            update(Chapter)
            .where(_chapter_leased_to(job_id, number, owner))
            .values(status=ChapterStatus.PENDING, lease_owner=None, lease_expires_at=None)
        )

    def synthesis_progress(self, job_id: str) -> int:
        """The job's percent in the 40-95 synthesis band, weighted by chapter length."""
        done, total = self._session.execute(
            select(
                func.coalesce(func.sum(Chapter.characters * Chapter.progress), 0),
                func.coalesce(func.sum(Chapter.characters), 0),
            ).where(Chapter.job_id == job_id)
        ).one()
        if not total:
            return 40
        return 40 + int(55 * int(done) / (100 * int(total)))

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

    def clear_stage(self, job_id: str) -> None:
        """A finished job has no stage: the column describes running work only."""
        self._session.execute(update(Job).where(Job.id == job_id).values(stage=None))

    def chapters(self, job_id: str) -> list[Chapter]:
        statement = select(Chapter).where(Chapter.job_id == job_id).order_by(Chapter.number)
        return list(self._session.scalars(statement))

    # -- reconciliation ---------------------------------------------------------------

    def work_to_resume(self, requeue_after: timedelta) -> ResumeWork:
        """Jobs and chapters whose worker died (lease expired) or whose message was sent
        longer than `requeue_after` ago without being started; their `enqueued_at` is set
        to now, as the caller sends them again."""
        now = self._clock()
        stale = now - requeue_after
        expired_job = and_(Job.lease_expires_at.is_not(None), Job.lease_expires_at <= now)
        unsent_job = and_(
            Job.lease_owner.is_(None),
            func.coalesce(Job.enqueued_at, Job.created_at) <= stale,
        )
        prepare = self._mark_jobs(
            or_(
                and_(Job.status == JobStatus.PENDING, unsent_job),
                and_(
                    Job.status == JobStatus.PROCESSING,
                    or_(Job.stage.is_(None), Job.stage == JobStage.EXTRACTING),
                    or_(expired_job, unsent_job),
                ),
            ),
            now,
        )
        assemble = self._mark_jobs(
            and_(
                Job.status == JobStatus.PROCESSING,
                Job.stage == JobStage.ASSEMBLING,
                or_(expired_job, unsent_job),
            ),
            now,
        )
        synthesising = (
            select(Job.id)
            .where(
                Job.id == Chapter.job_id,
                Job.status == JobStatus.PROCESSING,
                Job.stage == JobStage.SYNTHESISING,
            )
            .exists()
        )
        chapter_rows = self._session.execute(
            update(Chapter)
            .where(
                synthesising,
                or_(
                    and_(
                        Chapter.status == ChapterStatus.SYNTHESISING,
                        Chapter.lease_expires_at <= now,
                    ),
                    and_(
                        Chapter.status == ChapterStatus.PENDING,
                        func.coalesce(Chapter.enqueued_at, stale) <= stale,
                    ),
                ),
            )
            .values(enqueued_at=now)
            .returning(Chapter.job_id, Chapter.number)
        ).all()
        return ResumeWork(
            prepare=prepare,
            assemble=assemble,
            chapters=sorted((job_id, number) for job_id, number in chapter_rows),
        )

    def stuck_synthesis(self) -> list[str]:
        """Synthesising jobs whose chapters are all DONE but that never moved on (the
        worker died between the two steps)."""
        unfinished = (
            select(Chapter.id)
            .where(Chapter.job_id == Job.id, Chapter.status != ChapterStatus.DONE)
            .exists()
        )
        statement = select(Job.id).where(
            Job.status == JobStatus.PROCESSING,
            Job.stage == JobStage.SYNTHESISING,
            ~unfinished,
        )
        return list(self._session.scalars(statement))

    def _mark_jobs(self, condition: ColumnElement[bool], now: datetime) -> list[str]:
        rows = self._session.execute(
            update(Job).where(condition).values(enqueued_at=now).returning(Job.id)
        ).all()
        return sorted(job_id for (job_id,) in rows)


def _claimable(
    owner_column: InstrumentedAttribute[str | None],
    expires_column: InstrumentedAttribute[datetime | None],
    now: datetime,
    task_id: str,
) -> ColumnElement[bool]:
    return or_(
        owner_column.is_(None),
        expires_column.is_(None),
        expires_column <= now,
        _same_task(owner_column, task_id),
    )


def _job_leased_to(job_id: str, owner: str) -> ColumnElement[bool]:
    return and_(Job.id == job_id, Job.status == JobStatus.PROCESSING, Job.lease_owner == owner)


def _chapter_leased_to(job_id: str, number: int, owner: str) -> ColumnElement[bool]:
    job_running = (
        select(Job.id).where(Job.id == job_id, Job.status == JobStatus.PROCESSING).exists()
    )
    return and_(
        Chapter.job_id == job_id,
        Chapter.number == number,
        Chapter.status == ChapterStatus.SYNTHESISING,
        Chapter.lease_owner == owner,
        job_running,
    )


def _same_plan(existing: Sequence[Chapter], planned: Sequence[ChapterSpec]) -> bool:
    return len(existing) == len(planned) and all(
        row.title == spec.title and row.characters == spec.characters
        for row, spec in zip(existing, planned, strict=True)
    )
