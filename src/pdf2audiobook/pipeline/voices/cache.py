"""A content-addressed disk cache of synthesised chunks, so re-runs skip the speech engine.

Each entry is one file, `<dir>/<key[:2]>/<key>.pcm`: a 24-byte header (magic, sample
rate, sample count, CRC-32 of the payload) followed by 16-bit little-endian PCM. 16 bits
halve the disk use of float32 and are below what the lossy encoders keep anyway. The
header lets a truncated or damaged file be recognised; such an entry counts as a miss
and is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import struct
import tempfile
import zlib
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
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

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

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a chunk cache key: {key!r}")
        return self.directory / key[:2] / f"{key}.pcm"


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
