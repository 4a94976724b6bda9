"""Bring each chapter to one loudness, under a peak ceiling, without holding it in memory.

The meter and peak function live in `meter.py` and are re-exported here.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import numpy as np
import numpy.typing as npt

from pdf2audiobook.pipeline.audio.errors import AudioWriterStateError, InvalidAudioArgumentError
from pdf2audiobook.pipeline.audio.filtergraph import FilterChain
from pdf2audiobook.pipeline.audio.meter import LoudnessMeter, sample_peak_dbfs
from pdf2audiobook.pipeline.audio.pcm import FloatArray, mono_block

__all__ = ["LoudnessMeter", "LoudnessNormaliser", "sample_peak_dbfs"]

_MAX_MAKEUP_DB = 6.0
"""Never push harder than this to make up for limiting (a clicky input would pump)."""
# FFmpeg's alimiter accepts a ceiling from 0.0625 (-24.1 dBFS) up to 1.0 (0 dBFS).
_LOWEST_CEILING_DBFS = 20.0 * math.log10(0.0625)
_SPOOL_SAMPLE = np.dtype("<f4")
_SECONDS_PER_OUTPUT_BLOCK = 1


def _decibels_to_gain(decibels: float) -> float:
    return float(10.0 ** (decibels / 20.0))


class LoudnessNormaliser:
    """Measures one chapter while spooling it to disk, then replays it at the target loudness.

    `feed` the chapter block by block; `finish` returns an iterator over the same number of
    samples, scaled by one constant gain (target minus measured loudness) and passed through
    FFmpeg's look-ahead limiter so no sample exceeds the ceiling. Each chapter normalised
    this way lands on the target, so a book made of them does too. The limiter removes the
    energy of the peaks it catches, so a chapter lands slightly under the target when it
    works hard: -18.16 LUFS for hibari speech, whose peaks it lowers by up to 3.2 dB.

    The spool is an anonymous temporary file: the OS deletes it when it is closed, when the
    object is garbage-collected, or when the process dies, so no chapter audio is left behind.
    Use the normaliser as a context manager, or call `close`, to release it promptly.
    """

    def __init__(
        self,
        sample_rate: int,
        target_lufs: float = -18.0,
        ceiling_dbfs: float = -3.0,
        *,
        fallback_gain_db: float = 0.0,
        spool_dir: Path | None = None,
        lowpass_hz: float | None = None,
    ) -> None:
        """`fallback_gain_db` is applied when the chapter has no measurable loudness (silence,
        or under 400 ms of audio); pass the previous chapter's `gain_db` to keep them level.

        Raises InvalidAudioArgumentError for an unsupported rate, a target outside -70..0
        LUFS, a ceiling outside -24..0 dBFS or a fallback gain that is not finite.
        """
        self._meter = LoudnessMeter(sample_rate)
        if not -70.0 <= target_lufs <= 0.0:
            raise InvalidAudioArgumentError(
                f"Target loudness {target_lufs} LUFS is outside -70 to 0 LUFS."
            )
        if not math.isfinite(fallback_gain_db):
            raise InvalidAudioArgumentError(f"Fallback gain {fallback_gain_db} dB is not finite.")
        if not _LOWEST_CEILING_DBFS <= ceiling_dbfs <= 0.0:
            raise InvalidAudioArgumentError(
                f"Peak ceiling {ceiling_dbfs} dBFS is outside -24 to 0 dBFS."
            )
        self._sample_rate = sample_rate
        self._target_lufs = target_lufs
        self._ceiling = _decibels_to_gain(ceiling_dbfs)
        self._lowpass_hz = lowpass_hz
        self._fallback_gain_db = fallback_gain_db
        # Open for the normaliser's whole life, so not a `with` block; `close` ends it.
        self._spool: IO[bytes] | None = tempfile.TemporaryFile(  # noqa: SIM115
            prefix="pdf2audiobook-chapter-", suffix=".f32", dir=spool_dir
        )
        self._length = 0
        self._input_peak = 0.0
        self._finished = False
        self.measured_lufs: float | None = None
        self.gain_db: float | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def feed(self, samples: FloatArray) -> None:
        """Add the next block of the chapter.

        Raises InvalidAudioArgumentError for anything but a 1-D array of finite floats, and
        AudioWriterStateError after `finish` or `close`.
        """
        if self._finished:
            raise AudioWriterStateError("This chapter was already finished; start a new one.")
        spool = self._open_spool()
        block = mono_block(samples, np.float32)
        if block.size == 0:
            return
        self._meter.add(block)
        self._input_peak = max(self._input_peak, float(np.max(np.abs(block))))
        spool.write(block.astype(_SPOOL_SAMPLE, copy=False).tobytes())
        self._length += block.size

    def finish(self) -> Iterator[npt.NDArray[np.float32]]:
        """Measure the chapter and return an iterator over its normalised float32 samples.

        The gain is decided here, so `measured_lufs` and `gain_db` are set on return. The
        output has exactly as many samples as were fed. The spool is closed when the
        iterator is exhausted or closed. Raises AudioWriterStateError if called twice.
        """
        if self._finished:
            raise AudioWriterStateError("This chapter was already finished.")
        spool = self._open_spool()
        self._finished = True
        self.measured_lufs = self._meter.integrated_lufs()
        if self.measured_lufs is None:
            self.gain_db = self._fallback_gain_db
        else:
            self.gain_db = self._target_lufs - self.measured_lufs
            self.gain_db += self._limiter_loss_db(spool, self.gain_db)
        return self._replay(spool, _decibels_to_gain(self.gain_db))

    def _limiter_loss_db(self, spool: IO[bytes], gain_db: float) -> float:
        """Loudness the limiter will take away at `gain_db`, measured by a dry run.

        Peak-normalised voices (piper) hit the ceiling on every sentence, so limiting
        costs them more than a decibel; one trial pass finds the loss and the real pass
        makes up for it. Audio that stays under the ceiling needs no trial.
        """
        gain = _decibels_to_gain(gain_db)
        if self._input_peak * gain <= self._ceiling:
            return 0.0
        meter = LoudnessMeter(self._sample_rate)
        for block in self._limited(spool, gain):
            meter.add(block)
        limited = meter.integrated_lufs()
        if limited is None:
            return 0.0
        return min(self._target_lufs - limited, _MAX_MAKEUP_DB)

    def close(self) -> None:
        """Delete the spooled audio. Safe to call more than once."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def _open_spool(self) -> IO[bytes]:
        if self._spool is None:
            raise AudioWriterStateError("This normaliser was closed.")
        return self._spool

    def _replay(self, spool: IO[bytes], gain: float) -> Iterator[npt.NDArray[np.float32]]:
        try:
            yield from self._limited(spool, gain)
        finally:
            self.close()

    def _limited(self, spool: IO[bytes], gain: float) -> Iterator[npt.NDArray[np.float32]]:
        """The spooled chapter at `gain`, through the low-pass and limiter when needed."""
        spool.seek(0)
        # Below the ceiling the limiter would pass the audio through untouched; skip it.
        needs_limit = self._input_peak * gain > self._ceiling
        limiter = self._limiter() if needs_limit or self._lowpass_hz else None
        block_bytes = self._sample_rate * _SECONDS_PER_OUTPUT_BLOCK * _SPOOL_SAMPLE.itemsize
        remaining = self._length
        while chunk := spool.read(block_bytes):
            samples = np.frombuffer(chunk, dtype=_SPOOL_SAMPLE).astype(np.float64) * gain
            if limiter is not None:
                samples = limiter.process(samples)
            block, remaining = self._bounded(samples, remaining)
            if block.size:
                yield block
        if limiter is not None:
            block, remaining = self._bounded(limiter.flush(), remaining)
            if block.size:
                yield block
        if remaining > 0:
            # alimiter returns every sample with latency compensation on; this only
            # guards the promised length against a change in FFmpeg.
            yield np.zeros(remaining, dtype=np.float32)

    def _bounded(
        self, samples: npt.NDArray[np.float64], remaining: int
    ) -> tuple[npt.NDArray[np.float32], int]:
        kept = samples[:remaining]
        # The limiter holds the ceiling exactly; the clip only catches float rounding.
        block = np.clip(kept, -self._ceiling, self._ceiling).astype(np.float32)
        return block, remaining - block.size

    def _limiter(self) -> FilterChain:
        # level=disabled: alimiter would otherwise scale the output back up to 0 dBFS.
        # latency=1: compensate the 5 ms look-ahead delay and flush it at the end, so the
        # output lines up with the input sample for sample and keeps its full length.
        options = f"limit={self._ceiling!r}:attack=5:release=50:level=disabled:latency=1"
        filters = [("alimiter", options)]
        if self._lowpass_hz:
            # A lossy encoder turns energy near Nyquist (sibilants) into overshoot well
            # above the limited peak; speech needs nothing up there.
            filters.insert(0, ("lowpass", f"f={self._lowpass_hz!r}:poles=2"))
        return FilterChain(self._sample_rate, filters)
