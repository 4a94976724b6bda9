"""The chunk cache's size cap (least recently used entries go first) and dropping entries."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from pdf2audiobook.pipeline.voices import ChunkCache, SpeechAudio

ENGINE = "hibari-tts 0.2.1; model hibari.onnx"
ENTRY_BYTES = 24 + 2 * 2400  # header and 0.1 s of 16-bit PCM at 24 kHz


def audio() -> SpeechAudio:
    return SpeechAudio(np.full(2400, 0.25, dtype=np.float32), 24_000)


def key(number: int) -> str:
    return ChunkCache.key_for(f"Sentence {number}.", "local", "heart", 1.0, ENGINE)


def age(cache: ChunkCache, number: int, seconds_ago: float) -> None:
    """Make entry `number` look last used `seconds_ago` (mtime is the cache's clock)."""
    path = cache.directory / key(number)[:2] / f"{key(number)}.pcm"
    when = path.stat().st_mtime - seconds_ago
    os.utime(path, (when, when))


def present(cache: ChunkCache, numbers: range) -> list[int]:
    # `get` refreshes recency, which does not matter once the test is deciding.
    return [n for n in numbers if cache.get(key(n)) is not None]


def test_a_store_past_the_cap_evicts_the_least_recently_used_entries(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path, max_bytes=10 * ENTRY_BYTES)
    for number in range(10):
        cache.put(key(number), audio())
        age(cache, number, seconds_ago=1000 - number)  # 0 is the oldest, 9 the newest
    assert cache.size_bytes() == 10 * ENTRY_BYTES
    # Reading entry 0 makes it the most recently used.
    assert cache.get(key(0)) is not None

    cache.put(key(10), audio())

    # Down to nine tenths of the cap: the two least recently used (1 and 2) went.
    assert cache.size_bytes() <= 9 * ENTRY_BYTES
    assert present(cache, range(11)) == [0, 3, 4, 5, 6, 7, 8, 9, 10]


def test_without_a_cap_nothing_is_evicted(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    for number in range(30):
        cache.put(key(number), audio())
    assert present(cache, range(30)) == list(range(30))


def test_other_processes_stores_count_once_the_cache_is_counted_again(tmp_path: Path) -> None:
    # Another instance (another process) filled the cache; this one counts it on its
    # first store and evicts then.
    ChunkCache(tmp_path).put(key(0), audio())
    for number in range(1, 12):
        ChunkCache(tmp_path).put(key(number), audio())
    capped = ChunkCache(tmp_path, max_bytes=6 * ENTRY_BYTES)
    capped.put(key(12), audio())
    assert capped.size_bytes() <= 6 * ENTRY_BYTES
    assert cache_contains(capped, 12)


def cache_contains(cache: ChunkCache, number: int) -> bool:
    return cache.get(key(number)) is not None


def test_discard_drops_the_given_entries_only(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path, max_bytes=100 * ENTRY_BYTES)
    for number in range(5):
        cache.put(key(number), audio())

    removed = cache.discard([key(1), key(3), key(7)])

    assert removed == 2
    assert present(cache, range(5)) == [0, 2, 4]
    assert cache.size_bytes() == 3 * ENTRY_BYTES


def test_discard_refuses_what_is_not_a_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a chunk cache key"):
        ChunkCache(tmp_path).discard(["../../etc/passwd"])


def test_a_negative_cap_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="negative"):
        ChunkCache(tmp_path, max_bytes=-1)
