"""Sending again what a dead worker or a lost message left waiting."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdf2audiobook.service.jobs.stages.base import (
    GAVE_UP_AFTER_RETRIES,
    Enqueuer,
    StageContext,
)
from pdf2audiobook.service.jobs.stages.repository import (
    StageRepository,
)
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import Chapter


def reconcile(
    context: StageContext, enqueue: Enqueuer, *, requeue_after: timedelta | None = None
) -> int:
    """Send again what a dead worker or a lost message left waiting. Returns messages sent.

    A message counts as lost once unstarted for `requeue_after` (the REQUEUE_AFTER_SECONDS
    setting by default); a queue that knows it lost everything (the embedded pool after a
    restart) passes zero."""
    if requeue_after is None:
        requeue_after = timedelta(seconds=context.settings.requeue_after_seconds)
    with session_scope(context.sessions) as session:
        stages = StageRepository(session)
        for job_id in stages.stuck_synthesis():
            stages.start_assembly(job_id)
        work = stages.work_to_resume(requeue_after)
        characters = {
            (job_id, number): _chapter_characters(session, job_id, number)
            for job_id, number in work.chapters
        }
    for job_id in work.prepare:
        enqueue.extract(job_id, None)
    for job_id, number in work.chapters:
        enqueue.synthesise(job_id, number, characters[(job_id, number)])
    for job_id in work.assemble:
        enqueue.assemble(job_id, None)
    return len(work.prepare) + len(work.chapters) + len(work.assemble)


def give_up_after_retries(context: StageContext, job_id: str) -> None:
    """The queue retried a transient failure as often as it may: fail the job plainly."""
    with session_scope(context.sessions) as session:
        StageRepository(session).fail_job(job_id, "temporary_failure", GAVE_UP_AFTER_RETRIES)


def _chapter_characters(session: Session, job_id: str, number: int) -> int:
    characters = session.scalar(
        select(Chapter.characters).where(Chapter.job_id == job_id, Chapter.number == number)
    )
    return characters or 0
