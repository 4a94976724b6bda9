"""Many chunks spoken in input order in this process, reusing and filling the cache."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pdf2audiobook.pipeline.voices import (
    ChunkCache,
    ChunkTooLongError,
    InvalidSpeedError,
    SpeechAudio,
    SpeechSynthesisError,
    UnknownProviderError,
    UnknownVoiceError,
    default_workers,
    get_provider,
    synthesise,
)
from pdf2audiobook.pipeline.voices.synthesis import cache_keys

# Short texts of clearly different lengths, so a mix-up of order shows in the durations.
TEXTS = [
    "Yes.",
    "The river was wide and slow.",
    "No.",
    "A small boat drifted past the old mill.",
    "Good night.",
    "He wrote three letters and posted none.",
]


@pytest.fixture(scope="module")
def spoken_alone() -> list[SpeechAudio]:
    """Each text spoken by the voice itself, one call each."""
    provider = get_provider("local")
    return [provider.text_to_audio(text, "heart", 1.0) for text in TEXTS]


class CountingTexts:
    """The texts as a one-pass iterator that counts how many were read."""

    def __init__(self, texts: list[str]) -> None:
        self._texts = iter(texts)
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        for text in self._texts:
            self.read += 1
            yield text


def test_chunks_come_in_input_order_and_are_stored_under_their_keys(
    tmp_path: Path, spoken_alone: list[SpeechAudio]
) -> None:
    cache = ChunkCache(tmp_path)
    stream = synthesise(TEXTS, "local", "heart", 1.0, cache=cache)
    durations = [audio.duration for audio in stream]

    assert durations == pytest.approx([audio.duration for audio in spoken_alone])
    assert stream.stats.synthesised == len(TEXTS)
    assert stream.stats.cache_hits == 0
    # The keys the service uses to drop a deleted book's chunks are the ones stored.
    keys = cache_keys(TEXTS, "local", "heart", 1.0)
    assert len(set(keys)) == len(TEXTS)
    for key, audio in zip(keys, spoken_alone, strict=True):
        stored = cache.get(key)
        assert stored is not None
        assert stored.duration == pytest.approx(audio.duration)


def test_warm_cache_needs_no_synthesis(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    first = list(synthesise(TEXTS, "local", "heart", 1.0, cache=cache))

    again = synthesise(TEXTS, "local", "heart", 1.0, cache=cache)
    second = list(again)

    assert again.stats.cache_hits == len(TEXTS)
    assert again.stats.synthesised == 0
    for cold, warm in zip(first, second, strict=True):
        assert warm.sample_rate == cold.sample_rate
        np.testing.assert_allclose(warm.samples, cold.samples, atol=1 / 32767)


def test_a_voice_type_and_its_voice_share_the_cache(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    stream = synthesise(TEXTS[:3], "local", "male", 1.0, cache=cache)
    audio = list(stream)

    assert [chunk.sample_rate for chunk in audio] == [22_050] * 3
    assert stream.stats.synthesised == 3

    again = synthesise(TEXTS[:3], "local", "joe", 1.0, cache=cache)
    assert len(list(again)) == 3
    assert again.stats.cache_hits == 3
    assert again.stats.synthesised == 0


def test_partial_cache_serves_hits_and_synthesises_the_rest(
    tmp_path: Path, spoken_alone: list[SpeechAudio]
) -> None:
    cache = ChunkCache(tmp_path)
    list(synthesise(TEXTS[::2], "local", "heart", 1.0, cache=cache))

    stream = synthesise(TEXTS, "local", "heart", 1.0, cache=cache)
    durations = [audio.duration for audio in stream]

    assert durations == pytest.approx([audio.duration for audio in spoken_alone], abs=1e-3)
    assert stream.stats.cache_hits == 3
    assert stream.stats.synthesised == 3


def test_a_failing_chunk_surfaces_typed_after_the_chunks_before_it_and_ends_the_stream() -> None:
    texts = CountingTexts([*TEXTS[:2], "word " * 200, *TEXTS[2:]])
    stream = synthesise(texts, "local", "heart", 1.0, cache=None)

    assert len([next(stream), next(stream)]) == 2
    with pytest.raises(ChunkTooLongError, match="at most 400"):
        next(stream)
    with pytest.raises(StopIteration):
        next(stream)
    assert texts.read == 3
    assert stream.stats.synthesised == 2


def test_an_unexpected_engine_failure_becomes_a_speech_synthesis_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: object) -> SpeechAudio:
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(type(get_provider("local")), "text_to_audio", broken)
    stream = synthesise(TEXTS, "local", "heart", 1.0, cache=None)

    with pytest.raises(SpeechSynthesisError, match="RuntimeError: the engine fell over"):
        next(stream)


def test_texts_are_read_as_the_stream_is_consumed_and_closing_stops_it() -> None:
    texts = CountingTexts(TEXTS)
    with synthesise(texts, "local", "heart", 1.0, cache=None) as stream:
        assert texts.read == 0
        first = next(stream)
    assert first.duration > 0
    assert texts.read == 1
    assert stream.stats.synthesised == 1
    with pytest.raises(StopIteration):
        next(stream)
    assert texts.read == 1


def test_bad_arguments_fail_before_any_work() -> None:
    texts = CountingTexts(TEXTS)
    with pytest.raises(UnknownProviderError, match="choose one of: local"):
        synthesise(texts, "cloud", "heart", 1.0, cache=None)
    with pytest.raises(UnknownVoiceError):
        synthesise(texts, "local", "nobody", 1.0, cache=None)
    with pytest.raises(InvalidSpeedError):
        synthesise(texts, "local", "heart", 3.0, cache=None)
    assert texts.read == 0


def test_default_workers_is_the_usable_cpu_count() -> None:
    assert default_workers() == len(os.sched_getaffinity(0))
