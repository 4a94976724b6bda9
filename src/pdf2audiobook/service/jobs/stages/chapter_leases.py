"""Chapter tasks' side of a split job: claiming a chapter, its progress, its audio."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import (
    and_,
    case,
    func,
    or_,
    select,
    update,
)

from pdf2audiobook.service.jobs.stages.lease_conditions import (
    ClaimRefused,
    RepositoryBase,
    chapter_leased_to,
    lease_is_free,
)
from pdf2audiobook.service.models import (
    Chapter,
    ChapterStatus,
    Job,
    JobStage,
    JobStatus,
)


class ChapterLeases(RepositoryBase):
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
                    lease_is_free(Chapter.lease_owner, Chapter.lease_expires_at, now, task_id),
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
            .where(chapter_leased_to(job_id, number, owner))
            .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            .returning(Chapter.id)
        )
        return self._session.execute(statement).first() is not None

    def chapter_progress(self, job_id: str, number: int, owner: str, percent: int) -> bool:
        """Record the chapter's progress and raise the job's to match. False if not ours."""
        statement = (
            update(Chapter)
            .where(chapter_leased_to(job_id, number, owner))
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
            .where(chapter_leased_to(job_id, number, owner))
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
            .where(chapter_leased_to(job_id, number, owner))
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

    def set_progress(self, job_id: str, progress: int) -> None:
        """Raise the job's progress to `progress`; concurrent chapters never move it back."""
        statement = (
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.PROCESSING)
            .values(progress=case((Job.progress < progress, progress), else_=Job.progress))
        )
        self._session.execute(statement)
