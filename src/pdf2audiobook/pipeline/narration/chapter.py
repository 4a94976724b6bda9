"""One chapter spoken into its own file, for a book assembled from chapters spoken apart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pdf2audiobook.pipeline.audio import Pauses
from pdf2audiobook.pipeline.narration.model import ChapterSpeech, OutputSpec, VoiceChoice
from pdf2audiobook.pipeline.narration.speak_unit import UnitJob, speak_unit
from pdf2audiobook.pipeline.voices import ChunkCache


@dataclass(frozen=True, slots=True)
class ChapterNarration:
    """One chapter spoken into its own file."""

    path: Path
    duration_seconds: float
    voice: VoiceChoice
    characters: int
    chunks_synthesised: int
    chunks_from_cache: int


ChapterProgressCallback = Callable[[int, int], None]
"""Called with characters spoken so far and the chapter's total."""


class _ChapterProgress:
    def __init__(self, total: int, callback: ChapterProgressCallback | None) -> None:
        self._total = total
        self._callback = callback
        self._done = 0

    def restarted(self) -> None:
        self._done = 0

    def spoke(self, characters: int, seconds: float) -> None:
        del seconds
        self._done += characters
        if self._callback is not None:
            self._callback(self._done, self._total)


def narrate_chapter(
    chapters: Sequence[ChapterSpeech],
    number: int,
    voices: Sequence[VoiceChoice],
    output: OutputSpec,
    *,
    cache: ChunkCache | None,
    pauses: Pauses | None = None,
    on_progress: ChapterProgressCallback | None = None,
) -> ChapterNarration:
    """Speak chapter `number` (1-based) of `chapters` alone into `output.path`, in this
    process.

    The file holds one chapter, with `output`'s tags and cover, at the primary voice's
    rate, and the head or tail silence when it is the book's first or last chapter, so
    that chapter files joined in order by `join_chapter_files` make the whole book. When a
    provider fails, the chapter is read again, whole, by the next voice.
    """
    if not 1 <= number <= len(chapters):
        raise ValueError(f"chapter {number} is not in a plan of {len(chapters)}")
    chapter = chapters[number - 1]
    job = UnitJob(
        title=chapter.title,
        chunks=chapter.chunks,
        voices=list(voices),
        output=output,
        opens_book=number == 1,
        closes_book=number == len(chapters),
        pauses=pauses or Pauses(),
    )
    total = sum(len(chunk.text) for chunk in chapter.chunks)
    outcome = speak_unit(job, cache, _ChapterProgress(total, on_progress))
    return ChapterNarration(
        path=output.path,
        duration_seconds=outcome.duration_seconds,
        voice=job.voices[outcome.voice_index],
        characters=outcome.characters,
        chunks_synthesised=outcome.chunks_synthesised,
        chunks_from_cache=outcome.chunks_from_cache,
    )
