"""Conditions shared by the stage repositories: who holds a lease, and what may be claimed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from pdf2audiobook.service.models import (
    Chapter,
    ChapterStatus,
    Job,
    JobStatus,
    utc_now,
)


@dataclass(frozen=True, slots=True)
class ClaimRefused:
    """Why a claim failed: `exhausted` when the stage has used up its attempts."""

    exhausted: bool


class RepositoryBase:
    """A session and the clock that lease times come from."""

    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._session = session
        self._clock = clock


def same_task(column: InstrumentedAttribute[str | None], task_id: str) -> ColumnElement[bool]:
    return column.endswith(f":{task_id}", autoescape=True)


def lease_is_free(
    owner_column: InstrumentedAttribute[str | None],
    expires_column: InstrumentedAttribute[datetime | None],
    now: datetime,
    task_id: str,
) -> ColumnElement[bool]:
    return or_(
        owner_column.is_(None),
        expires_column.is_(None),
        expires_column <= now,
        same_task(owner_column, task_id),
    )


def job_leased_to(job_id: str, owner: str) -> ColumnElement[bool]:
    return and_(Job.id == job_id, Job.status == JobStatus.PROCESSING, Job.lease_owner == owner)


def chapter_leased_to(job_id: str, number: int, owner: str) -> ColumnElement[bool]:
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
