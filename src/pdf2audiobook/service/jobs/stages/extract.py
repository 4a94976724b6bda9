"""Extraction: read the book, store the plan, send one synthesis message per chapter to speak."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.book_plan import chapter_characters
from pdf2audiobook.pipeline.convert import ConvertOptions, extract_plan
from pdf2audiobook.pipeline.progress import SYNTHESIS_START, ProgressEvent
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.pipeline.summary.chapters import SummaryMode
from pdf2audiobook.service.credits.holds import JobCredits
from pdf2audiobook.service.jobs.lifecycle.file_names import stored_book_name
from pdf2audiobook.service.jobs.lifecycle.keys import plan_key_for
from pdf2audiobook.service.jobs.lifecycle.options import JobOptions
from pdf2audiobook.service.jobs.lifecycle.password import unseal_pdf_password
from pdf2audiobook.service.jobs.stages.base import (
    Enqueuer,
    JobStopped,
    StageContext,
    TaskRun,
    claim_job_stage,
    guarded,
    job_lease_keeper,
    release_job,
)
from pdf2audiobook.service.jobs.stages.repository import (
    ChapterSpec,
    StageRepository,
)
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.models import JobStage


def run_extract(
    context: StageContext, job_id: str, password: str | None, run: TaskRun, enqueue: Enqueuer
) -> None:
    """Read the book, store the plan and send one task per chapter still to speak."""
    settings = context.settings
    owner = run.owner
    with session_scope(context.sessions) as session:
        claim = claim_job_stage(session, context, job_id, JobStage.EXTRACTING, run)
        if claim is None:
            return
        options = JobOptions.model_validate(claim.options)
        pdf_key = claim.pdf_key
        original_filename = claim.original_filename
        # A message from before passwords were sealed may still carry one in clear.
        password = password or unseal_pdf_password(settings, claim.pdf_password_sealed)

    with job_lease_keeper(context, job_id, owner) as keeper:

        def on_progress(event: ProgressEvent) -> None:
            if keeper.lost.is_set():
                raise JobStopped
            with session_scope(context.sessions) as session:
                StageRepository(session).set_progress(
                    job_id, min(event.percent, SYNTHESIS_START - 1)
                )

        def work() -> list[int] | None:
            with tempfile.TemporaryDirectory(prefix="extract-", dir=context.scratch_dir) as folder:
                # The reader sniffs the format; the name is the user's, for its messages.
                source = Path(folder) / stored_book_name(original_filename, pdf_key)
                context.storage.download_to(pdf_key, source)
                book, plan = extract_plan(
                    source, _convert_options(options, password, settings), on_progress
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
                stages = StageRepository(session)
                if not stages.record_book(
                    job_id,
                    owner,
                    title=book.title,
                    author=book.author,
                    page_count=book.page_count,
                    character_count=plan.characters,
                ):
                    raise JobStopped
                JobCredits(session).reprice(job_id, plan.characters)
                stages.replace_removed(job_id, book.removed)
                return stages.start_synthesis(job_id, owner, specs)

        numbers = guarded(context, job_id, owner, work, release=release_job)
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
        enqueue.synthesise(job_id, number, characters.get(number, 0))
    if assemble:
        enqueue.assemble(job_id, None)


def dispatch_order(numbers: list[int], characters: dict[int, int]) -> list[int]:
    """The first chapter first, so a listener can start at once; then the longest first,
    so that with several workers no long chapter is left running alone at the end."""
    if not numbers:
        return []
    first, *rest = sorted(numbers)
    return [first, *sorted(rest, key=lambda number: (-characters.get(number, 0), number))]


def summary_mode(options: JobOptions) -> SummaryMode:
    if options.summary_only:
        return SummaryMode.ONLY
    return SummaryMode.BEFORE if options.include_summary else SummaryMode.NONE


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
