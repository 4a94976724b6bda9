"""The runner's queue: exclusive claims under a lease, reclaiming dead runners' jobs, and every
write refused once the lease is lost."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.pipeline.document import Chapter as PlannedChapter
from pdf2audiobook.pipeline.document import Paragraph, RemovalReason
from pdf2audiobook.pipeline.document import RemovedBlock as RemovedText
from pdf2audiobook.service.jobs.queue_repository import JobQueueRepository
from pdf2audiobook.service.jobs.repository import JobRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import ChapterStatus, Job, JobStatus, User

from .clock import FakeClock

LEASE = 60.0


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
def queue(session: Session, lease_clock: FakeClock) -> JobQueueRepository:
    return JobQueueRepository(session, clock=lease_clock)


def test_claiming_a_pending_job_leases_it_and_counts_the_attempt(
    queue: JobQueueRepository, job_factory: Callable[[], Job], lease_clock: FakeClock
) -> None:
    job = job_factory()

    claimed = queue.claim(job.id, "runner-a", LEASE)

    assert claimed is not None
    assert claimed.status == JobStatus.PROCESSING
    assert (claimed.attempts, claimed.lease_owner) == (1, "runner-a")
    assert claimed.lease_expires_at == lease_clock.now + timedelta(seconds=LEASE)
    assert claimed.started_at == lease_clock.now


def test_a_leased_job_cannot_be_claimed_again_even_by_its_owner(
    queue: JobQueueRepository, job_factory: Callable[[], Job]
) -> None:
    job = job_factory()
    assert queue.claim(job.id, "runner-a", LEASE) is not None

    assert queue.claim(job.id, "runner-b", LEASE) is None
    assert queue.claim(job.id, "runner-a", LEASE) is None


def test_of_many_concurrent_claims_exactly_one_wins(
    sessions: sessionmaker[Session], job_factory: Callable[[], Job]
) -> None:
    job = job_factory()
    runners = 8
    start = threading.Barrier(runners)

    def claim(runner: int) -> str | None:
        owner = f"runner-{runner}"
        start.wait()
        with session_scope(sessions) as session:
            claimed = JobQueueRepository(session).claim(job.id, owner, LEASE)
            return owner if claimed is not None else None

    with ThreadPoolExecutor(runners) as pool:
        winners = [owner for owner in pool.map(claim, range(runners)) if owner is not None]

    assert len(winners) == 1
    with sessions() as session:
        stored = JobRepository(session, job.user_id).get(job.id)
        assert stored is not None
        assert (stored.lease_owner, stored.attempts) == (winners[0], 1)


def test_an_expired_lease_is_reclaimed_with_another_attempt(
    queue: JobQueueRepository, job_factory: Callable[[], Job], lease_clock: FakeClock
) -> None:
    job = job_factory()
    first = queue.claim(job.id, "runner-a", LEASE)
    assert first is not None
    started = first.started_at

    lease_clock.advance(LEASE + 1)
    second = queue.claim(job.id, "runner-b", LEASE)

    assert second is not None
    assert (second.attempts, second.lease_owner) == (2, "runner-b")
    assert second.started_at == started


def test_the_previous_owner_loses_every_write_after_a_reclaim(
    queue: JobQueueRepository, job_factory: Callable[[], Job], lease_clock: FakeClock
) -> None:
    job = job_factory()
    queue.claim(job.id, "runner-a", LEASE)
    lease_clock.advance(LEASE + 1)
    queue.claim(job.id, "runner-b", LEASE)

    assert not queue.heartbeat(job.id, "runner-a", LEASE)
    assert not queue.update_progress(job.id, "runner-a", 50)
    assert not queue.complete(
        job.id, "runner-a", audio_key="audio/a.m4b", audio_format="m4b", duration_seconds=1.0
    )
    assert not queue.fail(job.id, "runner-a", "Stale", "stale")
    assert queue.update_progress(job.id, "runner-b", 10)


def test_the_runner_reads_any_users_job_fresh_from_the_database(
    sessions: sessionmaker[Session], queue: JobQueueRepository, job_factory: Callable[[], Job]
) -> None:
    job = job_factory()
    assert queue.get(job.id) is not None
    with session_scope(sessions) as other:
        JobRepository(other, job.user_id).cancel(job)

    seen = queue.get(job.id)

    assert seen is not None
    assert seen.status == JobStatus.CANCELLED
    assert queue.get(str(uuid.uuid4())) is None


def test_a_heartbeat_keeps_the_lease_alive(
    queue: JobQueueRepository, job_factory: Callable[[], Job], lease_clock: FakeClock
) -> None:
    job = job_factory()
    queue.claim(job.id, "runner-a", LEASE)

    lease_clock.advance(LEASE - 1)
    assert queue.heartbeat(job.id, "runner-a", LEASE)
    lease_clock.advance(LEASE - 1)

    assert queue.claim(job.id, "runner-b", LEASE) is None


def test_finished_or_missing_jobs_cannot_be_claimed(
    queue: JobQueueRepository, job_factory: Callable[[], Job], lease_clock: FakeClock
) -> None:
    done, failed = job_factory(), job_factory()
    for job in (done, failed):
        queue.claim(job.id, "runner-a", LEASE)
    queue.complete(
        done.id, "runner-a", audio_key="audio/d.m4b", audio_format="m4b", duration_seconds=2.0
    )
    queue.fail(failed.id, "runner-a", "EncryptedPdf", "The PDF needs a password.")
    lease_clock.advance(LEASE * 10)

    assert queue.claim(done.id, "runner-b", LEASE) is None
    assert queue.claim(failed.id, "runner-b", LEASE) is None
    assert queue.claim(str(uuid.uuid4()), "runner-b", LEASE) is None


def test_completing_records_the_audio_and_releases_the_lease(
    session: Session, queue: JobQueueRepository, job_factory: Callable[[], Job]
) -> None:
    job = job_factory()
    queue.claim(job.id, "runner-a", LEASE)
    assert queue.record_book(
        job.id, "runner-a", title="Moby Dick", author=None, page_count=3, character_count=900
    )

    assert queue.complete(
        job.id, "runner-a", audio_key="audio/m.m4b", audio_format="m4b", duration_seconds=42.5
    )

    stored = JobRepository(session, job.user_id).get(job.id)
    assert stored is not None
    assert (stored.status, stored.progress, stored.audio_key) == (
        JobStatus.COMPLETED,
        100,
        "audio/m.m4b",
    )
    assert (stored.title, stored.page_count, stored.duration_seconds) == ("Moby Dick", 3, 42.5)
    assert (stored.lease_owner, stored.lease_expires_at) == (None, None)
    assert stored.finished_at is not None


def test_failing_records_a_user_facing_error(
    session: Session, queue: JobQueueRepository, job_factory: Callable[[], Job]
) -> None:
    job = job_factory()
    queue.claim(job.id, "runner-a", LEASE)

    assert queue.fail(job.id, "runner-a", "NoText", "The PDF has no readable text.")

    stored = JobRepository(session, job.user_id).get(job.id)
    assert stored is not None
    assert (stored.status, stored.error_code) == (JobStatus.FAILED, "NoText")
    assert stored.error_message == "The PDF has no readable text."


def test_resumable_jobs_are_pending_or_abandoned_but_not_live_or_finished(
    queue: JobQueueRepository, job_factory: Callable[[], Job], lease_clock: FakeClock
) -> None:
    pending, abandoned, live, done = (job_factory() for _ in range(4))
    queue.claim(abandoned.id, "dead-runner", LEASE)
    queue.claim(done.id, "runner-a", LEASE)
    queue.complete(
        done.id, "runner-a", audio_key="audio/x.m4b", audio_format="m4b", duration_seconds=1.0
    )
    lease_clock.advance(LEASE + 1)
    queue.claim(live.id, "runner-b", LEASE)

    resumable = set(queue.resumable_job_ids())

    assert {pending.id, abandoned.id} <= resumable
    assert not {live.id, done.id} & resumable


@pytest.mark.parametrize("progress", [-1, 101])
def test_progress_outside_0_to_100_is_refused(
    queue: JobQueueRepository, job_factory: Callable[[], Job], progress: int
) -> None:
    job = job_factory()
    queue.claim(job.id, "runner-a", LEASE)

    with pytest.raises(ValueError, match="progress"):
        queue.update_progress(job.id, "runner-a", progress)


def test_a_lease_must_last_some_time(
    queue: JobQueueRepository, job_factory: Callable[[], Job]
) -> None:
    with pytest.raises(ValueError, match="lease_seconds"):
        queue.claim(job_factory().id, "runner-a", 0)


def test_a_new_plan_replaces_the_previous_attempts_chapters_and_ledger(
    queue: JobQueueRepository, job_factory: Callable[[], Job]
) -> None:
    job = job_factory()
    queue.replace_chapters(job.id, [PlannedChapter("Draft", 1, 9)])
    queue.replace_removed(job.id, [RemovedText(1, RemovalReason.HEADER, "Draft header")])

    queue.replace_chapters(
        job.id,
        [
            PlannedChapter("Loomings", 1, 4, [Paragraph("Call me Ishmael.", 1)]),
            PlannedChapter("The Carpet-Bag", 5, 9, [Paragraph("I stuffed a shirt or two.", 5)]),
        ],
    )
    queue.replace_removed(
        job.id,
        [
            RemovedText(3, RemovalReason.PAGE_NUMBER, "3"),
            RemovedText(1, RemovalReason.HEADER, "MOBY DICK"),
        ],
    )

    chapters = queue.chapters(job.id)
    assert [(c.number, c.title, c.start_page, c.end_page) for c in chapters] == [
        (1, "Loomings", 1, 4),
        (2, "The Carpet-Bag", 5, 9),
    ]
    assert [c.word_count for c in chapters] == [3, 6]
    assert {c.status for c in chapters} == {ChapterStatus.PENDING}
    assert [(r.page, r.reason, r.text) for r in queue.removed(job.id)] == [
        (1, "header", "MOBY DICK"),
        (3, "page_number", "3"),
    ]


def test_a_chapter_checkpoint_of_a_job_no_longer_running_is_refused(
    queue: JobQueueRepository, job_factory: Callable[[], Job], session: Session
) -> None:
    # A cancel clears the chapters' audio; a runner's late checkpoint must not bring it back.
    job = job_factory()
    assert queue.claim(job.id, "runner-a", LEASE) is not None
    queue.replace_chapters(job.id, [PlannedChapter("Loomings", 1, 4)])
    assert JobRepository(session, job.user_id).cancel(job)
    assert not queue.update_chapter(
        job.id, 1, status=ChapterStatus.DONE, audio_key="jobs/c1.m4a", duration_seconds=61.0
    )
    [chapter] = queue.chapters(job.id)
    assert chapter.audio_key is None


def test_a_chapter_checkpoint_records_its_audio(
    queue: JobQueueRepository, job_factory: Callable[[], Job]
) -> None:
    job = job_factory()
    assert queue.claim(job.id, "runner-a", LEASE) is not None
    queue.replace_chapters(job.id, [PlannedChapter("Loomings", 1, 4)])

    assert queue.update_chapter(
        job.id, 1, status=ChapterStatus.DONE, audio_key="jobs/c1.m4a", duration_seconds=61.0
    )
    assert not queue.update_chapter(job.id, 2, status=ChapterStatus.DONE)

    [chapter] = queue.chapters(job.id)
    assert (chapter.status, chapter.audio_key, chapter.duration_seconds) == (
        ChapterStatus.DONE,
        "jobs/c1.m4a",
        61.0,
    )
