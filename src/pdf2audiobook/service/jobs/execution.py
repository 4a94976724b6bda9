"""Running one job: claim it, convert its PDF with the pipeline, store the audio.

This runs in a worker process (the embedded runner's pool, later a Celery worker). It
opens its own database engine and storage, holds a lease on the job while it works,
and gives up quietly when the job is gone, cancelled or claimed by someone else.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.convert import ConvertOptions, convert_pdf
from pdf2audiobook.pipeline.document import Book
from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.progress import ProgressEvent
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.pipeline.summary.chapters import SummaryMode
from pdf2audiobook.pipeline.voices.pricing import cost_of
from pdf2audiobook.service.jobs.options import JobOptions
from pdf2audiobook.service.jobs.queue_repository import JobQueueRepository
from pdf2audiobook.service.kit.db import (
    create_engine_from_settings,
    session_factory,
    session_scope,
)
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.models import ChapterStatus, JobStatus
from pdf2audiobook.service.storage.base import Storage
from pdf2audiobook.service.storage.factory import storage_from_settings

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120.0
"""A job whose worker stops heartbeating for this long is taken over by another."""
HEARTBEAT_SECONDS = 15.0
UNEXPECTED_FAILURE = "An unexpected error stopped this job. It has been logged; retrying may work."
AUDIO_CONTENT_TYPES = {"m4b": "audio/mp4", "mp3": "audio/mpeg"}


class JobStopped(Exception):
    """The job was cancelled or its lease was lost: stop without touching it further."""


def audio_key_for(job_id: str, audio_format: str) -> str:
    """Deterministic, so a retried job overwrites rather than leaks its earlier audio."""
    return f"audio/{job_id}.{audio_format}"


def summary_mode(options: JobOptions) -> SummaryMode:
    if options.summary_only:
        return SummaryMode.ONLY
    return SummaryMode.BEFORE if options.include_summary else SummaryMode.NONE


def chapter_audio_key_for(job_id: str, number: int, audio_format: str) -> str:
    return f"chapters/{job_id}/{number:03d}.{audio_format}"


def execute_job(job_id: str, password: str | None, settings: Settings) -> None:
    """Run `job_id` to completion or failure. Safe to call for any id, any number of times."""
    engine = create_engine_from_settings(settings)
    try:
        _JobRun(job_id, session_factory(engine), storage_from_settings(settings), settings).run(
            password
        )
    finally:
        engine.dispose()


@dataclass
class _JobRun:
    job_id: str
    sessions: sessionmaker[Session]
    storage: Storage
    settings: Settings

    def __post_init__(self) -> None:
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._last_beat = 0.0
        self._last_progress = -1
        self._chapter = 0
        self._chapters_done = 0
        self._format = "m4b"

    def run(self, password: str | None) -> None:
        with session_scope(self.sessions) as session:
            job = JobQueueRepository(session).claim(self.job_id, self.owner, LEASE_SECONDS)
            if job is None:
                return
            options = JobOptions.model_validate(job.options)
            pdf_key = job.pdf_key
        try:
            self._convert(pdf_key, options, password)
        except JobStopped:
            logger.info("job %s stopped: cancelled or taken over", self.job_id)
        except PipelineError as error:
            self._fail(error.code, error.message)
        except Exception:
            logger.exception("job %s failed unexpectedly", self.job_id)
            self._fail("internal_error", UNEXPECTED_FAILURE)

    def _convert(self, pdf_key: str, options: JobOptions, password: str | None) -> None:
        with tempfile.TemporaryDirectory(prefix="pdf2audiobook-job-") as work:
            pdf = Path(work) / "input.pdf"
            self.storage.download_to(pdf_key, pdf)
            output = Path(work) / f"book.{options.output_format}"
            chapter_dir = Path(work) / "chapters"
            chapter_dir.mkdir()
            self._format = options.output_format
            result = convert_pdf(
                pdf,
                ConvertOptions(
                    output=output,
                    fmt=options.output_format,
                    provider=options.provider,
                    voice=options.voice,
                    voice_type=options.voice_type,
                    fallback_providers=tuple(self.settings.tts_fallback_providers),
                    speed=options.reading_speed,
                    footnotes=FootnotePolicy(options.footnotes),
                    password=password,
                    cache_dir=self.settings.data_dir / "cache",
                    chapter_dir=chapter_dir,
                    summary=summary_mode(options),
                    recaps=options.chapter_recaps,
                    read=ReadOptions(limits=ReadLimits(max_pages=self.settings.max_pdf_pages)),
                ),
                self._on_progress,
                self._on_book,
                self._on_chapter_audio,
            )
            key = audio_key_for(self.job_id, options.output_format)
            self.storage.put_file(key, output, AUDIO_CONTENT_TYPES[options.output_format])
        with session_scope(self.sessions) as session:
            queue = JobQueueRepository(session)
            for number, (provider, voice) in enumerate(result.chapter_voices, start=1):
                queue.record_chapter_voice(self.job_id, number, provider, voice)
            queue.record_cost(
                self.job_id,
                self.owner,
                sum(result.characters_by_provider.values()),
                sum(
                    cost_of(provider, characters)
                    for provider, characters in result.characters_by_provider.items()
                ),
                " ".join(result.notes) or None,
            )
            completed = queue.complete(
                self.job_id,
                self.owner,
                audio_key=key,
                audio_format=options.output_format,
                duration_seconds=result.duration_seconds,
            )
        if not completed:
            # Cancelled or taken over while uploading: the audio is not this job's any more.
            self.storage.delete(key)

    def _on_book(self, book: Book) -> None:
        with session_scope(self.sessions) as session:
            queue = JobQueueRepository(session)
            self._check_still_ours(queue)
            queue.record_book(
                self.job_id,
                self.owner,
                title=book.title,
                author=book.author,
                page_count=book.page_count,
                character_count=sum(len(chapter.text) for chapter in book.chapters),
            )
            queue.replace_chapters(self.job_id, book.chapters)
            queue.replace_removed(self.job_id, book.removed)

    def _on_chapter_audio(self, number: int, path: Path, duration: float) -> None:
        """Publish a finished chapter at once, so it can be heard before the book is done."""
        key = chapter_audio_key_for(self.job_id, number, self._format)
        self.storage.put_file(key, path, AUDIO_CONTENT_TYPES[self._format])
        path.unlink()
        with session_scope(self.sessions) as session:
            queue = JobQueueRepository(session)
            recorded = queue.update_chapter(
                self.job_id,
                number,
                status=ChapterStatus.DONE,
                audio_key=key,
                duration_seconds=duration,
            )
        if not recorded:
            # Cancelled or deleted meanwhile: its chapter files are being removed.
            self.storage.delete(key)
            raise JobStopped

    def _on_progress(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        chapter_moved = event.chapter is not None and (
            event.chapter != self._chapter or event.chapters_done != self._chapters_done
        )
        quiet = now - self._last_beat < HEARTBEAT_SECONDS
        if event.percent == self._last_progress and quiet and not chapter_moved:
            return
        with session_scope(self.sessions) as session:
            queue = JobQueueRepository(session)
            self._check_still_ours(queue)
            queue.heartbeat(self.job_id, self.owner, LEASE_SECONDS)
            queue.update_progress(self.job_id, self.owner, min(event.percent, 99))
            if chapter_moved and event.chapter is not None:
                self._record_chapters(queue, event.chapter, event.chapters_done)
        self._last_beat = now
        self._last_progress = event.percent

    def _record_chapters(self, queue: JobQueueRepository, current: int, done: int) -> None:
        # Finished chapters are recorded with their audio by `_on_chapter_audio`.
        if current > done:
            queue.update_chapter(self.job_id, current, status=ChapterStatus.SYNTHESISING)
        self._chapter = current
        self._chapters_done = done

    def _check_still_ours(self, queue: JobQueueRepository) -> None:
        job = queue.get(self.job_id)
        if job is None or job.status is not JobStatus.PROCESSING or job.lease_owner != self.owner:
            raise JobStopped

    def _fail(self, code: str, message: str) -> None:
        with session_scope(self.sessions) as session:
            JobQueueRepository(session).fail(self.job_id, self.owner, code, message)
