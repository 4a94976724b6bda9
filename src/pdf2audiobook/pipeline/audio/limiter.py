"""A look-ahead peak limiter computed for a whole recording at once, from its block peaks.

The normaliser holds a chapter on disk before replaying it, so the limiter does not have
to run sample by sample: from the peak of every 2 ms block it works out one gain curve for
the whole recording, in a few vectorised numpy passes, and the replay multiplies by it.
Because the curve is known in advance, the loudness the limiter takes away can be
predicted from the meter's 100 ms energies without a trial run through a filter.

The curve, in decibels per block: the reduction each block needs to stay under the
ceiling; the minimum over the next `lookahead` blocks (so the gain is down before a peak
arrives); a linear release (so it comes back up smoothly afterwards); and an average over
`lookahead + 1` blocks (a linear attack ramp). Every block's gain stays at or under what
its own peak needs, and so does every sample's: within a block the gain runs between the
lower of it and each neighbour.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

BLOCKS_PER_SECOND = 500
"""2 ms blocks: the limiter's time resolution."""
ATTACK_SECONDS = 0.005
RELEASE_DB_PER_SECOND = 60.0
"""Back up by 3 dB in 50 ms, as FFmpeg's alimiter with `release=50` roughly does."""

FloatArray = npt.NDArray[np.float64]


class BlockPeaks:
    """The largest absolute sample of each block of a stream fed in pieces of any size."""

    def __init__(self, sample_rate: int) -> None:
        self.block = max(1, sample_rate // BLOCKS_PER_SECOND)
        self._carry = np.zeros(0, dtype=np.float32)
        self._peaks: list[npt.NDArray[np.float32]] = []

    def add(self, samples: npt.NDArray[np.float32]) -> None:
        if self._carry.size:
            samples = np.concatenate((self._carry, samples))
        whole = samples.size - samples.size % self.block
        if whole:
            self._peaks.append(np.abs(samples[:whole]).reshape(-1, self.block).max(axis=1))
        self._carry = samples[whole:].copy()

    def peaks(self) -> FloatArray:
        """Every block's peak, the last (shorter) block included."""
        parts = [*self._peaks]
        if self._carry.size:
            parts.append(np.abs(self._carry).max(keepdims=True))
        if not parts:
            return np.zeros(0, dtype=np.float64)
        return np.concatenate(parts).astype(np.float64)


def limiter_curve_db(
    peaks: FloatArray, gain_db: float, ceiling_dbfs: float, block_seconds: float
) -> FloatArray | None:
    """Per-block gain change in dB (all <= 0) that keeps `peaks` raised by `gain_db` under
    `ceiling_dbfs`; None when no block needs one."""
    with np.errstate(divide="ignore"):
        peak_db = 20.0 * np.log10(peaks) + gain_db
    needed = np.minimum(0.0, ceiling_dbfs - peak_db)
    if peaks.size == 0 or not (needed < 0.0).any():
        return None
    lookahead = max(1, math.ceil(ATTACK_SECONDS / block_seconds))
    ahead = needed.copy()
    for shift in range(1, min(lookahead, needed.size - 1) + 1):
        ahead[:-shift] = np.minimum(ahead[:-shift], needed[shift:])
    # Release: curve[b] = min over k <= b of ahead[k] + (b - k) * step, a running minimum.
    step = RELEASE_DB_PER_SECOND * block_seconds
    ramp = np.arange(ahead.size, dtype=np.float64) * step
    released = ramp + np.minimum.accumulate(ahead - ramp)
    # Attack: the mean of the last lookahead + 1 blocks; the first block stands in for
    # the blocks before the start (its look-ahead covers them).
    padded = np.concatenate((np.full(lookahead, released[0]), released))
    sums = np.concatenate(([0.0], np.cumsum(padded)))
    window = lookahead + 1
    curve: FloatArray = (sums[window:] - sums[:-window]) / window
    return np.minimum(curve, 0.0)


class GainCurve:
    """A per-block dB curve as a linear gain for any run of samples."""

    def __init__(self, curve_db: FloatArray, block: int, gain_db: float) -> None:
        gains = 10.0 ** ((curve_db + gain_db) / 20.0)
        # At each block boundary the lower of the two blocks' gains, so the line drawn
        # across a block never rises above that block's own gain.
        bounds = np.empty(gains.size + 1, dtype=np.float64)
        bounds[0] = gains[0]
        bounds[-1] = gains[-1]
        bounds[1:-1] = np.minimum(gains[:-1], gains[1:])
        self._bounds = bounds
        self._block = block

    def for_samples(self, start: int, count: int) -> npt.NDArray[np.float32]:
        """Gains for samples `start` to `start + count` of the recording."""
        first = start // self._block
        last = min((start + count) // self._block + 1, self._bounds.size - 1)
        positions = np.arange(first, last + 1, dtype=np.float64) * self._block
        samples = np.arange(start, start + count, dtype=np.float64)
        return np.interp(samples, positions, self._bounds[first : last + 1]).astype(np.float32)


def mean_square_gain_per_step(
    curve_db: FloatArray, block: int, step_lengths: npt.NDArray[np.int64]
) -> FloatArray:
    """The mean of the squared linear gain over each meter step (steps laid end to end
    from sample 0 with the given lengths)."""
    squared = 10.0 ** (curve_db / 10.0)
    step_ends = np.cumsum(step_lengths)
    centres = np.arange(curve_db.size, dtype=np.int64) * block + block // 2
    step_of_block = np.searchsorted(step_ends, centres, side="right")
    steps = step_lengths.size
    inside = step_of_block < steps
    totals = np.bincount(step_of_block[inside], weights=squared[inside], minlength=steps)
    counts = np.bincount(step_of_block[inside], minlength=steps)
    return np.where(counts > 0, totals / np.maximum(counts, 1), 1.0)
