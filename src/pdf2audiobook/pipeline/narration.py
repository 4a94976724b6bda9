"""From a chapter plan to one audio file: speech chunks in, a chaptered book out.

Chunks of every chapter go to the synthesiser as one ordered stream, so the worker
processes stay busy across chapter boundaries; audio comes back in order and is
routed to its chapter, with pauses between paragraphs, a per-chapter loudness
normaliser (which spools to disk, not memory) and one open output container.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pdf2audiobook.pipeline.audio import (
    AudiobookFormat,
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


@dataclass(frozen=True, slots=True)
class OutputSpec:
    path: Path
    fmt: AudiobookFormat
    tags: BookTags
    cover_jpeg: bytes | None


@dataclass(frozen=True, slots=True)
class Narration:
    book: WrittenBook
    chunks_synthesised: int
    chunks_from_cache: int


def narrate(
    chapters: Sequence[ChapterSpeech],
    voice: VoiceChoice,
    output: OutputSpec,
    *,
    workers: int,
    cache: ChunkCache | None,
    pauses: Pauses | None = None,
    on_progress: ProgressCallback | None = None,
) -> Narration:
    """Synthesise every chunk and write the book. The output appears only when complete."""
    pauses = pauses or Pauses()
    rate = voice.sample_rate
    ceiling = PEAK_CEILING_DBFS - CODEC_HEADROOM_DB[output.fmt]
    gaps = {
        Pause.SENTENCE: None,
        Pause.PARAGRAPH: silence(pauses.paragraph, rate),
        Pause.TITLE: silence(pauses.title, rate),
        Pause.CHAPTER: silence(pauses.chapter, rate),
    }
    texts = [chunk.text for chapter in chapters for chunk in chapter.chunks]
    total_chars = sum(len(text) for text in texts)
    done_chars = 0
    previous_gain = 0.0
    audio_seconds = 0.0
    with (
        synthesise(
            texts, voice.provider, voice.voice, voice.speed, workers=workers, cache=cache
        ) as stream,
        open_writer(output.path, output.fmt, rate, output.tags, output.cover_jpeg) as writer,
    ):
        for index, chapter in enumerate(chapters):
            normaliser = LoudnessNormaliser(
                rate,
                TARGET_LUFS,
                ceiling,
                fallback_gain_db=previous_gain,
                lowpass_hz=LOWPASS_HZ,
            )
            if index == 0:
                normaliser.feed(silence(pauses.head, rate))
            for chunk in chapter.chunks:
                audio = next(stream)
                normaliser.feed(audio.samples)
                gap = gaps[chunk.pause_after]
                if gap is not None:
                    normaliser.feed(gap)
                done_chars += len(chunk.text)
                audio_seconds += audio.duration
                if on_progress is not None:
                    on_progress(
                        ProgressEvent(
                            synthesis_percent(done_chars, total_chars),
                            Stage.SPEAKING,
                            chapter=index + 1,
                            chapters=len(chapters),
                            audio_seconds=audio_seconds,
                        )
                    )
            if index == len(chapters) - 1:
                normaliser.feed(silence(pauses.tail, rate))
            writer.start_chapter(chapter.title)
            with normaliser:
                for block in normaliser.finish():
                    writer.write(block)
            if normaliser.gain_db is not None:
                previous_gain = normaliser.gain_db
            if on_progress is not None:
                on_progress(
                    ProgressEvent(
                        synthesis_percent(done_chars, total_chars),
                        Stage.WRITING,
                        chapter=index + 1,
                        chapters=len(chapters),
                        audio_seconds=audio_seconds,
                        chapters_done=index + 1,
                    )
                )
    return Narration(writer.result, stream.stats.synthesised, stream.stats.cache_hits)
