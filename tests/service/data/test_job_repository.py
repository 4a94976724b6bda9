"""A user's jobs: owner-scoped reads and deletes, idempotency keys, paging, cascades."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.pipeline.document import RemovalReason
from pdf2audiobook.pipeline.document import RemovedBlock as RemovedText
from pdf2audiobook.service.jobs.lifecycle.repository import IdempotencyKeyInUse, JobRepository
from pdf2audiobook.service.jobs.stages.repository import StageRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import Chapter, Job, JobStage, JobStatus, RemovedBlock, User

OPTIONS = {"provider": "hibari", "voice": "female", "speed": 1.0, "output_format": "m4b"}


def _create(jobs: JobRepository, idempotency_key: str | None = None) -> Job:
    return jobs.create(
        original_filename="Moby Dick.pdf",
        pdf_key=f"uploads/{uuid.uuid4().hex}.pdf",
        options=OPTIONS,
        idempotency_key=idempotency_key,
    )


def _plan_and_ledger(session: Session, job: Job) -> None:
    """A chapter row and a removal ledger, as extraction leaves them."""
    session.add(
        Chapter(job_id=job.id, number=1, title="One", start_page=1, end_page=3, word_count=3)
    )
    StageRepository(session).replace_removed(
        job.id, [RemovedText(2, RemovalReason.PAGE_NUMBER, "2")]
    )
    session.flush()


def test_a_new_job_is_pending_with_its_options(
    session: Session, new_user: Callable[[], User]
) -> None:
    jobs = JobRepository(session, new_user().id)

    job = _create(jobs)

    assert jobs.get(job.id) is job
    assert (job.status, job.progress, job.attempts) == (JobStatus.PENDING, 0, 0)
    assert job.options == OPTIONS
    assert job.created_at.tzinfo is not None


@pytest.mark.parametrize("key", ["password", "PDF_Password"])
def test_a_pdf_password_is_never_stored_with_the_options(
    session: Session, new_user: Callable[[], User], key: str
) -> None:
    jobs = JobRepository(session, new_user().id)

    with pytest.raises(ValueError, match="password"):
        jobs.create(original_filename="x.pdf", pdf_key="uploads/x.pdf", options={key: "secret"})


def test_another_users_job_is_indistinguishable_from_a_missing_one(
    session: Session, new_user: Callable[[], User]
) -> None:
    owner, stranger = new_user(), new_user()
    job = _create(JobRepository(session, owner.id))
    _plan_and_ledger(session, job)
    theirs = JobRepository(session, stranger.id)

    assert theirs.get(job.id) is None
    assert theirs.get(str(uuid.uuid4())) is None
    assert theirs.list() == ([], 0)
    assert theirs.chapters(job.id) == []
    assert theirs.removed(job.id) == []
    assert not theirs.delete(job)
    assert not theirs.cancel(job)
    assert theirs.delete_by_status(JobStatus.PENDING) == []
    assert JobRepository(session, owner.id).get(job.id) is not None


def test_an_idempotency_key_is_unique_per_user_not_globally(
    session: Session, new_user: Callable[[], User]
) -> None:
    alice, bob = JobRepository(session, new_user().id), JobRepository(session, new_user().id)
    first = _create(alice, idempotency_key="upload-1")

    with pytest.raises(IdempotencyKeyInUse) as raised:
        _create(alice, idempotency_key="upload-1")

    assert raised.value.existing is first
    assert raised.value.existing_job_id == first.id
    assert alice.find_by_idempotency_key("upload-1") is first
    assert _create(bob, idempotency_key="upload-1").id != first.id
    assert _create(alice).id != _create(alice).id  # no key, no constraint


def test_concurrent_creates_with_one_idempotency_key_make_one_job(
    sessions: sessionmaker[Session], new_user: Callable[[], User]
) -> None:
    owner_id = new_user().id
    racers = 6
    start = threading.Barrier(racers)

    def create() -> str:
        start.wait()
        try:
            with session_scope(sessions) as session:
                return _create(JobRepository(session, owner_id), idempotency_key="same").id
        except IdempotencyKeyInUse as conflict:
            return f"conflict:{conflict.existing_job_id}"

    with ThreadPoolExecutor(racers) as pool:
        outcomes = list(pool.map(lambda _: create(), range(racers)))

    winners = [outcome for outcome in outcomes if not outcome.startswith("conflict:")]
    assert len(winners) == 1
    assert set(outcomes) - set(winners) == {f"conflict:{winners[0]}"}


def test_the_list_is_newest_first_paged_and_counts_every_match(
    session: Session, new_user: Callable[[], User]
) -> None:
    jobs = JobRepository(session, new_user().id)
    created = [_create(jobs) for _ in range(5)]
    newest_first = [job.id for job in reversed(created)]

    first_page, total = jobs.list(limit=2)
    second_page, _ = jobs.list(limit=2, offset=2)
    last_page, _ = jobs.list(limit=2, offset=4)

    assert total == 5
    assert [job.id for job in first_page + second_page + last_page] == newest_first


def test_the_list_filters_by_status(session: Session, new_user: Callable[[], User]) -> None:
    jobs = JobRepository(session, new_user().id)
    failed, pending = _create(jobs), _create(jobs)
    failed.status = JobStatus.FAILED
    session.flush()

    assert jobs.list(JobStatus.FAILED) == ([failed], 1)
    assert jobs.list(JobStatus.PENDING) == ([pending], 1)
    assert jobs.list(JobStatus.COMPLETED) == ([], 0)


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (101, 0), (10, -1)])
def test_the_list_refuses_unbounded_or_negative_pages(
    session: Session, new_user: Callable[[], User], limit: int, offset: int
) -> None:
    with pytest.raises(ValueError, match=r"limit|offset"):
        JobRepository(session, new_user().id).list(limit=limit, offset=offset)


def test_deleting_a_job_removes_its_chapters_and_ledger(
    session: Session, new_user: Callable[[], User]
) -> None:
    jobs = JobRepository(session, new_user().id)
    job = _create(jobs)
    _plan_and_ledger(session, job)
    assert len(jobs.chapters(job.id)) == 1
    assert len(jobs.removed(job.id)) == 1

    assert jobs.delete(job)

    assert jobs.get(job.id) is None
    assert StageRepository(session).chapters(job.id) == []
    assert session.scalars(select(RemovedBlock).where(RemovedBlock.job_id == job.id)).all() == []


def test_delete_by_status_removes_only_that_status_and_returns_the_jobs(
    session: Session, new_user: Callable[[], User]
) -> None:
    jobs = JobRepository(session, new_user().id)
    done_one, done_two, pending = _create(jobs), _create(jobs), _create(jobs)
    for job in (done_one, done_two):
        job.status = JobStatus.COMPLETED
    session.flush()
    _plan_and_ledger(session, done_one)

    deleted = jobs.delete_by_status(JobStatus.COMPLETED)

    assert {job.id for job in deleted} == {done_one.id, done_two.id}
    assert {job.pdf_key for job in deleted} == {done_one.pdf_key, done_two.pdf_key}
    assert jobs.list() == ([pending], 1)
    assert StageRepository(session).chapters(done_one.id) == []


def test_cancelling_stops_the_runner_and_is_refused_once_finished(
    session: Session, new_user: Callable[[], User]
) -> None:
    jobs, stages = JobRepository(session, new_user().id), StageRepository(session)
    job = _create(jobs)
    claim = stages.claim_job(job.id, JobStage.EXTRACTING, "host:1:read", "read", 60, 4)
    assert isinstance(claim, Job)

    assert jobs.cancel(job)

    assert (job.status, job.lease_owner) == (JobStatus.CANCELLED, None)
    assert job.finished_at is not None
    assert not stages.heartbeat_job(job.id, "host:1:read", 60)
    assert not jobs.cancel(job)


def test_a_failed_job_is_reset_to_pending_for_a_retry(
    session: Session, new_user: Callable[[], User]
) -> None:
    owner, stranger = new_user(), new_user()
    jobs, stages = JobRepository(session, owner.id), StageRepository(session)
    job = _create(jobs)
    stages.claim_job(job.id, JobStage.EXTRACTING, "host:1:read", "read", 60, 4)
    stages.set_progress(job.id, 40)
    stages.fail_job(job.id, "no_text", "The PDF has no readable text.")
    session.refresh(job)

    assert not JobRepository(session, stranger.id).reset_for_retry(job)
    assert jobs.reset_for_retry(job)

    assert (job.status, job.progress, job.attempts) == (JobStatus.PENDING, 0, 0)
    assert (job.error_code, job.error_message, job.finished_at) == (None, None, None)
    claim = stages.claim_job(job.id, JobStage.EXTRACTING, "host:1:again", "again", 60, 4)
    assert isinstance(claim, Job)
    assert not jobs.reset_for_retry(job)
