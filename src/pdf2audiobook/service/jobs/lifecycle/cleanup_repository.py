"""The clean-up's view of the jobs table: expired jobs, and which stored files are still owned.

Not scoped to an owner: only housekeeping uses it, never a request on a user's behalf.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from pdf2audiobook.service.models import Job, JobStatus


class CleanupRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def expired_job_ids(self, cutoff: datetime, limit: int) -> list[str]:
        """Up to `limit` expired jobs, oldest first: completed, failed or cancelled, and finished
        before `cutoff` (created before it, when the finish time is unknown). Active jobs never
        expire. Raises ValueError unless `limit` is positive."""
        if limit < 1:
            raise ValueError("limit must be positive")
        statement = (
            select(Job.id)
            .where(_expired_before(cutoff))
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
        statement = delete(Job).where(Job.id.in_(job_ids), _expired_before(cutoff)).returning(Job)
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


def _expired_before(cutoff: datetime) -> ColumnElement[bool]:
    finished = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)
    return and_(
        Job.status.in_(finished),
        func.coalesce(Job.finished_at, Job.created_at) < cutoff,
    )
