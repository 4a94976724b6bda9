"""The queries behind the metrics: counts across all users (never shown to one) and the
state of one chapter or job before and after a stage ran."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdf2audiobook.service.models import Chapter, ChapterStatus, Job, JobStatus


@dataclass(frozen=True, slots=True)
class SpokenChapter:
    done: bool
    provider: str | None
    duration_seconds: float
    characters: int


class MetricsRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def jobs_by_status(self) -> dict[JobStatus, int]:
        """One grouped count on the indexed status column; every status is present."""
        rows = self._session.execute(select(Job.status, func.count()).group_by(Job.status))
        counts = dict.fromkeys(JobStatus, 0)
        for status, count in rows:
            counts[JobStatus(status)] = int(count)
        return counts

    def chapter(self, job_id: str, number: int) -> SpokenChapter | None:
        row = self._session.execute(
            select(
                Chapter.status, Chapter.provider, Chapter.duration_seconds, Chapter.characters
            ).where(Chapter.job_id == job_id, Chapter.number == number)
        ).first()
        if row is None:
            return None
        status, provider, duration, characters = row
        return SpokenChapter(
            done=status == ChapterStatus.DONE,
            provider=provider,
            duration_seconds=float(duration or 0.0),
            characters=int(characters or 0),
        )
