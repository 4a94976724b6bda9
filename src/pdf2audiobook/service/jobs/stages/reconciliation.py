"""What beat's reconciler sends again: work of dead workers and messages that were lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    and_,
    func,
    or_,
    select,
    update,
)

from pdf2audiobook.service.jobs.stages.lease_conditions import RepositoryBase
from pdf2audiobook.service.models import (
    Chapter,
    ChapterStatus,
    Job,
    JobStage,
    JobStatus,
)


@dataclass(frozen=True, slots=True)
class ResumeWork:
    """What the reconciler should send to the queue again."""

    prepare: list[str]
    assemble: list[str]
    chapters: list[tuple[str, int]]


class Reconciliation(RepositoryBase):
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
