"""A content-addressed disk cache of synthesised chunks, so re-runs skip the speech engine.

Each entry is one file, `<dir>/<key[:2]>/<key>.pcm`: a 24-byte header (magic, sample
rate, sample count, CRC-32 of the payload) followed by 16-bit little-endian PCM. 16 bits
halve the disk use of float32 and are below what the lossy encoders keep anyway. The
header lets a truncated or damaged file be recognised; such an entry counts as a miss
and is removed.

With a size cap the least recently used entries go first: a read touches its entry's
modification time, and when the cache grows past the cap the oldest entries are deleted
until it is a tenth under it, so that eviction (the one step that lists every entry) runs
rarely rather than on every store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import struct
import tempfile
import time
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from pdf2audiobook.pipeline.voices.base import SpeechAudio, normalise_text

CACHE_ENV_VAR = "PDF2AUDIOBOOK_CACHE"
_MAGIC = b"P2ABPCM1"
_HEADER = struct.Struct("<8sIQI")  # magic, sample rate, sample count, CRC-32 of the PCM
_PCM_DTYPE = np.dtype("<i2")
_PCM_SCALE = 32767.0
_KEY = re.compile(r"[0-9a-f]{64}")
_TEMP_SUFFIX = ".tmp"
_ENTRY_SUFFIX = ".pcm"
_EVICT_TO_SHARE = 0.9
"""Eviction brings the cache down to this share of its cap."""
_RECOUNT_SHARE = 8
"""Count the cache again after adding 1/8 of its cap: other processes store entries too."""
_STALE_TEMP_SECONDS = 3600.0


def default_cache_dir() -> Path:
    """$PDF2AUDIOBOOK_CACHE if set, else ~/.cache/pdf2audiobook/chunks."""
    configured = os.environ.get(CACHE_ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "pdf2audiobook" / "chunks"


class ChunkCache:
    """Synthesised chunks on disk, keyed by what determines their sound.

    Safe to share between processes: entries are written to a temporary file and renamed
    into place, so a reader sees a whole entry or none, and a crash mid-write leaves only
    a temporary file that is never read as an entry.

    `max_bytes` caps the cache's size on disk (None: no cap). Each instance counts the
    cache once, on its first store, and then adds what it stores; several processes
    sharing a cache may together overshoot the cap by up to an eighth of it each before
    one of them counts again and evicts.
    """

    def __init__(self, directory: Path, max_bytes: int | None = None) -> None:
        if max_bytes is not None and max_bytes < 0:
            raise ValueError(f"a cache cap must not be negative, not {max_bytes}")
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self._counted: int | None = None  # bytes on disk at the last count, plus stores since
        self._stored_since_count = 0

    @staticmethod
    def key_for(text: str, provider: str, voice: str, speed: float, engine_version: str) -> str:
        """The entry key: sha256 over the normalised text and everything that shapes its sound."""
        identity = [normalise_text(text), provider, voice, repr(float(speed)), engine_version]
        encoded = json.dumps(identity, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()

    def get(self, key: str) -> SpeechAudio | None:
        """The cached audio for `key`, or None when absent, truncated or damaged.

        A damaged entry is deleted so the chunk is synthesised and stored afresh. Raises
        ValueError for a string that is not a key from `key_for`.
        """
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        audio = _decode(data)
        if audio is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        elif self.max_bytes is not None:
            # Recency for eviction; an entry evicted meanwhile by another process is fine.
            with contextlib.suppress(OSError):
                os.utime(path)
        return audio

    def put(self, key: str, audio: SpeechAudio) -> None:
        """Store `audio` under `key`, replacing any earlier entry atomically.

        Raises ValueError for a malformed key and OSError when the disk write fails (the
        cache is then unchanged).
        """
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _encode(audio)
        descriptor, temp_name = tempfile.mkstemp(
            prefix=f".{key[:16]}-", suffix=_TEMP_SUFFIX, dir=path.parent
        )
        try:
            with os.fdopen(descriptor, "wb") as temp_file:
                temp_file.write(data)
                temp_file.flush()
                # Without fsync a power cut could leave the renamed file empty.
                os.fsync(temp_file.fileno())
            Path(temp_name).replace(path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                Path(temp_name).unlink()
            raise
        self._account(len(data))

    def discard(self, keys: Iterable[str]) -> int:
        """Delete the entries of `keys` (absent ones are skipped); returns how many went.

        Raises ValueError for a string that is not a key from `key_for`.
        """
        removed = 0
        for key in keys:
            path = self._path(key)
            try:
                size = path.stat().st_size
                path.unlink()
            except FileNotFoundError:
                continue
            removed += 1
            if self._counted is not None:
                self._counted -= size
        return removed

    def size_bytes(self) -> int:
        """The entries' total size on disk now (lists every entry)."""
        return sum(size for _, size, _ in self._entries())

    def _account(self, stored: int) -> None:
        if self.max_bytes is None:
            return
        if self._counted is None:
            self._counted = self.size_bytes()
        else:
            self._counted += stored
        self._stored_since_count += stored
        recount = self._stored_since_count > self.max_bytes // _RECOUNT_SHARE
        if self._counted > self.max_bytes or recount:
            self._counted = self._evict(self.max_bytes)
            self._stored_since_count = 0

    def _evict(self, cap: int) -> int:
        """Delete the least recently used entries if the cache is over `cap`; returns the
        size left."""
        entries = sorted(self._entries())
        total = sum(size for _, size, _ in entries)
        if total <= cap:
            return total
        goal = int(cap * _EVICT_TO_SHARE)
        for _, size, path in entries:
            if total <= goal:
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            total -= size
        return total

    def _entries(self) -> list[tuple[float, int, Path]]:
        """(last use, size, path) of every entry; stale temporary files are deleted."""
        found: list[tuple[float, int, Path]] = []
        if not self.directory.is_dir():
            return found
        stale = time.time() - _STALE_TEMP_SECONDS
        for folder in os.scandir(self.directory):
            if not folder.is_dir(follow_symlinks=False):
                continue
            for entry in os.scandir(folder.path):
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if entry.name.endswith(_ENTRY_SUFFIX):
                    found.append((info.st_mtime, info.st_size, Path(entry.path)))
                elif entry.name.endswith(_TEMP_SUFFIX) and info.st_mtime < stale:
                    # Left by a process killed mid-write; a live writer renames within seconds.
                    with contextlib.suppress(FileNotFoundError):
                        Path(entry.path).unlink()
        return found

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a chunk cache key: {key!r}")
        return self.directory / key[:2] / f"{key}{_ENTRY_SUFFIX}"


def _encode(audio: SpeechAudio) -> bytes:
    scaled = np.rint(np.clip(audio.samples, -1.0, 1.0) * _PCM_SCALE)
    pcm: bytes = scaled.astype(_PCM_DTYPE).tobytes()
    header = _HEADER.pack(_MAGIC, audio.sample_rate, len(audio.samples), zlib.crc32(pcm))
    return header + pcm


def _decode(data: bytes) -> SpeechAudio | None:
    if len(data) < _HEADER.size:
        return None
    magic, sample_rate, sample_count, checksum = _HEADER.unpack_from(data)
    pcm = data[_HEADER.size :]
    valid = (
        magic == _MAGIC
        and sample_rate > 0
        and len(pcm) == sample_count * _PCM_DTYPE.itemsize
        and zlib.crc32(pcm) == checksum
    )
    if not valid:
        return None
    samples = np.frombuffer(pcm, dtype=_PCM_DTYPE).astype(np.float32) / np.float32(_PCM_SCALE)
    return SpeechAudio(samples, sample_rate)
