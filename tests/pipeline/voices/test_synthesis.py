"""Many chunks in input order, in worker processes or in this one, reusing the cache."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from pdf2audiobook.pipeline.voices import (
    ChunkCache,
    ChunkTooLongError,
    InvalidSpeedError,
    UnknownProviderError,
    default_workers,
    get_provider,
    synthesise,
)

# Twelve texts of clearly different lengths, so a mix-up of order shows in the durations.
TEXTS = [
    "Yes.",
    "The river was wide and slow.",
    "Chapter two.",
    "She opened the door, looked at the rain, and decided to stay inside for the afternoon.",
    "No.",
    "A small boat drifted past the mill.",
    "Everyone in the village had heard the story at least once, and most had told it twice.",
    "Good night.",
    "The clock struck nine.",
    "He wrote three letters that evening and posted none of them.",
    "Perhaps.",
    "The end of the road was further away than the map had promised, but they walked on.",
]


def expected_durations() -> list[float]:
    provider = get_provider("local")
    return [provider.text_to_audio(text, "heart", 1.0).duration for text in TEXTS]


def test_workers_preserve_input_order(tmp_path: Path) -> None:
    stream = synthesise(TEXTS, "local", "heart", 1.0, workers=2, cache=ChunkCache(tmp_path))
    durations = [audio.duration for audio in stream]

    assert durations == pytest.approx(expected_durations())
    assert stream.stats.synthesised == len(TEXTS)
    assert stream.stats.cache_hits == 0
    assert os.getpid() not in stream.stats.synthesis_pids
    assert multiprocessing.active_children() == []


def test_warm_cache_needs_no_synthesis(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    first = list(synthesise(TEXTS, "local", "heart", 1.0, workers=2, cache=cache))

    again = synthesise(TEXTS, "local", "heart", 1.0, workers=2, cache=cache)
    second = list(again)

    assert again.stats.cache_hits == len(TEXTS)
    assert again.stats.synthesised == 0
    assert again.stats.synthesis_pids == set()
    for cold, warm in zip(first, second, strict=True):
        assert warm.sample_rate == cold.sample_rate
        np.testing.assert_allclose(warm.samples, cold.samples, atol=1 / 32767)


def test_one_worker_runs_in_this_process_and_fills_the_cache(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    stream = synthesise(TEXTS[:4], "local", "male", 1.0, workers=1, cache=cache)
    audio = list(stream)

    assert [chunk.sample_rate for chunk in audio] == [22_050] * 4
    assert stream.stats.synthesis_pids == {os.getpid()}
    assert stream.stats.synthesised == 4

    again = synthesise(TEXTS[:4], "local", "joe", 1.0, workers=1, cache=cache)
    assert len(list(again)) == 4
    assert again.stats.cache_hits == 4
    assert again.stats.synthesised == 0


def test_partial_cache_serves_hits_and_synthesises_the_rest(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    list(synthesise(TEXTS[::2], "local", "heart", 1.0, workers=1, cache=cache))

    stream = synthesise(TEXTS, "local", "heart", 1.0, workers=2, cache=cache)
    durations = [audio.duration for audio in stream]

    assert durations == pytest.approx(expected_durations(), abs=1e-3)
    assert stream.stats.cache_hits == 6
    assert stream.stats.synthesised == 6


def test_failure_in_a_worker_surfaces_typed_and_stops_the_pool() -> None:
    texts = [*TEXTS[:3], "word " * 200, *TEXTS[3:]]
    stream = synthesise(texts, "local", "heart", 1.0, workers=2, cache=None)

    with pytest.raises(ChunkTooLongError, match="at most 400"):
        list(stream)
    assert multiprocessing.active_children() == []


def test_closing_early_stops_the_pool() -> None:
    with synthesise(TEXTS, "local", "heart", 1.0, workers=2, cache=None) as stream:
        first = next(stream)
    assert first.duration > 0
    assert stream.stats.synthesised < len(TEXTS)
    assert multiprocessing.active_children() == []


def test_bad_arguments_fail_before_any_work() -> None:
    with pytest.raises(UnknownProviderError, match="choose one of: local"):
        synthesise(TEXTS, "cloud", "heart", 1.0, workers=2, cache=None)
    with pytest.raises(InvalidSpeedError):
        synthesise(TEXTS, "local", "heart", 3.0, workers=2, cache=None)
    with pytest.raises(ValueError, match="workers"):
        synthesise(TEXTS, "local", "heart", 1.0, workers=0, cache=None)


def _synthesise_in_daemon(results: multiprocessing.Queue[tuple[int, set[int]]]) -> None:
    stream = synthesise(TEXTS[:2], "local", "heart", 1.0, workers=2, cache=None)
    chunks = list(stream)
    results.put((len(chunks), stream.stats.synthesis_pids - {os.getpid()}))


def test_daemonic_process_synthesises_in_process() -> None:
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[tuple[int, set[int]]] = context.Queue()
    daemon = context.Process(target=_synthesise_in_daemon, args=(results,), daemon=True)
    daemon.start()
    chunk_count, other_pids = results.get(timeout=120)
    daemon.join(timeout=30)

    assert chunk_count == 2
    assert other_pids == set()
    assert daemon.exitcode == 0


def test_default_workers_is_the_usable_cpu_count() -> None:
    assert default_workers() == len(os.sched_getaffinity(0))
