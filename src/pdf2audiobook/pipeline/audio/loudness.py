"""Bring each chapter to one loudness, under a peak ceiling, without holding it in memory.

The meter and peak function live in `meter.py` and are re-exported here; the limiter's
gain curve in `limiter.py`.
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
from pdf2audiobook.pipeline.audio.limiter import (
    BlockPeaks,
    GainCurve,
    limiter_curve_db,
    mean_square_gain_per_step,
)
from pdf2audiobook.pipeline.audio.meter import LoudnessMeter, gated_lufs, sample_peak_dbfs
from pdf2audiobook.pipeline.audio.pcm import FloatArray, mono_block

__all__ = ["LoudnessMeter", "LoudnessNormaliser", "sample_peak_dbfs"]

_MAX_MAKEUP_DB = 6.0
"""Never push harder than this to make up for limiting (a clicky input would pump)."""
# FFmpeg's alimiter accepts a ceiling from 0.0625 (-24.1 dBFS) up to 1.0 (0 dBFS).
_LOWEST_CEILING_DBFS = 20.0 * math.log10(0.0625)
_SPOOL_SAMPLE = np.dtype("<f4")
_SECONDS_PER_OUTPUT_BLOCK = 1
_MAKEUP_ROUNDS = 3
"""Rounds of predicting the limiter's loss and making up for it; each round's error is a
small fraction of the last one's."""


def _decibels_to_gain(decibels: float) -> float:
    return float(10.0 ** (decibels / 20.0))


class LoudnessNormaliser:
    """Measures one chapter while spooling it to disk, then replays it at the target loudness.

    `feed` the chapter block by block; `finish` returns an iterator over the same number of
    samples, scaled by one constant gain (target minus measured loudness) and held under
    the ceiling by a look-ahead limiter, so no sample exceeds it. Each chapter normalised
    this way lands on the target, so a book made of them does too. The limiter removes
    the energy of the peaks it catches; the loudness it will take away is predicted from
    the meter's 100 ms energies and the limiter's gain curve, and made up for in the gain.

    With `lowpass_hz` the chapter is low-passed as it is fed, so what is measured, limited
    and spooled is what will be encoded.

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
        self._meter = LoudnessMeter(sample_rate, keep_steps=True)
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
        self._ceiling_dbfs = ceiling_dbfs
        self._ceiling = _decibels_to_gain(ceiling_dbfs)
        self._fallback_gain_db = fallback_gain_db
        # A lossy encoder turns energy near Nyquist (sibilants) into overshoot well above
        # the limited peak; speech needs nothing up there.
        self._lowpass = (
            FilterChain(sample_rate, [("lowpass", f"f={lowpass_hz!r}:poles=2")])
            if lowpass_hz
            else None
        )
        self._peaks = BlockPeaks(sample_rate)
        # Open for the normaliser's whole life, so not a `with` block; `close` ends it.
        self._spool: IO[bytes] | None = tempfile.TemporaryFile(  # noqa: SIM115
            prefix="pdf2audiobook-chapter-", suffix=".f32", dir=spool_dir
        )
        self._length = 0
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
        self._open_spool()
        block = mono_block(samples, np.float32)
        if block.size == 0:
            return
        if self._lowpass is not None:
            block = self._lowpass.process(block.astype(np.float64)).astype(np.float32)
        self._ingest(block)

    def finish(self) -> Iterator[npt.NDArray[np.float32]]:
        """Measure the chapter and return an iterator over its normalised float32 samples.

        The gain is decided here, so `measured_lufs` and `gain_db` are set on return. The
        output has exactly as many samples as were fed. The spool is closed when the
        iterator is exhausted or closed. Raises AudioWriterStateError if called twice.
        """
        if self._finished:
            raise AudioWriterStateError("This chapter was already finished.")
        spool = self._open_spool()
        if self._lowpass is not None:
            self._ingest(self._lowpass.flush().astype(np.float32))
        self._finished = True
        self.measured_lufs = self._meter.integrated_lufs()
        peaks = self._peaks.peaks()
        if self.measured_lufs is None:
            self.gain_db = self._fallback_gain_db
        else:
            self.gain_db = self._with_makeup(self._target_lufs - self.measured_lufs, peaks)
        block_seconds = self._peaks.block / self._sample_rate
        curve = limiter_curve_db(peaks, self.gain_db, self._ceiling_dbfs, block_seconds)
        return self._replay(spool, curve)

    def close(self) -> None:
        """Delete the spooled audio. Safe to call more than once."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def _ingest(self, block: npt.NDArray[np.float32]) -> None:
        if block.size == 0:
            return
        self._meter.add(block)
        self._peaks.add(block)
        self._open_spool().write(block.astype(_SPOOL_SAMPLE, copy=False).tobytes())
        self._length += block.size

    def _with_makeup(self, gain_db: float, peaks: npt.NDArray[np.float64]) -> float:
        """`gain_db` plus what the limiter will take away at that gain.

        Peak-normalised voices (piper) hit the ceiling on every sentence, so limiting
        costs them more than a decibel. The loss is predicted from the meter's 100 ms
        energies weighted by the limiter curve's mean square gain over each step; the curve
        changes slowly beside the K-weighting filter's memory, so this matches filtering
        the limited audio to a few hundredths of a decibel.
        """
        energy, lengths = self._meter.steps()
        block_seconds = self._peaks.block / self._sample_rate
        makeup = 0.0
        for _ in range(_MAKEUP_ROUNDS):
            curve = limiter_curve_db(peaks, gain_db + makeup, self._ceiling_dbfs, block_seconds)
            if curve is None:
                break
            weights = mean_square_gain_per_step(curve, self._peaks.block, lengths)
            scale = _decibels_to_gain(gain_db + makeup) ** 2
            limited = gated_lufs(energy * weights * scale, lengths)
            if limited is None:
                break
            makeup = min(makeup + self._target_lufs - limited, _MAX_MAKEUP_DB)
        return gain_db + makeup

    def _open_spool(self) -> IO[bytes]:
        if self._spool is None:
            raise AudioWriterStateError("This normaliser was closed.")
        return self._spool

    def _replay(
        self, spool: IO[bytes], curve: npt.NDArray[np.float64] | None
    ) -> Iterator[npt.NDArray[np.float32]]:
        assert self.gain_db is not None
        try:
            gain = np.float32(_decibels_to_gain(self.gain_db))
            gains = GainCurve(curve, self._peaks.block, self.gain_db) if curve is not None else None
            spool.seek(0)
            block_bytes = self._sample_rate * _SECONDS_PER_OUTPUT_BLOCK * _SPOOL_SAMPLE.itemsize
            position = 0
            while chunk := spool.read(block_bytes):
                samples = np.frombuffer(chunk, dtype=_SPOOL_SAMPLE)
                if gains is None:
                    block = samples * gain
                else:
                    block = samples * gains.for_samples(position, samples.size)
                position += samples.size
                # The curve holds the ceiling; the clip only catches float rounding.
                yield np.clip(block, -self._ceiling, self._ceiling).astype(np.float32)
        finally:
            self.close()
