"""The whole pipeline as one call: a book (PDF, EPUB, DOCX, Markdown or text) in, an
audiobook file out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pdf2audiobook.pipeline.audio import BookTags
from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.book_plan import BookPlan
from pdf2audiobook.pipeline.document import Book, Chapter
from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.narration import (
    ChapterSpeech,
    OutputSpec,
    UnitWorkers,
    VoiceChoice,
    narrate_book,
)
from pdf2audiobook.pipeline.progress import (
    MILESTONE_DONE,
    MILESTONE_EXTRACTED,
    MILESTONE_PREPARED,
    MILESTONE_STARTED,
    ProgressCallback,
    ProgressEvent,
    Stage,
)
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.pipeline.source import read_book
from pdf2audiobook.pipeline.speech import Lexicon, chapter_speech
from pdf2audiobook.pipeline.summary.chapters import SummaryMode, with_summaries
from pdf2audiobook.pipeline.voices import default_workers, get_provider

AudioFormat = Literal["m4b", "mp3"]
MIN_SPEED = 0.5
MAX_SPEED = 2.0


class InvalidOptionError(PipelineError):
    code = "invalid_option"


@dataclass(frozen=True, slots=True)
class ConvertOptions:
    output: Path | None = None
    """Where to write the book; by default beside the source with the format's suffix."""
    fmt: AudioFormat = "m4b"
    provider: str = "local"
    voice: str | None = None
    voice_type: str | None = None
    fallback_providers: tuple[str, ...] = ()
    """Providers to read a chapter with when the one before fails (same voice type)."""
    speed: float = 1.0
    footnotes: FootnotePolicy = FootnotePolicy.END
    password: str | None = None
    lexicon: Path | None = None
    workers: int | None = None
    """Processes speaking the book's units; by default one per core."""
    cache_dir: Path | None = None
    """Chunk cache; None disables it."""
    cache_max_bytes: int | None = None
    """Size cap of the chunk cache (least recently used entries go first); None: no cap."""
    read: ReadOptions = field(default_factory=ReadOptions)
    summary: SummaryMode = SummaryMode.NONE
    recaps: bool = False
    """A short recap after each chapter."""


@dataclass(frozen=True, slots=True)
class ConvertResult:
    path: Path
    title: str
    duration_seconds: float
    chapters: int
    elapsed_seconds: float
    voice: str
    chunks_synthesised: int
    chunks_from_cache: int
    chapter_voices: list[tuple[str, str]]
    """(provider, voice) that read each chapter."""
    characters_by_provider: dict[str, int]
    notes: list[str] = field(default_factory=list)
    """What a listener should know, e.g. that the summary fell back to the book's sentences."""

    @property
    def realtime_factor(self) -> float:
        """Seconds of audio made per second of wall time."""
        return self.duration_seconds / self.elapsed_seconds if self.elapsed_seconds else 0.0


def output_path_for(source: Path, options: ConvertOptions) -> Path:
    return options.output or source.with_suffix(f".{options.fmt}")


def convert_book(
    source: Path,
    options: ConvertOptions,
    on_progress: ProgressCallback | None = None,
) -> ConvertResult:
    """Convert the book at `source` (any format `read_book` takes) to an audiobook. Raises
    a PipelineError subclass on expected failures.

    Everything a bad option could break is checked before the book is read, so a wrong
    voice or speed fails in a second, not after minutes of work. The speaking processes
    start (and load the voice) while the book is read; the book is then spoken in work
    units on every core and joined (see `narration.book`). The file appears only when it
    is complete, also on Ctrl-C.
    """
    started = time.monotonic()
    report = on_progress or (lambda _event: None)
    _check_options(options)
    provider = get_provider(options.provider)
    voice = provider.resolve_voice(options.voice, options.voice_type)
    with UnitWorkers(
        speaking_processes(options, provider.max_concurrency),
        options.provider,
        voice,
        options.cache_dir,
        options.cache_max_bytes,
    ) as workers:
        book, plan = extract_plan(source, options, report)
        narration = narrate_book(
            plan.chapters,
            plan.voices,
            OutputSpec(
                path=output_path_for(source, options),
                fmt=plan.fmt,
                tags=plan.tags,
                cover_jpeg=plan.cover_jpeg,
            ),
            workers,
            on_progress=report,
        )
    report(ProgressEvent(MILESTONE_DONE, Stage.DONE, chapters=len(plan.chapters)))
    written = narration.book
    return ConvertResult(
        path=written.path,
        title=book.title,
        duration_seconds=written.duration_seconds,
        chapters=len(written.chapters),
        elapsed_seconds=time.monotonic() - started,
        voice=plan.voices[0].voice,
        chunks_synthesised=narration.chunks_synthesised,
        chunks_from_cache=narration.chunks_from_cache,
        chapter_voices=[(choice.provider, choice.voice) for choice in narration.chapter_voices],
        characters_by_provider=narration.characters_by_provider,
        notes=plan.notes,
    )


def extract_plan(
    source: Path, options: ConvertOptions, on_progress: ProgressCallback | None = None
) -> tuple[Book, BookPlan]:
    """The extract stage: read the book at `source` (any format) and prepare its speech.
    Returns the book (chapters and removal ledger) and the plan that any process can speak
    chapter by chapter. Reports milestones 5, 15 and 35."""
    report = on_progress or (lambda _event: None)
    _check_options(options)
    provider = get_provider(options.provider)
    voice = provider.resolve_voice(options.voice, options.voice_type)
    lexicon = Lexicon.load(options.lexicon) if options.lexicon else None
    report(ProgressEvent(MILESTONE_STARTED, Stage.STARTING))

    read_options = ReadOptions(
        password=options.password, ocr=options.read.ocr, cover=True, limits=options.read.limits
    )
    read = read_book(source, read_options, options.footnotes)
    report(ProgressEvent(MILESTONE_EXTRACTED, Stage.READING))
    book, summary_notes = with_summaries(read.book, options.summary, options.recaps)
    fallbacks = _fallback_voices(options)
    # A fallback re-reads whole chapters from the same chunks, so they must fit every voice.
    chunk_limit = min(
        [provider.max_chars, *(get_provider(v.provider).max_chars for v in fallbacks)]
    )
    speech: list[ChapterSpeech] = []
    sources: list[int] = []
    for index, chapter in enumerate(book.chapters):
        chunks = chapter_speech(chapter.title, spoken_paragraphs(chapter), chunk_limit, lexicon)
        if chunks:
            speech.append(ChapterSpeech(chapter.title, chunks))
            sources.append(index)
    report(ProgressEvent(MILESTONE_PREPARED, Stage.CLEANING, chapters=len(speech)))
    plan = BookPlan(
        title=book.title,
        author=book.author,
        fmt=options.fmt,
        tags=_tags(book, voice),
        voices=[
            VoiceChoice(options.provider, voice, options.speed, provider.sample_rate(voice)),
            *fallbacks,
        ],
        chapters=speech,
        cover_jpeg=read.cover_jpeg,
        notes=summary_notes,
        chapter_sources=sources,
    )
    return book, plan


def _fallback_voices(options: ConvertOptions) -> list[VoiceChoice]:
    """Usable fallbacks, in order; one that cannot speak here (no credentials) is skipped."""
    voices = []
    for name in options.fallback_providers:
        if name == options.provider:
            continue
        try:
            fallback = get_provider(name)
            if not fallback.status().available:
                continue
            voice = fallback.resolve_voice(None, options.voice_type)
        except PipelineError:
            continue
        voices.append(VoiceChoice(name, voice, options.speed, fallback.sample_rate(voice)))
    return voices


def speaking_processes(options: ConvertOptions, provider_limit: int | None) -> int:
    """One per core unless asked otherwise, and never more than a cloud voice takes at once
    (each process sends one request at a time)."""
    wanted = options.workers or default_workers()
    return min(wanted, provider_limit) if provider_limit else wanted


def _check_options(options: ConvertOptions) -> None:
    if not MIN_SPEED <= options.speed <= MAX_SPEED:
        raise InvalidOptionError(
            f"Reading speed {options.speed} is out of range: use {MIN_SPEED} to {MAX_SPEED}."
        )
    if options.fmt not in ("m4b", "mp3"):
        raise InvalidOptionError(f"Unknown format {options.fmt!r}: use m4b or mp3.")
    if options.workers is not None and options.workers < 1:
        raise InvalidOptionError("Workers must be at least 1.")


def spoken_paragraphs(chapter: Chapter) -> list[str]:
    paragraphs = [paragraph.text for paragraph in chapter.paragraphs]
    if chapter.notes:
        paragraphs.append("Notes.")
        paragraphs.extend(note.text for note in chapter.notes)
    return paragraphs


def _tags(book: Book, voice: str) -> BookTags:
    # Players show the narrator beside the author; say plainly that it is a voice.
    return BookTags(
        title=book.title, author=book.author, narrator=f"{voice.capitalize()} (synthetic voice)"
    )
