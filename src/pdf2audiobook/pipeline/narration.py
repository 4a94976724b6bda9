"""From a chapter plan to one audio file: speech chunks in, a chaptered book out.

Chunks of every chapter go to the synthesiser as one ordered stream, so the worker
processes stay busy across chapter boundaries; audio comes back in order and is
routed to its chapter, with pauses between paragraphs, a per-chapter loudness
normaliser (which spools to disk, not memory) and one open output container.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from pdf2audiobook.pipeline.audio import (
    AudiobookFormat,
    AudiobookWriter,
    BookTags,
    LoudnessNormaliser,
    Pauses,
    WrittenBook,
    open_writer,
    silence,
)
from pdf2audiobook.pipeline.progress import (
    ProgressCallback,
    ProgressEvent,
    Stage,
    synthesis_percent,
)
from pdf2audiobook.pipeline.speech import Pause, SpeechChunk
from pdf2audiobook.pipeline.voices import ChunkCache, synthesise

TARGET_LUFS = -18.0
PEAK_CEILING_DBFS = -3.0
LOWPASS_HZ = 10_000.0
CODEC_HEADROOM_DB: dict[str, float] = {"m4b": 0.5, "mp3": 1.0}
"""Lossy encoders overshoot the PCM they are given. With energy above 10 kHz filtered
out, AAC stayed within 0.2 dB and LAME at 64 kbps within 0.5 dB on this voice; the
limiter leaves that room so the decoded book stays under the ceiling."""


@dataclass(frozen=True, slots=True)
class ChapterSpeech:
    title: str
    chunks: list[SpeechChunk]


@dataclass(frozen=True, slots=True)
class VoiceChoice:
    provider: str
    voice: str
    speed: float
    sample_rate: int


ChapterAudioCallback = Callable[[int, Path, float], None]
"""Called with a chapter's number, its own audio file and its duration, once written."""


@dataclass(frozen=True, slots=True)
class OutputSpec:
    path: Path
    fmt: AudiobookFormat
    tags: BookTags
    cover_jpeg: bytes | None
    chapter_dir: Path | None = None
    """Also write each chapter to its own file here, for listening before the book ends."""


@dataclass(frozen=True, slots=True)
class Narration:
    book: WrittenBook
    chunks_synthesised: int
    chunks_from_cache: int


class _ProgressReporter:
    """Turns characters spoken and chapters written into the 40-95 progress band."""

    def __init__(self, total_chars: int, chapters: int, callback: ProgressCallback | None):
        self._total_chars = total_chars
        self._chapters = chapters
        self._callback = callback
        self.done_chars = 0
        self.audio_seconds = 0.0

    def spoke(self, chapter: int, chars: int, seconds: float) -> None:
        self.done_chars += chars
        self.audio_seconds += seconds
        self._emit(Stage.SPEAKING, chapter, chapters_done=chapter - 1)

    def wrote(self, chapter: int) -> None:
        self._emit(Stage.WRITING, chapter, chapters_done=chapter)

    def _emit(self, stage: Stage, chapter: int, chapters_done: int) -> None:
        if self._callback is None:
            return
        percent = synthesis_percent(self.done_chars, self._total_chars)
        self._callback(
            ProgressEvent(
                percent,
                stage,
                chapter=chapter,
                chapters=self._chapters,
                audio_seconds=self.audio_seconds,
                chapters_done=chapters_done,
            )
        )


def narrate(
    chapters: Sequence[ChapterSpeech],
    voice: VoiceChoice,
    output: OutputSpec,
    *,
    workers: int,
    cache: ChunkCache | None,
    pauses: Pauses | None = None,
    on_progress: ProgressCallback | None = None,
    on_chapter_audio: ChapterAudioCallback | None = None,
) -> Narration:
    """Synthesise every chunk and write the book. The output appears only when complete.

    Raises the voice's and the audio stage's PipelineErrors; on any failure the worker
    pool is shut down and no partial file is left.
    """
    pauses = pauses or Pauses()
    rate = voice.sample_rate
    gaps = {
        Pause.SENTENCE: None,
        Pause.PARAGRAPH: silence(pauses.paragraph, rate),
        Pause.TITLE: silence(pauses.title, rate),
        Pause.CHAPTER: silence(pauses.chapter, rate),
    }
    texts = [chunk.text for chapter in chapters for chunk in chapter.chunks]
    progress = _ProgressReporter(sum(len(text) for text in texts), len(chapters), on_progress)
    previous_gain = 0.0
    with (
        synthesise(
            texts, voice.provider, voice.voice, voice.speed, workers=workers, cache=cache
        ) as stream,
        open_writer(output.path, output.fmt, rate, output.tags, output.cover_jpeg) as writer,
    ):
        for number, chapter in enumerate(chapters, start=1):
            with LoudnessNormaliser(
                rate,
                TARGET_LUFS,
                PEAK_CEILING_DBFS - CODEC_HEADROOM_DB[output.fmt],
                fallback_gain_db=previous_gain,
                lowpass_hz=LOWPASS_HZ,
            ) as normaliser:
                if number == 1:
                    normaliser.feed(silence(pauses.head, rate))
                for chunk in chapter.chunks:
                    audio = next(stream)
                    normaliser.feed(audio.samples)
                    gap = gaps[chunk.pause_after]
                    if gap is not None:
                        normaliser.feed(gap)
                    progress.spoke(number, len(chunk.text), audio.duration)
                if number == len(chapters):
                    normaliser.feed(silence(pauses.tail, rate))
                writer.start_chapter(chapter.title)
                with _chapter_file(output, number, chapter.title, rate) as chapter_writer:
                    for block in normaliser.finish():
                        writer.write(block)
                        if chapter_writer is not None:
                            chapter_writer.write(block)
                if chapter_writer is not None and on_chapter_audio is not None:
                    written = chapter_writer.result
                    on_chapter_audio(number, written.path, written.duration_seconds)
                # A chapter too short to measure borrows its predecessor's gain.
                if normaliser.gain_db is not None:
                    previous_gain = normaliser.gain_db
            progress.wrote(number)
    return Narration(writer.result, stream.stats.synthesised, stream.stats.cache_hits)


@contextmanager
def _chapter_file(
    output: OutputSpec, number: int, title: str, rate: int
) -> Iterator[AudiobookWriter | None]:
    if output.chapter_dir is None:
        yield None
        return
    path = output.chapter_dir / f"chapter-{number:03d}.{output.fmt}"
    tags = replace(output.tags, title=f"{output.tags.title}: {title}")
    with open_writer(path, output.fmt, rate, tags, output.cover_jpeg) as writer:
        writer.start_chapter(title)
        yield writer
