"""A job split into tasks, run in this process: the sample book through extraction, one
task per chapter in any order, and assembly; resuming, failing and stopping."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import av
import pytest

from pdf2audiobook.pipeline.voices import ChunkCache
from pdf2audiobook.pipeline.voices.tone import ENABLE_ENV_VAR, SECONDS_PER_CHUNK_ENV_VAR
from pdf2audiobook.service.jobs.lifecycle.files import JobFiles, drop_cached_chunks
from pdf2audiobook.service.jobs.lifecycle.keys import plan_key_for
from pdf2audiobook.service.jobs.lifecycle.password import seal_pdf_password
from pdf2audiobook.service.jobs.lifecycle.repository import JobRepository
from pdf2audiobook.service.jobs.stages import (
    StageContext,
    TaskRun,
    TransientFailure,
    run_extract,
    run_synthesise,
)
from pdf2audiobook.service.jobs.stages.repository import StageRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.kit.settings import StorageBackend
from pdf2audiobook.service.models import ChapterStatus, Job, JobStage, JobStatus
from pdf2audiobook.service.storage.factory import storage_from_settings
from tests.conftest import corpus_file

from .conftest import InlineQueue, new_job

DEADLINE_SECONDS = 120.0


def _job(context: StageContext, job_id: str) -> Job:
    with session_scope(context.sessions) as session:
        job = session.get(Job, job_id, populate_existing=True)
        assert job is not None
        session.expunge(job)
        return job


def _chapter_rows(
    context: StageContext, job_id: str
) -> list[tuple[int, ChapterStatus, str | None]]:
    with session_scope(context.sessions) as session:
        return [
            (row.number, row.status, row.audio_key)
            for row in StageRepository(session).chapters(job_id)
        ]


def _chapter_marks(path: Path) -> list[tuple[str, float]]:
    with av.open(str(path)) as container:
        marks = []
        for chapter in container.chapters():
            time_base = chapter["time_base"]
            assert time_base is not None
            marks.append((chapter["metadata"]["title"], float(chapter["start"] * time_base)))
        return marks


def test_the_sample_book_is_read_spoken_by_chapter_tasks_and_assembled(
    book_context: StageContext, tmp_path: Path
) -> None:
    context = book_context
    queue = InlineQueue()
    job_id = new_job(context)
    queue.extract(job_id, None)
    queue.deliver(context)

    assert queue.kinds() == ["synthesise", "synthesise", "synthesise"]
    assert _job(context, job_id).stage is JobStage.SYNTHESISING
    assert context.storage.exists(plan_key_for(job_id))

    # Chapters finish in any order; only the last one done sends the assembly.
    queue.deliver(context, index=queue.messages.index(("synthesise", (job_id, 3))))
    assert queue.kinds() == ["synthesise", "synthesise"]
    rows = _chapter_rows(context, job_id)
    assert rows[2][1] is ChapterStatus.DONE
    assert rows[2][2] is not None
    assert context.storage.exists(rows[2][2])
    queue.deliver(context, index=0)
    queue.deliver(context, index=0)
    assert queue.kinds() == ["assemble"]
    queue.drain(context)

    job = _job(context, job_id)
    assert job.status is JobStatus.COMPLETED
    assert job.progress == 100
    assert job.stage is None
    assert job.audio_key is not None
    assert job.characters_sent == job.character_count
    # The plan stays until the job is deleted: it names the chunks to drop from the cache.
    assert context.storage.exists(plan_key_for(job_id))
    book = tmp_path / "book.m4b"
    context.storage.download_to(job.audio_key, book)
    marks = _chapter_marks(book)
    with session_scope(context.sessions) as session:
        titles = [row.title for row in StageRepository(session).chapters(job_id)]
    assert [title for title, _ in marks] == titles
    assert marks[0][1] == 0.0
    assert marks[1][1] < marks[2][1]
    assert job.duration_seconds is not None
    assert abs(job.duration_seconds - _summed_chapter_seconds(context, job_id)) < 0.5


def _summed_chapter_seconds(context: StageContext, job_id: str) -> float:
    with session_scope(context.sessions) as session:
        return sum(row.duration_seconds or 0.0 for row in StageRepository(session).chapters(job_id))


def test_a_retried_job_speaks_only_the_chapters_it_had_not_finished(
    book_context: StageContext,
) -> None:
    context = book_context
    queue = InlineQueue()
    job_id = new_job(context)
    queue.extract(job_id, None)
    queue.deliver(context)
    queue.deliver(context)  # chapter 1 finishes
    finished_key = _chapter_rows(context, job_id)[0][2]
    assert finished_key is not None
    with session_scope(context.sessions) as session:
        job = session.get(Job, job_id, populate_existing=True)
        assert job is not None
        JobRepository(session, job.user_id).cancel(job)
    with session_scope(context.sessions) as session:
        job = session.get(Job, job_id, populate_existing=True)
        assert job is not None
        assert JobRepository(session, job.user_id).reset_for_retry(job)

    retry = InlineQueue()
    retry.extract(job_id, None)
    retry.deliver(context)
    # Cancelling removed the finished chapter's audio, so every chapter is spoken again.
    finished = [
        number
        for number, status, _ in _chapter_rows(context, job_id)
        if status is ChapterStatus.DONE
    ]
    assert retry.kinds() == ["synthesise"] * (3 - len(finished))
    retry.drain(context)
    assert _job(context, job_id).status is JobStatus.COMPLETED


def test_a_failed_job_retried_keeps_its_finished_chapters(book_context: StageContext) -> None:
    context = book_context
    queue = InlineQueue()
    job_id = new_job(context)
    queue.extract(job_id, None)
    queue.deliver(context)
    queue.deliver(context)  # chapter 1 finishes
    with session_scope(context.sessions) as session:
        from pdf2audiobook.service.jobs.stages.repository import StageRepository

        assert StageRepository(session).fail_job(job_id, "temporary_failure", "outage")
    with session_scope(context.sessions) as session:
        job = session.get(Job, job_id, populate_existing=True)
        assert job is not None
        assert JobRepository(session, job.user_id).reset_for_retry(job)

    retry = InlineQueue()
    retry.extract(job_id, None)
    retry.deliver(context)
    assert retry.messages == [("synthesise", (job_id, 2)), ("synthesise", (job_id, 3))]
    retry.drain(context)
    assert _job(context, job_id).status is JobStatus.COMPLETED


def test_a_damaged_pdf_fails_at_once_with_the_readers_message(context: StageContext) -> None:
    queue = InlineQueue()
    job_id = new_job(context, corpus_file(16))
    queue.extract(job_id, None)
    queue.deliver(context)  # no TransientFailure: nothing to retry
    job = _job(context, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error_code == "invalid_pdf"
    assert job.error_message
    assert "damaged" in job.error_message.lower()
    assert queue.messages == []
    assert _chapter_rows(context, job_id) == []


def test_an_encrypted_pdf_without_its_password_fails_asking_for_it(
    context: StageContext,
) -> None:
    queue = InlineQueue()
    job_id = new_job(context, corpus_file(12))
    queue.extract(job_id, None)
    queue.deliver(context)
    job = _job(context, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error_code == "password_required"


def test_an_encrypted_pdf_opens_with_the_password_sealed_on_its_job(
    context: StageContext,
) -> None:
    queue = InlineQueue()
    sealed = seal_pdf_password(context.settings, "user")
    job_id = new_job(context, corpus_file(12), pdf_password_sealed=sealed)
    queue.extract(job_id, None)  # the message carries no password
    queue.deliver(context)
    job = _job(context, job_id)
    assert job.status is JobStatus.PROCESSING
    assert job.page_count is not None
    assert queue.messages


def test_a_storage_outage_gives_the_job_back_for_a_retry(book_context: StageContext) -> None:
    context = book_context
    job_id = new_job(context)
    # Nothing listens on port 9 of loopback: every storage call fails to connect.
    unreachable = context.settings.model_copy(
        update={
            "storage_backend": StorageBackend.S3,
            "s3_bucket": "books",
            "s3_endpoint_url": "http://127.0.0.1:9",
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }
    )
    broken = StageContext(context.settings, context.sessions, storage_from_settings(unreachable))
    with pytest.raises(TransientFailure):
        run_extract(broken, job_id, None, TaskRun("task-1"), InlineQueue())
    job = _job(context, job_id)
    assert job.status is JobStatus.PROCESSING
    assert job.lease_owner is None  # the retry need not wait for the lease to expire
    queue = InlineQueue()
    queue.extract(job_id, None)
    queue.deliver(context, task_id="task-1")
    assert queue.kinds() == ["synthesise"] * 3


def test_a_cancelled_job_stops_between_chunks_and_keeps_no_chapter_audio(
    book_context: StageContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = book_context
    queue = InlineQueue()
    # The test voice at a pace that leaves the chapter half spoken when the cancel lands.
    monkeypatch.setenv(ENABLE_ENV_VAR, "1")
    monkeypatch.setenv(SECONDS_PER_CHUNK_ENV_VAR, "0.05")
    job_id = new_job(context, provider="tone")
    queue.extract(job_id, None)
    queue.deliver(context)
    _, (chapter_job, number) = queue.messages[1]  # the longest chapter
    assert chapter_job == job_id
    assert isinstance(number, int)

    errors: list[BaseException] = []

    def speak() -> None:
        try:
            run_synthesise(context, job_id, number, TaskRun("chapter-task"), queue)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    worker = threading.Thread(target=speak)
    worker.start()
    deadline = time.monotonic() + DEADLINE_SECONDS
    while _chapter_progress(context, job_id, number) == 0:
        assert worker.is_alive(), "the chapter finished before it could be cancelled"
        assert time.monotonic() < deadline, "no chapter progress was recorded"
        worker.join(timeout=0.05)
    with session_scope(context.sessions) as session:
        job = session.get(Job, job_id, populate_existing=True)
        assert job is not None
        JobRepository(session, job.user_id).cancel(job)
    worker.join(timeout=DEADLINE_SECONDS)
    assert not worker.is_alive()
    assert errors == []
    assert _job(context, job_id).status is JobStatus.CANCELLED
    assert not context.storage.exists(f"chapters/{job_id}/{number:03d}.m4b")
    assert "assemble" not in queue.kinds()


def _chapter_progress(context: StageContext, job_id: str, number: int) -> int:
    with session_scope(context.sessions) as session:
        for row in StageRepository(session).chapters(job_id):
            if row.number == number:
                return row.progress
    return 0


def test_a_message_for_a_job_that_is_gone_does_nothing(context: StageContext) -> None:
    queue = InlineQueue()
    queue.extract("00000000-0000-0000-0000-000000000000", None)
    queue.synthesise("00000000-0000-0000-0000-000000000000", 1, 10)
    queue.assemble("00000000-0000-0000-0000-000000000000", None)
    queue.drain(context)
    assert queue.messages == []


def test_deleting_a_finished_job_drops_its_chunks_from_the_cache_and_no_one_elses(
    book_context: StageContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENABLE_ENV_VAR, "1")
    context = replace(
        book_context,
        settings=book_context.settings.model_copy(update={"data_dir": tmp_path / "own-cache"}),
    )
    queue = InlineQueue()
    kept, deleted = new_job(context, provider="tone"), new_job(context, provider="tone")
    with session_scope(context.sessions) as session:
        # A different book for the job that stays: the same words would share chunks.
        session.get_one(Job, kept).options = {"provider": "tone", "reading_speed": 1.5}
    for job_id in (kept, deleted):
        queue.extract(job_id, None)
        queue.drain(context)
        assert _job(context, job_id).status is JobStatus.COMPLETED
    cache = ChunkCache(context.settings.chunk_cache_dir)
    filled = cache.size_bytes()

    assert JobFiles.of(_job(context, deleted)).delete(context.storage, cache)

    left = cache.size_bytes()
    assert 0 < left < filled
    assert drop_cached_chunks(context.storage, cache, kept) > 0
    assert cache.size_bytes() == 0
    assert not context.storage.exists(plan_key_for(deleted))
