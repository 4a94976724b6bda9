"""What stages record on a job they hold, claims that race, and leases given back at shutdown."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.pipeline.document import RemovalReason
from pdf2audiobook.pipeline.document import RemovedBlock as RemovedText
from pdf2audiobook.service.jobs.lifecycle.repository import JobRepository
from pdf2audiobook.service.jobs.stages.repository import ChapterSpec, StageRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import Chapter, ChapterStatus, Job, JobStage, JobStatus, User

from .clock import FakeClock

LEASE = 60.0
MAX_ATTEMPTS = 4
SPEC = ChapterSpec(title="One", start_page=1, end_page=2, word_count=10, characters=100)


@pytest.fixture
def job_factory(sessions: sessionmaker[Session], new_user: Callable[[], User]) -> Callable[[], Job]:
    """Commits a new PENDING job for a new user."""

    def create() -> Job:
        with session_scope(sessions) as session:
            return JobRepository(session, new_user().id).create(
                original_filename="book.pdf", pdf_key=f"uploads/{uuid.uuid4().hex}.pdf", options={}
            )

    return create


@pytest.fixture
def stages(session: Session, lease_clock: FakeClock) -> StageRepository:
    return StageRepository(session, clock=lease_clock)


def _claim(stages: StageRepository, job_id: str, task: str, stage: JobStage) -> Job | None:
    claim = stages.claim_job(job_id, stage, f"host:1:{task}", task, LEASE, MAX_ATTEMPTS)
    return claim if isinstance(claim, Job) else None


def test_of_many_concurrent_claims_exactly_one_wins(
    sessions: sessionmaker[Session], job_factory: Callable[[], Job]
) -> None:
    job = job_factory()
    runners = 8
    start = threading.Barrier(runners)

    def claim(runner: int) -> str | None:
        start.wait()
        with session_scope(sessions) as session:
            won = _claim(StageRepository(session), job.id, f"task-{runner}", JobStage.EXTRACTING)
            return f"host:1:task-{runner}" if won is not None else None

    with ThreadPoolExecutor(runners) as pool:
        winners = [owner for owner in pool.map(claim, range(runners)) if owner is not None]

    assert len(winners) == 1
    with sessions() as session:
        stored = session.get(Job, job.id)
        assert stored is not None
        assert (stored.lease_owner, stored.attempts) == (winners[0], 1)


def test_completing_records_the_audio_clears_the_stage_and_releases_the_lease(
    session: Session, stages: StageRepository, job_factory: Callable[[], Job]
) -> None:
    job = job_factory()
    assert _claim(stages, job.id, "read", JobStage.EXTRACTING) is not None
    assert stages.record_book(
        job.id, "host:1:read", title="Moby Dick", author=None, page_count=3, character_count=900
    )

    assert stages.complete(
        job.id, "host:1:read", audio_key="audio/m.m4b", audio_format="m4b", duration_seconds=42.5
    )

    stored = JobRepository(session, job.user_id).get(job.id)
    assert stored is not None
    assert (stored.status, stored.progress, stored.audio_key, stored.stage) == (
        JobStatus.COMPLETED,
        100,
        "audio/m.m4b",
        None,
    )
    assert (stored.title, stored.page_count, stored.duration_seconds) == ("Moby Dick", 3, 42.5)
    assert (stored.lease_owner, stored.lease_expires_at) == (None, None)
    assert stored.finished_at is not None


def test_a_run_that_lost_its_lease_records_nothing(
    stages: StageRepository, job_factory: Callable[[], Job], lease_clock: FakeClock
) -> None:
    job = job_factory()
    assert _claim(stages, job.id, "first", JobStage.EXTRACTING) is not None
    lease_clock.advance(LEASE * 2)
    assert _claim(stages, job.id, "second", JobStage.EXTRACTING) is not None

    assert not stages.record_book(
        job.id, "host:1:first", title="Old", author=None, page_count=1, character_count=1
    )
    assert not stages.complete(
        job.id, "host:1:first", audio_key="audio/x.m4b", audio_format="m4b", duration_seconds=1.0
    )


def test_finished_or_missing_jobs_cannot_be_claimed(
    stages: StageRepository, job_factory: Callable[[], Job], lease_clock: FakeClock
) -> None:
    done, failed = job_factory(), job_factory()
    for job in (done, failed):
        assert _claim(stages, job.id, f"read-{job.id}", JobStage.EXTRACTING) is not None
    stages.complete(
        done.id,
        f"host:1:read-{done.id}",
        audio_key="audio/d.m4b",
        audio_format="m4b",
        duration_seconds=2.0,
    )
    stages.fail_job(failed.id, "password_required", "The PDF needs a password.")
    lease_clock.advance(LEASE * 10)

    assert _claim(stages, done.id, "later", JobStage.EXTRACTING) is None
    assert _claim(stages, failed.id, "later", JobStage.EXTRACTING) is None
    assert _claim(stages, str(uuid.uuid4()), "later", JobStage.EXTRACTING) is None


def test_a_new_ledger_replaces_the_previous_attempts(
    session: Session, stages: StageRepository, job_factory: Callable[[], Job]
) -> None:
    job = job_factory()
    stages.replace_removed(job.id, [RemovedText(1, RemovalReason.HEADER, "Draft header")])

    stages.replace_removed(
        job.id,
        [
            RemovedText(3, RemovalReason.PAGE_NUMBER, "3"),
            RemovedText(1, RemovalReason.HEADER, "MOBY DICK"),
        ],
    )

    removed = JobRepository(session, job.user_id).removed(job.id)
    assert [(r.page, r.reason, r.text) for r in removed] == [
        (1, "header", "MOBY DICK"),
        (3, "page_number", "3"),
    ]


def test_leases_given_back_at_shutdown_free_the_work_without_costing_an_attempt(
    session: Session, stages: StageRepository, job_factory: Callable[[], Job]
) -> None:
    reading, speaking, other = job_factory(), job_factory(), job_factory()
    assert _claim(stages, reading.id, "task-a", JobStage.EXTRACTING) is not None
    assert _claim(stages, speaking.id, "read-b", JobStage.EXTRACTING) is not None
    assert stages.start_synthesis(speaking.id, "host:1:read-b", [SPEC]) == [1]
    chapter = stages.claim_chapter(speaking.id, 1, "host:1:task-b", "task-b", LEASE, MAX_ATTEMPTS)
    assert isinstance(chapter, Chapter)
    assert _claim(stages, other.id, "task-c", JobStage.EXTRACTING) is not None

    assert stages.release_tasks(["task-a", "task-b"]) == 2

    session.expire_all()
    job_a, job_c = session.get(Job, reading.id), session.get(Job, other.id)
    assert job_a is not None
    assert job_c is not None
    assert (job_a.lease_owner, job_a.attempts) == (None, 0)
    assert (job_c.lease_owner, job_c.attempts) == ("host:1:task-c", 1)
    (row,) = stages.chapters(speaking.id)
    assert (row.status, row.lease_owner, row.attempts) == (ChapterStatus.PENDING, None, 0)
