"""Stages of a job split into tasks: exclusive claims, redelivery, attempt caps, chapter
checkpoints that survive a retry, one assembly, and what the reconciler sends again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.jobs.lifecycle.repository import JobRepository
from pdf2audiobook.service.jobs.stages.repository import (
    ChapterSpec,
    ClaimRefused,
    StageRepository,
)
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import Chapter, ChapterStatus, Job, JobStage, JobStatus, User

from .clock import FakeClock

LEASE = 60.0
MAX_ATTEMPTS = 3
SPECS = [
    ChapterSpec(title="One", start_page=1, end_page=2, word_count=100, characters=1000),
    ChapterSpec(title="Two", start_page=3, end_page=4, word_count=300, characters=3000),
]


@pytest.fixture
def new_job(sessions: sessionmaker[Session], new_user: Callable[[], User]) -> Callable[[], str]:
    def create() -> str:
        with session_scope(sessions) as session:
            job = JobRepository(session, new_user().id).create(
                original_filename="book.pdf", pdf_key=f"uploads/{uuid.uuid4().hex}.pdf", options={}
            )
            return job.id

    return create


@pytest.fixture
def stages(session: Session, lease_clock: FakeClock) -> StageRepository:
    return StageRepository(session, clock=lease_clock)


def _claim(
    stages: StageRepository, job_id: str, task: str, stage: JobStage = JobStage.EXTRACTING
) -> Job | ClaimRefused:
    return stages.claim_job(job_id, stage, f"host:1:{task}", task, LEASE, MAX_ATTEMPTS)


def _synthesising(stages: StageRepository, job_id: str) -> list[int]:
    claim = _claim(stages, job_id, "prepare")
    assert isinstance(claim, Job)
    numbers = stages.start_synthesis(job_id, "host:1:prepare", SPECS)
    assert numbers is not None
    return numbers


def test_a_second_task_cannot_claim_a_job_being_read(
    stages: StageRepository, new_job: Callable[[], str]
) -> None:
    job_id = new_job()
    first = _claim(stages, job_id, "task-a")
    assert isinstance(first, Job)
    assert first.status is JobStatus.PROCESSING
    assert first.stage is JobStage.EXTRACTING
    assert first.attempts == 1
    assert _claim(stages, job_id, "task-b") == ClaimRefused(exhausted=False)


def test_the_same_message_redelivered_takes_the_job_over_at_once(
    stages: StageRepository, new_job: Callable[[], str]
) -> None:
    # Its worker process died: the queue hands the message back under the same id.
    job_id = new_job()
    assert isinstance(_claim(stages, job_id, "task-a"), Job)
    again = stages.claim_job(job_id, JobStage.EXTRACTING, "other:2:task-a", "task-a", LEASE, 3)
    assert isinstance(again, Job)
    assert again.lease_owner == "other:2:task-a"
    assert again.attempts == 2


def test_an_expired_lease_lets_another_task_take_over(
    stages: StageRepository, new_job: Callable[[], str], lease_clock: FakeClock
) -> None:
    job_id = new_job()
    assert isinstance(_claim(stages, job_id, "task-a"), Job)
    lease_clock.advance(LEASE + 1)
    assert isinstance(_claim(stages, job_id, "task-b"), Job)


def test_a_poison_job_is_refused_as_exhausted_after_the_attempt_cap(
    stages: StageRepository, new_job: Callable[[], str]
) -> None:
    job_id = new_job()
    for _ in range(MAX_ATTEMPTS):
        assert isinstance(_claim(stages, job_id, "task-a"), Job)
    assert _claim(stages, job_id, "task-a") == ClaimRefused(exhausted=True)


def test_starting_synthesis_plans_chapters_and_frees_the_job(
    stages: StageRepository, new_job: Callable[[], str]
) -> None:
    job_id = new_job()
    assert _synthesising(stages, job_id) == [1, 2]
    job = stages._session.get(Job, job_id, populate_existing=True)
    assert job is not None
    assert job.stage is JobStage.SYNTHESISING
    assert job.lease_owner is None
    assert job.attempts == 0
    rows = stages.chapters(job_id)
    assert [(row.title, row.characters, row.status) for row in rows] == [
        ("One", 1000, ChapterStatus.PENDING),
        ("Two", 3000, ChapterStatus.PENDING),
    ]


def test_a_chapter_is_claimed_once_and_its_progress_weighs_by_length(
    stages: StageRepository, new_job: Callable[[], str]
) -> None:
    job_id = new_job()
    _synthesising(stages, job_id)
    claimed = stages.claim_chapter(job_id, 2, "host:1:ch2", "ch2", LEASE, MAX_ATTEMPTS)
    assert isinstance(claimed, Chapter)
    assert stages.claim_chapter(job_id, 2, "host:1:x", "x", LEASE, MAX_ATTEMPTS) == ClaimRefused(
        exhausted=False
    )
    assert stages.chapter_progress(job_id, 2, "host:1:ch2", 50)
    # Chapter two is three quarters of the book: half of it is 37.5 % of the synthesis.
    assert stages.synthesis_progress(job_id) == 40 + int(55 * 0.375)
    job = stages._session.get(Job, job_id, populate_existing=True)
    assert job is not None
    assert job.progress == 40 + int(55 * 0.375)


def test_progress_never_moves_back(stages: StageRepository, new_job: Callable[[], str]) -> None:
    job_id = new_job()
    _synthesising(stages, job_id)
    stages.set_progress(job_id, 70)
    stages.set_progress(job_id, 60)
    job = stages._session.get(Job, job_id, populate_existing=True)
    assert job is not None
    assert job.progress == 70


def test_only_the_last_chapter_done_moves_the_job_to_assembly_and_only_once(
    stages: StageRepository, new_job: Callable[[], str]
) -> None:
    job_id = new_job()
    _synthesising(stages, job_id)
    for number in (1, 2):
        owner = f"host:1:ch{number}"
        assert isinstance(
            stages.claim_chapter(job_id, number, owner, f"ch{number}", LEASE, MAX_ATTEMPTS),
            Chapter,
        )
        assert stages.finish_chapter(
            job_id,
            number,
            owner,
            audio_key=f"chapters/{job_id}/{number:03d}.m4b",
            duration_seconds=10.0,
            provider="local",
            voice="heart",
        )
        if number == 1:
            assert not stages.start_assembly(job_id)
    assert stages.start_assembly(job_id)
    assert not stages.start_assembly(job_id)
    assert isinstance(_claim(stages, job_id, "asm", JobStage.ASSEMBLING), Job)


def test_a_retried_job_keeps_its_finished_chapters_when_the_plan_is_unchanged(
    stages: StageRepository, new_job: Callable[[], str]
) -> None:
    job_id = new_job()
    _synthesising(stages, job_id)
    assert isinstance(stages.claim_chapter(job_id, 1, "h:1:c1", "c1", LEASE, 3), Chapter)
    key = f"chapters/{job_id}/001.m4b"
    assert stages.finish_chapter(
        job_id, 1, "h:1:c1", audio_key=key, duration_seconds=5.0, provider="local", voice="heart"
    )
    assert stages.fail_job(job_id, "x", "failed")
    job = stages._session.get(Job, job_id, populate_existing=True)
    assert job is not None
    JobRepository(stages._session, job.user_id).reset_for_retry(job)

    assert _synthesising(stages, job_id) == [2]
    first = stages.chapters(job_id)[0]
    assert (first.status, first.audio_key) == (ChapterStatus.DONE, key)

    # A different plan (another option, a changed reader) starts every chapter again.
    assert stages.fail_job(job_id, "x", "failed")
    JobRepository(stages._session, job.user_id).reset_for_retry(job)
    claim = _claim(stages, job_id, "prepare-3")
    assert isinstance(claim, Job)
    changed = [SPECS[0], ChapterSpec("Two, revised", 3, 4, 300, 3100)]
    assert stages.start_synthesis(job_id, "host:1:prepare-3", changed) == [1, 2]


def test_cancelled_job_refuses_chapter_claims_and_writes(
    stages: StageRepository, new_job: Callable[[], str]
) -> None:
    job_id = new_job()
    _synthesising(stages, job_id)
    assert isinstance(stages.claim_chapter(job_id, 1, "h:1:c1", "c1", LEASE, 3), Chapter)
    job = stages._session.get(Job, job_id, populate_existing=True)
    assert job is not None
    JobRepository(stages._session, job.user_id).cancel(job)
    assert not stages.heartbeat_chapter(job_id, 1, "h:1:c1", LEASE)
    assert not stages.chapter_progress(job_id, 1, "h:1:c1", 10)
    assert isinstance(stages.claim_chapter(job_id, 2, "h:1:c2", "c2", LEASE, 3), ClaimRefused)


def test_the_reconciler_resends_lost_messages_and_dead_workers_work(
    stages: StageRepository, new_job: Callable[[], str], lease_clock: FakeClock
) -> None:
    pending = new_job()
    reading = new_job()
    synthesising = new_job()
    assert isinstance(_claim(stages, reading, "read"), Job)
    _synthesising(stages, synthesising)
    assert isinstance(stages.claim_chapter(synthesising, 1, "h:1:c1", "c1", LEASE, 3), Chapter)
    requeue_after = timedelta(seconds=600)
    pending_row = stages._session.get(Job, pending)
    assert pending_row is not None
    pending_row.enqueued_at = lease_clock.now  # the API just sent its message
    stages._session.flush()

    # Nothing is overdue yet: the pending job's message may still be in the queue.
    fresh = stages.work_to_resume(requeue_after)
    assert pending not in fresh.prepare
    assert reading not in fresh.prepare

    lease_clock.advance(LEASE + 1)
    after_lease = stages.work_to_resume(requeue_after)
    assert reading in after_lease.prepare  # its worker died
    assert (synthesising, 1) in after_lease.chapters  # so did chapter 1's
    assert (synthesising, 2) not in after_lease.chapters  # still waiting in the queue

    lease_clock.advance(600)
    overdue = stages.work_to_resume(requeue_after)
    assert pending in overdue.prepare
    assert (synthesising, 2) in overdue.chapters
    # Sending again restarts the wait: the next pass does not send them once more.
    again = stages.work_to_resume(requeue_after)
    assert pending not in again.prepare
    assert (synthesising, 2) not in again.chapters
