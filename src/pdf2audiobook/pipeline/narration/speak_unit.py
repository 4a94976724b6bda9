"""Speak one work unit into its own file: synthesis, pauses, loudness, limiter, encoder.

Everything a unit needs happens in the process that speaks it, so a book's units share
every core for the whole of the work, not only for synthesis. Each unit is brought to the
target loudness on its own; units are whole chapters or parts of at least a few minutes,
cut at paragraph pauses, so a chapter made of parts measures as one (see
`tests/pipeline/narration/test_part_loudness.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from pdf2audiobook.pipeline.audio import LoudnessNormaliser, Pauses, open_writer, silence
from pdf2audiobook.pipeline.audio.resample import resample
from pdf2audiobook.pipeline.narration.model import (
    CODEC_HEADROOM_DB,
    CODEC_LOUDNESS_LOSS_DB,
    LOWPASS_HZ,
    PEAK_CEILING_DBFS,
    TARGET_LUFS,
    OutputSpec,
    VoiceChoice,
)
from pdf2audiobook.pipeline.speech import Pause, SpeechChunk
from pdf2audiobook.pipeline.voices import ChunkCache, synthesise
from pdf2audiobook.pipeline.voices.cloud.errors import ProviderOutageError


class UnitListener(Protocol):
    """Told about a unit's progress as it is spoken."""

    def restarted(self) -> None:
        """The unit starts (again, after a voice failed): forget what it reported so far."""

    def spoke(self, characters: int, seconds: float) -> None:
        """One more chunk is spoken."""


class _Silent:
    def restarted(self) -> None:
        pass

    def spoke(self, characters: int, seconds: float) -> None:
        pass


@dataclass(frozen=True, slots=True)
class UnitJob:
    """One unit's work, small enough to send to another process."""

    title: str
    """The chapter's title, the one chapter mark of the unit's own file."""
    chunks: list[SpeechChunk]
    voices: list[VoiceChoice]
    """The book's primary voice, then its fallbacks; the file is at the primary's rate."""
    output: OutputSpec
    first_voice: int = 0
    """Index in `voices` to start with (a chapter already read by a fallback stays with it)."""
    opens_book: bool = False
    """Starts with the book's head silence."""
    closes_book: bool = False
    """Ends with the book's tail silence."""
    fallback_gain_db: float = 0.0
    """Gain for a unit too short to measure (under 0.4 s of sound)."""
    pauses: Pauses = field(default_factory=Pauses)


@dataclass(frozen=True, slots=True)
class UnitOutcome:
    duration_seconds: float
    voice_index: int
    """Which of the job's voices read the unit."""
    characters: int
    chunks_synthesised: int
    chunks_from_cache: int
    gain_db: float | None


def speak_unit(
    job: UnitJob, cache: ChunkCache | None, listener: UnitListener | None = None
) -> UnitOutcome:
    """Speak `job` into `job.output.path`; the file appears only when complete.

    When a provider has an outage the whole unit is read again by the next voice, so a
    voice never changes inside a unit. Raises the voice's and the audio stage's
    PipelineErrors; the last voice's outage when every one failed.
    """
    listen = listener or _Silent()
    rate = job.voices[0].sample_rate
    index = job.first_voice
    synthesised = from_cache = 0
    while True:
        listen.restarted()
        voice = job.voices[index]
        try:
            with _normaliser(job, rate) as normaliser:
                counts = _speak_into(normaliser, job, voice, rate, cache, listen)
                synthesised += counts[0]
                from_cache += counts[1]
                seconds = _write(normaliser, job, rate)
                gain = normaliser.gain_db
        except ProviderOutageError:
            if index + 1 >= len(job.voices):
                raise
            index += 1
            continue
        return UnitOutcome(
            duration_seconds=seconds,
            voice_index=index,
            characters=sum(len(chunk.text) for chunk in job.chunks),
            chunks_synthesised=synthesised,
            chunks_from_cache=from_cache,
            gain_db=gain,
        )


def _normaliser(job: UnitJob, rate: int) -> LoudnessNormaliser:
    return LoudnessNormaliser(
        rate,
        TARGET_LUFS + CODEC_LOUDNESS_LOSS_DB[job.output.fmt],
        PEAK_CEILING_DBFS - CODEC_HEADROOM_DB[job.output.fmt],
        fallback_gain_db=job.fallback_gain_db,
        lowpass_hz=LOWPASS_HZ,
    )


def _speak_into(
    normaliser: LoudnessNormaliser,
    job: UnitJob,
    voice: VoiceChoice,
    rate: int,
    cache: ChunkCache | None,
    listen: UnitListener,
) -> tuple[int, int]:
    """Feed the unit's speech and pauses to `normaliser`; returns (synthesised, cached)."""
    gaps = {
        Pause.SENTENCE: None,
        Pause.PARAGRAPH: silence(job.pauses.paragraph, rate),
        Pause.TITLE: silence(job.pauses.title, rate),
        Pause.CHAPTER: silence(job.pauses.chapter, rate),
    }
    if job.opens_book:
        normaliser.feed(silence(job.pauses.head, rate))
    texts = [chunk.text for chunk in job.chunks]
    with synthesise(texts, voice.provider, voice.voice, voice.speed, cache=cache) as stream:
        for chunk in job.chunks:
            audio = next(stream)
            normaliser.feed(resample(audio.samples, audio.sample_rate, rate))
            gap = gaps[chunk.pause_after]
            if gap is not None:
                normaliser.feed(gap)
            listen.spoke(len(chunk.text), audio.duration)
        counts = (stream.stats.synthesised, stream.stats.cache_hits)
    if job.closes_book:
        normaliser.feed(silence(job.pauses.tail, rate))
    return counts


def _write(normaliser: LoudnessNormaliser, job: UnitJob, rate: int) -> float:
    output = job.output
    with open_writer(output.path, output.fmt, rate, output.tags, output.cover_jpeg) as writer:
        writer.start_chapter(job.title)
        for block in normaliser.finish():
            writer.write(block)
    return writer.result.duration_seconds
