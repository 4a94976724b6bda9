"""Bring a fallback voice's audio to the book's sample rate (one book, one rate)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler


def resample(
    samples: npt.NDArray[np.float32], from_rate: int, to_rate: int
) -> npt.NDArray[np.float32]:
    """`samples` (float32 mono) at `to_rate`, through FFmpeg's resampler. Same rate: as is."""
    if from_rate == to_rate or samples.size == 0:
        return samples
    resampler = AudioResampler(format="flt", layout="mono", rate=to_rate)
    frame = AudioFrame.from_ndarray(
        np.ascontiguousarray(samples, dtype=np.float32).reshape(1, -1), format="flt", layout="mono"
    )
    frame.sample_rate = from_rate
    frames = resampler.resample(frame) + resampler.resample(None)
    if not frames:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.float32)
