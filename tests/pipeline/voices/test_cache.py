"""The chunk cache: keys, round trips, atomic writes, and damaged entries."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pdf2audiobook.pipeline.voices import ChunkCache, SpeechAudio, default_cache_dir

ENGINE = "hibari-tts 0.2.1; model hibari.onnx"


def tone(seconds: float = 0.5, sample_rate: int = 24_000) -> SpeechAudio:
    times = np.arange(int(seconds * sample_rate)) / sample_rate
    return SpeechAudio((0.5 * np.sin(2 * np.pi * 220 * times)).astype(np.float32), sample_rate)


def entry_files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


def test_round_trip_keeps_samples_within_16_bit_precision(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    audio = tone(sample_rate=22_050)
    key = cache.key_for("Hello.", "local", "joe", 1.0, ENGINE)

    assert cache.get(key) is None
    cache.put(key, audio)
    restored = cache.get(key)

    assert restored is not None
    assert restored.sample_rate == 22_050
    assert restored.samples.dtype == np.float32
    np.testing.assert_allclose(restored.samples, audio.samples, atol=1 / 32767)


def test_key_depends_on_everything_that_shapes_the_sound() -> None:
    base = ChunkCache.key_for("Hello there.", "local", "heart", 1.0, ENGINE)
    variants = {
        ChunkCache.key_for("Hello there!", "local", "heart", 1.0, ENGINE),
        ChunkCache.key_for("Hello there.", "cloud", "heart", 1.0, ENGINE),
        ChunkCache.key_for("Hello there.", "local", "joe", 1.0, ENGINE),
        ChunkCache.key_for("Hello there.", "local", "heart", 1.1, ENGINE),
        ChunkCache.key_for("Hello there.", "local", "heart", 1.0, ENGINE + " v2"),
    }

    assert base not in variants
    assert len(variants) == 5
    assert len(base) == 64
    # Spacing that the engines never see does not change the key.
    assert ChunkCache.key_for("  Hello \t there.\n", "local", "heart", 1, ENGINE) == base


def test_put_replaces_an_entry_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    key = cache.key_for("Hello.", "local", "heart", 1.0, ENGINE)
    cache.put(key, tone(0.5))
    cache.put(key, tone(0.25))

    restored = cache.get(key)
    assert restored is not None
    assert restored.duration == pytest.approx(0.25)
    assert [path.name for path in entry_files(tmp_path)] == [f"{key}.pcm"]


def test_write_cut_short_leaves_no_entry(tmp_path: Path) -> None:
    """A write that fails halfway (here: the file size limit) must not leave a readable entry."""
    key = ChunkCache.key_for("Hello.", "local", "heart", 1.0, ENGINE)
    script = textwrap.dedent(
        f"""
        import resource
        import numpy as np
        from pathlib import Path
        from pdf2audiobook.pipeline.voices import ChunkCache, SpeechAudio

        audio = SpeechAudio(np.full(200_000, 0.25, dtype=np.float32), 24_000)
        # Python ignores SIGXFSZ, so writing past the limit fails with EFBIG.
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, resource.RLIM_INFINITY))
        try:
            ChunkCache(Path({str(tmp_path)!r})).put({key!r}, audio)
        except OSError:
            raise SystemExit(3)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )

    assert result.returncode == 3, result.stderr
    assert ChunkCache(tmp_path).get(key) is None
    assert entry_files(tmp_path) == []


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:10], id="header-cut"),
        pytest.param(lambda data: data[:0], id="empty"),
        pytest.param(lambda data: data[:-2] + bytes([data[-2] ^ 0xFF, data[-1]]), id="bit-flip"),
        pytest.param(lambda data: b"RIFF" + data[4:], id="wrong-magic"),
    ],
)
def test_damaged_entry_is_a_miss_and_is_removed(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    cache = ChunkCache(tmp_path)
    key = cache.key_for("Hello.", "local", "heart", 1.0, ENGINE)
    cache.put(key, tone())
    [entry] = entry_files(tmp_path)
    entry.write_bytes(damage(entry.read_bytes()))

    assert cache.get(key) is None
    assert not entry.exists()


def test_malformed_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a chunk cache key"):
        ChunkCache(tmp_path).get("../../etc/passwd")


def test_default_directory_honours_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDF2AUDIOBOOK_CACHE", str(tmp_path / "chunks"))
    assert default_cache_dir() == tmp_path / "chunks"

    monkeypatch.delenv("PDF2AUDIOBOOK_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "pdf2audiobook" / "chunks"
