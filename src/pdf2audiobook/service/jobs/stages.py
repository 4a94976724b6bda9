"""A job as three kinds of task: read the PDF, speak one chapter, assemble the book.

Extraction writes the book plan to storage and creates one chapter row per chapter;
each chapter is then spoken by its own task (on any worker of any machine) into
`chapters/{job_id}/{n:03d}.{fmt}`, downloadable at once; the chapter that completes the
set moves the job to assembly, which joins the chapter files into the book without
re-encoding them. Every task claims its work with a compare-and-set lease, keeps the
lease alive while it works and stops quietly when the job is gone, cancelled or held
by another worker. The functions here know nothing of Celery: a queue calls them.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.pipeline.audio import join_chapter_files
from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.book_plan import BookPlan, PlanFormatError, chapter_characters
from pdf2audiobook.pipeline.convert import ConvertOptions, plan_book
from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.narration import OutputSpec, narrate_chapter
from pdf2audiobook.pipeline.progress import SYNTHESIS_START, ProgressEvent
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.pipeline.voices import ChunkCache
from pdf2audiobook.pipeline.voices.pricing import cost_of
from pdf2audiobook.service.jobs.execution import (
    AUDIO_CONTENT_TYPES,
    UNEXPECTED_FAILURE,
    JobStopped,
    audio_key_for,
    chapter_audio_key_for,
    summary_mode,
)
from pdf2audiobook.service.jobs.lease_keeper import LeaseKeeper
from pdf2audiobook.service.jobs.options import JobOptions
from pdf2audiobook.service.jobs.queue_repository import JobQueueRepository
from pdf2audiobook.service.jobs.stage_repository import (
    ChapterSpec,
    ClaimRefused,
    StageRepository,
    owner_for,
)
from pdf2audiobook.service.jobs.transient import is_transient
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.models import Chapter, ChapterStatus, JobStage
from pdf2audiobook.service.storage.base import Storage, StorageKeyNotFound

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

PROGRESS_WRITE_SECONDS = 1.0
"""Chapter progress is written at most this often (it is also where a cancel is noticed)."""
TOO_MANY_ATTEMPTS = (
    "This job stopped its worker {attempts} times (it may be too large or damaged) "
    "and was given up."
)
GAVE_UP_AFTER_RETRIES = (
    "A temporary problem kept this job from finishing after several tries. Retry it later."
)
PLAN_LOST = "This job's working files are gone. Retry it to start again."


def plan_key_for(job_id: str) -> str:
    return f"work/{job_id}/plan.json"


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a task needs, opened once per worker process."""

    settings: Settings
    sessions: sessionmaker[Session]
    storage: Storage
    interruptions: tuple[type[BaseException], ...] = ()
    """Exceptions the queue raises inside a task (a soft time limit) that must reach it."""


@dataclass(frozen=True, slots=True)
class TaskRun:
    """One delivery of a task: its queue id, and the lease owner name made from it."""

    task_id: str

    @property
    def owner(self) -> str:
        return owner_for(socket.gethostname(), os.getpid(), self.task_id)


class Enqueuer(Protocol):
    def prepare(self, job_id: str, password: str | None) -> None: ...

    def chapter(self, job_id: str, number: int, characters: int) -> None: ...

    def assemble(self, job_id: str, page_count: int | None) -> None: ...


class TransientFailure(Exception):
    """A stage hit an outage (its lease is already given back): the queue should retry."""


# -- extraction ---------------------------------------------------------------------------


def run_prepare(
    context: StageContext, job_id: str, password: str | None, run: TaskRun, enqueue: Enqueuer
) -> None:
    """Read the PDF, store the plan and send one task per chapter still to speak."""
    settings = context.settings
    owner = run.owner
    with session_scope(context.sessions) as session:
        claim = StageRepository(session).claim_job(
            job_id,
            JobStage.EXTRACTING,
            owner,
            run.task_id,
            settings.job_lease_seconds,
            settings.job_max_attempts,
        )
        if isinstance(claim, ClaimRefused):
            if claim.exhausted:
                _give_up(session, job_id, settings.job_max_attempts)
            return
        options = JobOptions.model_validate(claim.options)
        pdf_key = claim.pdf_key

    def renew() -> bool:
        with session_scope(context.sessions) as session:
            return StageRepository(session).heartbeat_job(job_id, owner, settings.job_lease_seconds)

    with LeaseKeeper(renew, settings.job_lease_seconds / 4) as keeper:

        def on_progress(event: ProgressEvent) -> None:
            if keeper.lost.is_set():
                raise JobStopped
            with session_scope(context.sessions) as session:
                StageRepository(session).set_progress(
                    job_id, min(event.percent, SYNTHESIS_START - 1)
                )

        def work() -> list[int] | None:
            with tempfile.TemporaryDirectory(prefix="pdf2audiobook-read-") as folder:
                pdf = Path(folder) / "input.pdf"
                context.storage.download_to(pdf_key, pdf)
                book, plan = plan_book(
                    pdf, _convert_options(options, password, settings), on_progress
                )
            context.storage.put_stream(
                plan_key_for(job_id), [plan.to_json().encode()], "application/json"
            )
            specs = [
                ChapterSpec(
                    title=chapter.title,
                    start_page=source.start_page,
                    end_page=source.end_page,
                    word_count=source.word_count,
                    characters=chapter_characters(chapter),
                )
                for chapter, source in zip(
                    plan.chapters,
                    (book.chapters[index] for index in plan.chapter_sources),
                    strict=True,
                )
            ]
            with session_scope(context.sessions) as session:
                queue = JobQueueRepository(session)
                if not queue.record_book(
                    job_id,
                    owner,
                    title=book.title,
                    author=book.author,
                    page_count=book.page_count,
                    character_count=plan.characters,
                ):
                    raise JobStopped
                queue.replace_removed(job_id, book.removed)
                return StageRepository(session).start_synthesis(job_id, owner, specs)

        numbers = _guarded(context, job_id, owner, work, release=_release_job)
    if numbers is None:
        return
    _send_chapters(context, job_id, numbers, enqueue)


def _send_chapters(
    context: StageContext, job_id: str, numbers: list[int], enqueue: Enqueuer
) -> None:
    with session_scope(context.sessions) as session:
        stages = StageRepository(session)
        characters = {row.number: row.characters for row in stages.chapters(job_id)}
        assemble = not numbers and stages.start_assembly(job_id)
    for number in dispatch_order(numbers, characters):
        enqueue.chapter(job_id, number, characters.get(number, 0))
    if assemble:
        enqueue.assemble(job_id, None)


def dispatch_order(numbers: list[int], characters: dict[int, int]) -> list[int]:
    """The first chapter first, so a listener can start at once; then the longest first,
    so that with several workers no long chapter is left running alone at the end."""
    if not numbers:
        return []
    first, *rest = sorted(numbers)
    return [first, *sorted(rest, key=lambda number: (-characters.get(number, 0), number))]


# -- one chapter --------------------------------------------------------------------------


def run_chapter(
    context: StageContext, job_id: str, number: int, run: TaskRun, enqueue: Enqueuer
) -> None:
    """Speak chapter `number` into its own file; the last chapter done starts assembly."""
    settings = context.settings
    owner = run.owner
    with session_scope(context.sessions) as session:
        claim = StageRepository(session).claim_chapter(
            job_id,
            number,
            owner,
            run.task_id,
            settings.job_lease_seconds,
            settings.job_max_attempts,
        )
        if isinstance(claim, ClaimRefused):
            if claim.exhausted:
                _give_up(session, job_id, settings.job_max_attempts)
            return

    def renew() -> bool:
        with session_scope(context.sessions) as session:
            return StageRepository(session).heartbeat_chapter(
                job_id, number, owner, settings.job_lease_seconds
            )

    with LeaseKeeper(renew, settings.job_lease_seconds / 4) as keeper:
        last_write = 0.0

        def on_progress(done: int, total: int) -> None:
            nonlocal last_write
            if keeper.lost.is_set():
                raise JobStopped
            now = time.monotonic()
            if now - last_write < PROGRESS_WRITE_SECONDS:
                return
            last_write = now
            percent = 100 * done // total if total else 100
            with session_scope(context.sessions) as session:
                if not StageRepository(session).chapter_progress(job_id, number, owner, percent):
                    raise JobStopped

        def work() -> bool:
            plan = _load_plan(context, job_id)
            with tempfile.TemporaryDirectory(prefix="pdf2audiobook-chapter-") as folder:
                title = plan.chapters[number - 1].title
                spoken = narrate_chapter(
                    plan.chapters,
                    number,
                    plan.voices,
                    OutputSpec(
                        path=Path(folder) / f"chapter.{plan.fmt}",
                        fmt=plan.fmt,
                        tags=replace(plan.tags, title=f"{plan.tags.title}: {title}"),
                        cover_jpeg=plan.cover_jpeg,
                    ),
                    workers=1,
                    cache=ChunkCache(settings.data_dir / "cache"),
                    on_progress=on_progress,
                )
                key = chapter_audio_key_for(job_id, number, plan.fmt)
                context.storage.put_file(key, spoken.path, AUDIO_CONTENT_TYPES[plan.fmt])
            with session_scope(context.sessions) as session:
                stages = StageRepository(session)
                finished = stages.finish_chapter(
                    job_id,
                    number,
                    owner,
                    audio_key=key,
                    duration_seconds=spoken.duration_seconds,
                    provider=spoken.voice.provider,
                    voice=spoken.voice.voice,
                )
                job_running = stages.is_processing(job_id)
                assemble = finished and stages.start_assembly(job_id)
            if not job_running:
                # Cancelled or deleted while this chapter was being uploaded.
                context.storage.delete(key)
            return assemble

        assemble = _guarded(context, job_id, owner, work, release=_chapter_releaser(number))
    if assemble:
        enqueue.assemble(job_id, None)


# -- assembly -----------------------------------------------------------------------------


def run_assemble(context: StageContext, job_id: str, run: TaskRun) -> None:
    """Join the chapter files into the book, record its cost and complete the job."""
    settings = context.settings
    owner = run.owner
    with session_scope(context.sessions) as session:
        claim = StageRepository(session).claim_job(
            job_id,
            JobStage.ASSEMBLING,
            owner,
            run.task_id,
            settings.job_lease_seconds,
            settings.job_max_attempts,
        )
        if isinstance(claim, ClaimRefused):
            if claim.exhausted:
                _give_up(session, job_id, settings.job_max_attempts)
            return
        chapters = [
            (row.number, row.title, row.audio_key, row.provider, row.characters)
            for row in StageRepository(session).chapters(job_id)
        ]

    def renew() -> bool:
        with session_scope(context.sessions) as session:
            return StageRepository(session).heartbeat_job(job_id, owner, settings.job_lease_seconds)

    def work() -> None:
        plan = _load_plan(context, job_id)
        with tempfile.TemporaryDirectory(prefix="pdf2audiobook-book-") as folder:
            parts: list[tuple[str, Path]] = []
            for number, title, audio_key, _provider, _characters in chapters:
                if audio_key is None:
                    raise JobStopped
                part = Path(folder) / f"{number:03d}.{plan.fmt}"
                context.storage.download_to(audio_key, part)
                parts.append((title, part))
            output = Path(folder) / f"book.{plan.fmt}"
            written = join_chapter_files(parts, plan.fmt, output, plan.tags, plan.cover_jpeg)
            key = audio_key_for(job_id, plan.fmt)
            context.storage.put_file(key, output, AUDIO_CONTENT_TYPES[plan.fmt])
        by_provider: dict[str, int] = {}
        for _number, _title, _key, provider, characters in chapters:
            name = provider or plan.voices[0].provider
            by_provider[name] = by_provider.get(name, 0) + characters
        with session_scope(context.sessions) as session:
            queue = JobQueueRepository(session)
            queue.record_cost(
                job_id,
                owner,
                sum(by_provider.values()),
                sum(cost_of(provider, count) for provider, count in by_provider.items()),
                " ".join(plan.notes) or None,
            )
            completed = queue.complete(
                job_id,
                owner,
                audio_key=key,
                audio_format=plan.fmt,
                duration_seconds=written.duration_seconds,
            )
            if completed:
                StageRepository(session).clear_stage(job_id)
        if completed:
            context.storage.delete_prefix(f"work/{job_id}/")
        else:
            context.storage.delete(key)

    with LeaseKeeper(renew, settings.job_lease_seconds / 4):
        _guarded(context, job_id, owner, work, release=_release_job)


# -- reconciliation -----------------------------------------------------------------------


def reconcile(context: StageContext, enqueue: Enqueuer) -> int:
    """Send again what a dead worker or a lost message left waiting. Returns messages sent."""
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
        enqueue.prepare(job_id, None)
    for job_id, number in work.chapters:
        enqueue.chapter(job_id, number, characters[(job_id, number)])
    for job_id in work.assemble:
        enqueue.assemble(job_id, None)
    return len(work.prepare) + len(work.chapters) + len(work.assemble)


def give_up_after_retries(context: StageContext, job_id: str) -> None:
    """The queue retried a transient failure as often as it may: fail the job plainly."""
    with session_scope(context.sessions) as session:
        StageRepository(session).fail_job(job_id, "temporary_failure", GAVE_UP_AFTER_RETRIES)


# -- shared -------------------------------------------------------------------------------


def _guarded(
    context: StageContext,
    job_id: str,
    owner: str,
    work: Callable[[], _T],
    *,
    release: Callable[[StageRepository, str, str], None],
) -> _T | None:
    """Run a stage's work; turn its failures into the job's state.

    A user's error (bad PDF, wrong password, no text) fails the job at once with its
    message; an outage gives the lease back and raises TransientFailure for the queue to
    retry; a lost lease stops quietly; anything else fails the job without retrying.
    """
    try:
        return work()
    except JobStopped:
        logger.info("job %s stopped: cancelled or taken over", job_id)
        return None
    except BaseException as error:
        if isinstance(error, context.interruptions):
            raise
        if is_transient(error):
            with session_scope(context.sessions) as session:
                release(StageRepository(session), job_id, owner)
            raise TransientFailure(str(error)) from error
        if isinstance(error, PipelineError):
            _fail(context, job_id, error.code, error.message)
            return None
        if isinstance(error, PlanFormatError | StorageKeyNotFound):
            logger.warning("job %s lost its working files", job_id, exc_info=True)
            _fail(context, job_id, "working_files_lost", PLAN_LOST)
            return None
        if not isinstance(error, Exception):
            raise
        logger.exception("job %s failed unexpectedly", job_id)
        _fail(context, job_id, "internal_error", UNEXPECTED_FAILURE)
        return None


def _release_job(stages: StageRepository, job_id: str, owner: str) -> None:
    stages.release_job(job_id, owner)


def _chapter_releaser(number: int) -> Callable[[StageRepository, str, str], None]:
    def release(stages: StageRepository, job_id: str, owner: str) -> None:
        stages.release_chapter(job_id, number, owner)

    return release


def _fail(context: StageContext, job_id: str, code: str, message: str) -> None:
    with session_scope(context.sessions) as session:
        StageRepository(session).fail_job(job_id, code, message)


def _give_up(session: Session, job_id: str, attempts: int) -> None:
    logger.error("job %s gave up after %d attempts", job_id, attempts)
    StageRepository(session).fail_job(
        job_id, "too_many_attempts", TOO_MANY_ATTEMPTS.format(attempts=attempts)
    )


def _load_plan(context: StageContext, job_id: str) -> BookPlan:
    with context.storage.open_read(plan_key_for(job_id)) as stream:
        return BookPlan.from_json(stream.read())


def _chapter_characters(session: Session, job_id: str, number: int) -> int:
    chapter = session.query(Chapter).filter_by(job_id=job_id, number=number).one_or_none()
    return chapter.characters if chapter is not None else 0


def _convert_options(
    options: JobOptions, password: str | None, settings: Settings
) -> ConvertOptions:
    return ConvertOptions(
        fmt=options.output_format,
        provider=options.provider,
        voice=options.voice,
        voice_type=options.voice_type,
        fallback_providers=tuple(settings.tts_fallback_providers),
        speed=options.reading_speed,
        footnotes=FootnotePolicy(options.footnotes),
        password=password,
        summary=summary_mode(options),
        recaps=options.chapter_recaps,
        read=ReadOptions(limits=ReadLimits(max_pages=settings.max_pdf_pages)),
    )


__all__ = [
    "ChapterStatus",
    "Enqueuer",
    "StageContext",
    "TaskRun",
    "TransientFailure",
    "give_up_after_retries",
    "plan_key_for",
    "reconcile",
    "run_assemble",
    "run_chapter",
    "run_prepare",
]
