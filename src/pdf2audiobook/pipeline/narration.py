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
from functools import partial
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
from pdf2audiobook.pipeline.audio.resample import resample
from pdf2audiobook.pipeline.progress import (
    ProgressCallback,
    ProgressEvent,
    Stage,
    synthesis_percent,
)
from pdf2audiobook.pipeline.speech import Pause, SpeechChunk
from pdf2audiobook.pipeline.voices import ChunkCache, SpeechAudio, SpeechStream, synthesise
from pdf2audiobook.pipeline.voices.cloud.errors import ProviderOutageError

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
    chapter_voices: list[VoiceChoice]
    """Which provider and voice read each chapter, in order."""
    characters_by_provider: dict[str, int]
    """Characters each provider was sent (cache hits included), for cost accounting."""


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

    def rewind(self, chars: int, seconds: float) -> None:
        """Forget a chapter's partial audio (it is being read again by another voice)."""
        self.done_chars -= chars
        self.audio_seconds -= seconds

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


class _VoiceChain:
    """The voice reading now, and the ones to fall back on when its provider fails.

    A stream covers every chunk from a chapter's first to the book's end, so worker
    processes stay busy across chapter boundaries; after an outage the chapter being
    read is started again, whole, with the next voice: a voice never changes mid-chapter.
    """

    def __init__(
        self,
        voices: Sequence[VoiceChoice],
        chapters: Sequence[ChapterSpeech],
        workers: int,
        cache: ChunkCache | None,
    ) -> None:
        self._voices = list(voices)
        self._chapters = chapters
        self._workers = workers
        self._cache = cache
        self._index = 0
        self._stream: SpeechStream | None = None
        self.synthesised = 0
        self.from_cache = 0

    @property
    def current(self) -> VoiceChoice:
        return self._voices[self._index]

    def start_at(self, chapter_index: int) -> None:
        self.close()
        texts = [chunk.text for c in self._chapters[chapter_index:] for chunk in c.chunks]
        voice = self.current
        self._stream = synthesise(
            texts,
            voice.provider,
            voice.voice,
            voice.speed,
            workers=self._workers,
            cache=self._cache,
        )

    def next_audio(self) -> SpeechAudio:
        assert self._stream is not None, "start_at() first"
        return next(self._stream)

    def fall_back(self, chapter_index: int, error: ProviderOutageError) -> None:
        """Move to the next voice and restart at `chapter_index`; re-raise if none is left."""
        if self._index + 1 >= len(self._voices):
            raise error
        self._index += 1
        self.start_at(chapter_index)

    def close(self) -> None:
        if self._stream is not None:
            self.synthesised += self._stream.stats.synthesised
            self.from_cache += self._stream.stats.cache_hits
            self._stream.close()
            self._stream = None


class _ChapterReader:
    """Reads one chapter through the voice chain into a loudness normaliser.

    After a provider outage the chapter is started again, whole, with the next voice,
    so the normaliser and the progress count are rebuilt on every attempt.
    """

    def __init__(self, chain: _VoiceChain, rate: int, fmt: AudiobookFormat, pauses: Pauses):
        self._chain = chain
        self._rate = rate
        self._fmt = fmt
        self._pauses = pauses
        self._gaps = {
            Pause.SENTENCE: None,
            Pause.PARAGRAPH: silence(pauses.paragraph, rate),
            Pause.TITLE: silence(pauses.title, rate),
            Pause.CHAPTER: silence(pauses.chapter, rate),
        }
        self.previous_gain = 0.0

    def read(
        self,
        chapter: ChapterSpeech,
        chain_index: int,
        *,
        first: bool,
        last: bool,
        on_chunk: Callable[[int, float], None],
        on_rewind: Callable[[int, float], None],
        write: Callable[[LoudnessNormaliser], None],
    ) -> VoiceChoice:
        """Speak `chapter` (the chain's `chain_index`-th) and hand the finished normaliser to
        `write`. Returns the voice that read it; re-raises the last provider's outage."""
        rate = self._rate
        while True:
            spoken_chars, spoken_seconds = 0, 0.0
            try:
                with LoudnessNormaliser(
                    rate,
                    TARGET_LUFS,
                    PEAK_CEILING_DBFS - CODEC_HEADROOM_DB[self._fmt],
                    fallback_gain_db=self.previous_gain,
                    lowpass_hz=LOWPASS_HZ,
                ) as normaliser:
                    if first:
                        normaliser.feed(silence(self._pauses.head, rate))
                    for chunk in chapter.chunks:
                        audio = self._chain.next_audio()
                        normaliser.feed(resample(audio.samples, audio.sample_rate, rate))
                        gap = self._gaps[chunk.pause_after]
                        if gap is not None:
                            normaliser.feed(gap)
                        spoken_chars += len(chunk.text)
                        spoken_seconds += audio.duration
                        on_chunk(len(chunk.text), audio.duration)
                    if last:
                        normaliser.feed(silence(self._pauses.tail, rate))
                    write(normaliser)
                    # A chapter too short to measure borrows its predecessor's gain.
                    if normaliser.gain_db is not None:
                        self.previous_gain = normaliser.gain_db
            except ProviderOutageError as outage:
                on_rewind(spoken_chars, spoken_seconds)
                self._chain.fall_back(chain_index, outage)
                continue
            return self._chain.current


def narrate(
    chapters: Sequence[ChapterSpeech],
    voices: Sequence[VoiceChoice],
    output: OutputSpec,
    *,
    workers: int,
    cache: ChunkCache | None,
    pauses: Pauses | None = None,
    on_progress: ProgressCallback | None = None,
    on_chapter_audio: ChapterAudioCallback | None = None,
) -> Narration:
    """Synthesise every chunk and write the book. The output appears only when complete.

    `voices` is the primary voice and then its fallbacks; the book is written at the
    primary's sample rate. Raises the voice's and the audio stage's PipelineErrors (the
    last provider's outage when every provider failed); on any failure the worker pool is
    shut down and no partial file is left.
    """
    pauses = pauses or Pauses()
    rate = voices[0].sample_rate
    total = sum(len(chunk.text) for chapter in chapters for chunk in chapter.chunks)
    progress = _ProgressReporter(total, len(chapters), on_progress)
    chain = _VoiceChain(voices, chapters, workers, cache)
    reader = _ChapterReader(chain, rate, output.fmt, pauses)
    chapter_voices: list[VoiceChoice] = []
    characters: dict[str, int] = {}
    chain.start_at(0)
    try:
        with open_writer(output.path, output.fmt, rate, output.tags, output.cover_jpeg) as writer:
            for number, chapter in enumerate(chapters, start=1):
                voice = reader.read(
                    chapter,
                    number - 1,
                    first=number == 1,
                    last=number == len(chapters),
                    on_chunk=partial(progress.spoke, number),
                    on_rewind=progress.rewind,
                    write=partial(
                        _write_chapter,
                        writer,
                        output=output,
                        number=number,
                        title=chapter.title,
                        rate=rate,
                        on_chapter_audio=on_chapter_audio,
                    ),
                )
                chapter_voices.append(voice)
                characters[voice.provider] = characters.get(voice.provider, 0) + sum(
                    len(chunk.text) for chunk in chapter.chunks
                )
                progress.wrote(number)
    finally:
        chain.close()
    return Narration(
        writer.result,
        chain.synthesised,
        chain.from_cache,
        chapter_voices,
        characters,
    )


@dataclass(frozen=True, slots=True)
class ChapterNarration:
    """One chapter spoken into its own file, for a book assembled from parallel parts."""

    path: Path
    duration_seconds: float
    voice: VoiceChoice
    characters: int
    chunks_synthesised: int
    chunks_from_cache: int


ChapterProgressCallback = Callable[[int, int], None]
"""Called with characters spoken so far and the chapter's total."""


def narrate_chapter(
    chapters: Sequence[ChapterSpeech],
    number: int,
    voices: Sequence[VoiceChoice],
    output: OutputSpec,
    *,
    workers: int,
    cache: ChunkCache | None,
    pauses: Pauses | None = None,
    on_progress: ChapterProgressCallback | None = None,
) -> ChapterNarration:
    """Speak chapter `number` (1-based) of `chapters` alone into `output.path`.

    The file holds one chapter, with the book's tags, at the primary voice's rate, and the
    head or tail silence when it is the book's first or last chapter, so that parts joined
    in order sound like `narrate`'s single file. Fallback works as in `narrate`.
    """
    if not 1 <= number <= len(chapters):
        raise ValueError(f"chapter {number} is not in a plan of {len(chapters)}")
    pauses = pauses or Pauses()
    rate = voices[0].sample_rate
    chapter = chapters[number - 1]
    total = sum(len(chunk.text) for chunk in chapter.chunks)
    report = on_progress or (lambda _done, _total: None)
    spoken = 0

    def on_chunk(chars: int, _seconds: float) -> None:
        nonlocal spoken
        spoken += chars
        report(spoken, total)

    def on_rewind(chars: int, _seconds: float) -> None:
        nonlocal spoken
        spoken -= chars

    chain = _VoiceChain(voices, [chapter], workers, cache)
    reader = _ChapterReader(chain, rate, output.fmt, pauses)
    chain.start_at(0)
    try:
        with open_writer(output.path, output.fmt, rate, output.tags, output.cover_jpeg) as writer:

            def write(normaliser: LoudnessNormaliser) -> None:
                writer.start_chapter(chapter.title)
                for block in normaliser.finish():
                    writer.write(block)

            voice = reader.read(
                chapter,
                0,
                first=number == 1,
                last=number == len(chapters),
                on_chunk=on_chunk,
                on_rewind=on_rewind,
                write=write,
            )
    finally:
        chain.close()
    written = writer.result
    return ChapterNarration(
        written.path,
        written.duration_seconds,
        voice,
        total,
        chain.synthesised,
        chain.from_cache,
    )


def _write_chapter(
    writer: AudiobookWriter,
    normaliser: LoudnessNormaliser,
    output: OutputSpec,
    number: int,
    title: str,
    rate: int,
    on_chapter_audio: ChapterAudioCallback | None,
) -> None:
    writer.start_chapter(title)
    with _chapter_file(output, number, title, rate) as chapter_writer:
        for block in normaliser.finish():
            writer.write(block)
            if chapter_writer is not None:
                chapter_writer.write(block)
    if chapter_writer is not None and on_chapter_audio is not None:
        written = chapter_writer.result
        on_chapter_audio(number, written.path, written.duration_seconds)


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
