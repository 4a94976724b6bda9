"""Speak many chunks in order, in parallel worker processes, reusing cached chunks.

Memory stays flat for any book length: at most two chunks per worker are pending at
once (queued, being synthesised, or finished and waiting for their turn), and the texts
are read from the iterable only as that window moves on.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from types import TracebackType

from pdf2audiobook.pipeline.voices import _worker
from pdf2audiobook.pipeline.voices.base import SpeechAudio, validate_speed
from pdf2audiobook.pipeline.voices.cache import ChunkCache
from pdf2audiobook.pipeline.voices.errors import SpeechSynthesisError
from pdf2audiobook.pipeline.voices.registry import get_provider

_LOOK_AHEAD_PER_WORKER = 2
"""Two pending chunks per worker keep every worker busy while the consumer handles the
oldest chunk, without holding more than a few seconds of audio per worker."""

_log = logging.getLogger(__name__)


@dataclass
class SynthesisStats:
    """What a `synthesise` run has done so far."""

    cache_hits: int = 0
    """Chunks served from the cache without synthesis."""
    synthesised: int = 0
    """Chunks the engine spoke."""
    synthesis_pids: set[int] = field(default_factory=set)
    """Processes that ran the engine: this one when workers=1, pool workers otherwise."""


class SpeechStream(Iterator[SpeechAudio]):
    """The audio of each input text, in input order, with running `stats`.

    Close it (or use it as a context manager) to stop early; the worker pool, if one was
    started, is shut down then, and also when the stream is exhausted or fails.
    """

    def __init__(self, chunks: Generator[SpeechAudio, None, None], stats: SynthesisStats) -> None:
        self._chunks = chunks
        self.stats = stats

    def __next__(self) -> SpeechAudio:
        return next(self._chunks)

    def close(self) -> None:
        """Stop synthesis and shut down the workers; pending chunks are discarded."""
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
    """How many worker processes to use: the CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def synthesise(
    texts: Iterable[str],
    provider_name: str,
    voice: str,
    speed: float,
    *,
    workers: int,
    cache: ChunkCache | None,
) -> SpeechStream:
    """Speak each text and yield its `SpeechAudio` in input order, each as soon as it is ready.

    Cache hits are served without synthesis and new chunks are stored. With `workers=1`
    the engine runs in this process; with more, in a pool of that many `spawn`ed
    processes, each loading the engine once on one thread. A script that calls this with
    workers > 1 needs the usual `if __name__ == "__main__":` guard. In a daemonic process,
    which may not have children, it falls back to `workers=1` with a logged warning.

    The provider, voice and speed are checked before anything starts: raises
    `UnknownProviderError`, `UnknownVoiceError`, `VoiceUnavailableError`,
    `InvalidSpeedError`, or ValueError for workers < 1. While iterating, a chunk's
    failure is raised as its typed error (`ChunkTooLongError`, `SpeechSynthesisError`,
    ...) after the pool has been shut down.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    provider = get_provider(provider_name)
    if provider.max_concurrency is not None:
        workers = min(workers, provider.max_concurrency)
    speed = validate_speed(speed)
    resolved = provider.resolve_voice(voice, None)
    stats = SynthesisStats()
    job = _Job(
        provider_name=provider.name,
        voice=resolved,
        speed=speed,
        engine_version=provider.engine_version(resolved),
        cache=cache,
        stats=stats,
    )
    if workers > 1 and multiprocessing.current_process().daemon:
        # A daemonic process (a multiprocessing or Celery prefork child) may not start
        # children, so the pool would fail on its first chunk; speak here instead.
        _log.warning("Running in a daemonic process: synthesising in-process, not with %d", workers)
        workers = 1
    chunks = _in_process(texts, job) if workers == 1 else _in_pool(texts, job, workers)
    return SpeechStream(chunks, stats)


def cache_keys(texts: Iterable[str], provider_name: str, voice: str, speed: float) -> list[str]:
    """The chunk cache's keys of `texts` spoken by this provider, voice and speed, as
    `synthesise` stores them: to drop a book's chunks from the cache. Raises the provider's
    errors for an unknown provider or voice."""
    provider = get_provider(provider_name)
    resolved = provider.resolve_voice(voice, None)
    job = _Job(
        provider_name=provider.name,
        voice=resolved,
        speed=validate_speed(speed),
        engine_version=provider.engine_version(resolved),
        cache=None,
        stats=SynthesisStats(),
    )
    return [job.key(text) for text in texts]


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

    def record(self, key: str | None, audio: SpeechAudio, pid: int) -> None:
        self.stats.synthesised += 1
        self.stats.synthesis_pids.add(pid)
        if self.cache is None or key is None:
            return
        try:
            self.cache.put(key, audio)
        except OSError as error:
            # A full or read-only cache must not stop the book: the chunk is spoken
            # already, only a later re-run loses the shortcut.
            _log.warning("Could not store a chunk in the speech cache: %s", error)


def _in_process(texts: Iterable[str], job: _Job) -> Generator[SpeechAudio, None, None]:
    provider = get_provider(job.provider_name)
    for text in texts:
        key = job.key(text) if job.cache is not None else None
        audio = job.cached(key)
        if audio is None:
            audio = _worker.speak_with(provider, text, job.voice, job.speed)
            job.record(key, audio, os.getpid())
        yield audio


def _in_pool(texts: Iterable[str], job: _Job, workers: int) -> Generator[SpeechAudio, None, None]:
    window = _LOOK_AHEAD_PER_WORKER * workers
    remaining = iter(texts)
    # Each entry: the cache key and either the cached audio or the pending synthesis.
    pending: deque[tuple[str | None, SpeechAudio | Future[tuple[SpeechAudio, int]]]] = deque()
    executor: ProcessPoolExecutor | None = None

    def fill_window() -> None:
        nonlocal executor
        while len(pending) < window:
            text = next(remaining, None)
            if text is None:
                return
            key = job.key(text) if job.cache is not None else None
            audio = job.cached(key)
            if audio is not None:
                pending.append((key, audio))
                continue
            if executor is None:
                # Started on the first miss, so a fully cached run spawns no process.
                executor = ProcessPoolExecutor(
                    max_workers=workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker.initialise,
                    initargs=(job.provider_name, job.voice),
                )
            pending.append((key, executor.submit(_worker.speak, text, job.voice, job.speed)))

    try:
        fill_window()
        while pending:
            key, entry = pending.popleft()
            if isinstance(entry, Future):
                audio, pid = _result_of(entry)
                job.record(key, audio, pid)
            else:
                audio = entry
            fill_window()
            yield audio
    finally:
        for _, entry in pending:
            if isinstance(entry, Future):
                entry.cancel()
        if executor is not None:
            # Waits only for the few chunks already running; queued ones are cancelled.
            executor.shutdown(wait=True, cancel_futures=True)


def _result_of(future: Future[tuple[SpeechAudio, int]]) -> tuple[SpeechAudio, int]:
    try:
        return future.result()
    except BrokenProcessPool as error:
        raise SpeechSynthesisError(
            "A speech worker process stopped unexpectedly (it may have run out of memory), "
            "so speech synthesis was stopped. Try again with fewer workers."
        ) from error
