"""Speak many chunks in order, in this process, reusing cached chunks.

The texts are read from the iterable one at a time, as the stream is consumed, so memory
stays flat for any book length. Parallelism is not this module's business: a book's work
units are spoken side by side by the processes of `pipeline.parallel.ProcessPool`, each
on one thread, each calling `synthesise` for its own unit.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType

from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.voices.base import SpeechAudio, TTSProvider, validate_speed
from pdf2audiobook.pipeline.voices.cache import ChunkCache
from pdf2audiobook.pipeline.voices.errors import SpeechSynthesisError
from pdf2audiobook.pipeline.voices.registry import get_provider

_log = logging.getLogger(__name__)


@dataclass
class SynthesisStats:
    """What a `synthesise` run has done so far."""

    cache_hits: int = 0
    """Chunks served from the cache without synthesis."""
    synthesised: int = 0
    """Chunks the engine spoke."""


class SpeechStream(Iterator[SpeechAudio]):
    """The audio of each input text, in input order, with running `stats`.

    Close it (or use it as a context manager) to stop early: no further text is read or
    spoken.
    """

    def __init__(self, chunks: Generator[SpeechAudio, None, None], stats: SynthesisStats) -> None:
        self._chunks = chunks
        self.stats = stats

    def __next__(self) -> SpeechAudio:
        return next(self._chunks)

    def close(self) -> None:
        """Stop synthesis; the texts not yet spoken are left unread."""
        self._chunks.close()

    def __enter__(self) -> SpeechStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def default_workers() -> int:
    """How many processes speak a book's units by default: the CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def synthesise(
    texts: Iterable[str],
    provider_name: str,
    voice: str,
    speed: float,
    *,
    cache: ChunkCache | None,
) -> SpeechStream:
    """Speak each text in this process and yield its `SpeechAudio` in input order.

    Cache hits are served without synthesis and new chunks are stored. The provider,
    voice and speed are checked before anything starts: raises `UnknownProviderError`,
    `UnknownVoiceError`, `VoiceUnavailableError` or `InvalidSpeedError`. While iterating,
    a chunk's failure is raised as its typed error (`ChunkTooLongError`,
    `SpeechSynthesisError`, ...), and the stream ends.
    """
    provider = get_provider(provider_name)
    job = _job_for(provider, voice, speed, cache)
    return SpeechStream(_speak_all(texts, provider, job), job.stats)


def cache_keys(texts: Iterable[str], provider_name: str, voice: str, speed: float) -> list[str]:
    """The chunk cache's keys of `texts` spoken by this provider, voice and speed, as
    `synthesise` stores them: to drop a book's chunks from the cache. Raises the provider's
    errors for an unknown provider or voice."""
    job = _job_for(get_provider(provider_name), voice, speed, None)
    return [job.key(text) for text in texts]


def _job_for(provider: TTSProvider, voice: str, speed: float, cache: ChunkCache | None) -> _Job:
    speed = validate_speed(speed)
    resolved = provider.resolve_voice(voice, None)
    return _Job(
        provider_name=provider.name,
        voice=resolved,
        speed=speed,
        engine_version=provider.engine_version(resolved),
        cache=cache,
        stats=SynthesisStats(),
    )


@dataclass
class _Job:
    provider_name: str
    voice: str
    speed: float
    engine_version: str
    cache: ChunkCache | None
    stats: SynthesisStats

    def key(self, text: str) -> str:
        return ChunkCache.key_for(
            text, self.provider_name, self.voice, self.speed, self.engine_version
        )

    def cached(self, key: str | None) -> SpeechAudio | None:
        if self.cache is None or key is None:
            return None
        audio = self.cache.get(key)
        if audio is not None:
            self.stats.cache_hits += 1
        return audio

    def record(self, key: str | None, audio: SpeechAudio) -> None:
        self.stats.synthesised += 1
        if self.cache is None or key is None:
            return
        try:
            self.cache.put(key, audio)
        except OSError as error:
            # A full or read-only cache must not stop the book: the chunk is spoken
            # already, only a later re-run loses the shortcut.
            _log.warning("Could not store a chunk in the speech cache: %s", error)


def _speak_all(
    texts: Iterable[str], provider: TTSProvider, job: _Job
) -> Generator[SpeechAudio, None, None]:
    for text in texts:
        key = job.key(text) if job.cache is not None else None
        audio = job.cached(key)
        if audio is None:
            audio = _speak(provider, text, job.voice, job.speed)
            job.record(key, audio)
        yield audio


def _speak(provider: TTSProvider, text: str, voice: str, speed: float) -> SpeechAudio:
    """`provider.text_to_audio`, with any unexpected failure turned into a typed error.

    Raises the provider's `PipelineError`s unchanged, anything else as
    `SpeechSynthesisError`, whose single message argument survives pickling (the unit
    processes send a failure back to the process that runs the book).
    """
    try:
        return provider.text_to_audio(text, voice, speed)
    except PipelineError:
        raise
    except Exception as error:
        raise SpeechSynthesisError(
            f"The {provider.name!r} voice {voice!r} failed: {type(error).__name__}: {error}"
        ) from None
