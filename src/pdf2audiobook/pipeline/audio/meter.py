"""Streaming integrated loudness (ITU-R BS.1770-4, EBU R 128) and peak level of mono PCM."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from pdf2audiobook.pipeline.audio.kweighting import k_weighting_filter
from pdf2audiobook.pipeline.audio.pcm import FloatArray, check_sample_rate, mono_block

_STEPS_PER_SECOND = 10  # gating blocks start every 100 ms ...
_STEPS_PER_BLOCK = 4  # ... and last 400 ms, so consecutive blocks overlap by 75 %
_LOUDNESS_OFFSET = -0.691  # BS.1770: makes a 997 Hz sine at full scale read -3.01 LUFS
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
# Gated blocks are kept as a histogram of loudness, so memory stays constant however long
# the programme runs. Each bin keeps the exact energy sum of its blocks; only blocks within
# one bin (0.01 LU) of the relative gate can be gated the wrong way, which moves the result
# by far less than the 0.1 LU the standard reports.
_BIN_WIDTH_LU = 0.01
_HISTOGRAM_TOP_LUFS = 10.0
_BIN_COUNT = round((_HISTOGRAM_TOP_LUFS - _ABSOLUTE_GATE_LUFS) / _BIN_WIDTH_LU)


def _loudness(mean_square: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    with np.errstate(divide="ignore"):
        return _LOUDNESS_OFFSET + 10.0 * np.log10(mean_square)


class LoudnessMeter:
    """Integrated loudness of a mono stream fed in blocks of any size.

    K-weighting runs in an FFmpeg filter graph whose state carries across `add` calls, so
    the result does not depend on how the stream was cut into blocks. Only complete 400 ms
    gating blocks count, as BS.1770 specifies.
    """

    def __init__(self, sample_rate: int, *, keep_steps: bool = False) -> None:
        """`keep_steps` keeps the energy of every 100 ms step (80 bytes a second), for
        `steps`. Raises InvalidAudioArgumentError for a rate the encoders do not support."""
        check_sample_rate(sample_rate)
        self._kept: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]] | None = (
            [] if keep_steps else None
        )
        self._sample_rate = sample_rate
        self._filter = k_weighting_filter(sample_rate)
        self._samples_seen = 0
        self._steps_completed = 0
        self._open_step_energy = 0.0
        # Energy and length of the last complete steps, to join with the next ones.
        self._recent_energy = np.zeros(0, dtype=np.float64)
        self._recent_length = np.zeros(0, dtype=np.int64)
        self._bin_energy = np.zeros(_BIN_COUNT, dtype=np.float64)
        self._bin_blocks = np.zeros(_BIN_COUNT, dtype=np.int64)

    @property
    def seconds(self) -> float:
        """Length of the audio added so far."""
        return self._samples_seen / self._sample_rate

    def add(self, samples: FloatArray) -> None:
        """Measure the next block of the stream.

        Raises InvalidAudioArgumentError unless `samples` is a 1-D array of finite floats.
        """
        weighted = self._filter.process(mono_block(samples, np.float64))
        if weighted.size:
            self._add_weighted(weighted)

    def integrated_lufs(self) -> float | None:
        """Gated integrated loudness in LUFS, or None if no 400 ms block is above -70 LUFS.

        None rather than -inf: silence, or audio shorter than one gating block, has no
        loudness to normalise to, and a None forces the caller to decide what to do.
        """
        total_blocks = int(self._bin_blocks.sum())
        if total_blocks == 0:
            return None
        mean_above_absolute_gate = float(self._bin_energy.sum()) / total_blocks
        relative_gate = _LOUDNESS_OFFSET + 10.0 * math.log10(mean_above_absolute_gate)
        relative_gate += _RELATIVE_GATE_LU
        bin_centres = _ABSOLUTE_GATE_LUFS + (np.arange(_BIN_COUNT) + 0.5) * _BIN_WIDTH_LU
        kept = bin_centres > relative_gate
        kept_blocks = int(self._bin_blocks[kept].sum())
        if kept_blocks == 0:
            return None
        return _LOUDNESS_OFFSET + 10.0 * math.log10(
            float(self._bin_energy[kept].sum()) / kept_blocks
        )

    def steps(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """K-weighted energy and length in samples of each complete 100 ms step so far,
        laid end to end from the first sample. Raises ValueError without `keep_steps`."""
        if self._kept is None:
            raise ValueError("this meter was made without keep_steps")
        if not self._kept:
            return np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64)
        energy = np.concatenate([kept[0] for kept in self._kept])
        length = np.concatenate([kept[1] for kept in self._kept])
        return energy, length

    def _add_weighted(self, weighted: npt.NDArray[np.float64]) -> None:
        start = self._samples_seen
        end = start + weighted.size
        self._samples_seen = end
        # Step k ends at sample floor(k * rate / 10): a whole number at the usual rates, and
        # exact without drift at 11.025 kHz. The last step ending here is the largest k with
        # k * rate / 10 < end + 1.
        last_step_ending_here = (_STEPS_PER_SECOND * (end + 1) - 1) // self._sample_rate
        step_ends = (
            np.arange(self._steps_completed + 1, last_step_ending_here + 1, dtype=np.int64)
            * self._sample_rate
        ) // _STEPS_PER_SECOND
        running_energy = np.concatenate(([0.0], np.cumsum(weighted * weighted)))
        if step_ends.size == 0:
            self._open_step_energy += float(running_energy[-1])
            return
        local_ends = step_ends - start
        step_energy = np.diff(running_energy[np.concatenate(([0], local_ends))])
        step_energy[0] += self._open_step_energy
        self._open_step_energy = float(running_energy[-1] - running_energy[local_ends[-1]])
        step_starts = (
            np.arange(self._steps_completed, last_step_ending_here, dtype=np.int64)
            * self._sample_rate
        ) // _STEPS_PER_SECOND
        self._steps_completed = int(last_step_ending_here)
        self._add_steps(step_energy, step_ends - step_starts)

    def _add_steps(
        self, step_energy: npt.NDArray[np.float64], step_length: npt.NDArray[np.int64]
    ) -> None:
        if self._kept is not None:
            self._kept.append((step_energy.copy(), step_length.copy()))
        energy = np.concatenate((self._recent_energy, step_energy))
        length = np.concatenate((self._recent_length, step_length))
        keep = _STEPS_PER_BLOCK - 1
        self._recent_energy = energy[-keep:]
        self._recent_length = length[-keep:]
        if energy.size < _STEPS_PER_BLOCK:
            return
        energy_sums = np.concatenate(([0.0], np.cumsum(energy)))
        length_sums = np.concatenate(([0], np.cumsum(length)))
        block_energy = energy_sums[_STEPS_PER_BLOCK:] - energy_sums[:-_STEPS_PER_BLOCK]
        block_length = length_sums[_STEPS_PER_BLOCK:] - length_sums[:-_STEPS_PER_BLOCK]
        mean_square = block_energy / block_length
        loudness = _loudness(mean_square)
        audible = loudness > _ABSOLUTE_GATE_LUFS
        bins = np.minimum(
            ((loudness[audible] - _ABSOLUTE_GATE_LUFS) / _BIN_WIDTH_LU).astype(np.int64),
            _BIN_COUNT - 1,
        )
        self._bin_energy += np.bincount(bins, weights=mean_square[audible], minlength=_BIN_COUNT)
        self._bin_blocks += np.bincount(bins, minlength=_BIN_COUNT)


def gated_lufs(
    step_energy: npt.NDArray[np.float64], step_length: npt.NDArray[np.int64]
) -> float | None:
    """Integrated loudness, gated as BS.1770 says, of audio given as the K-weighted energy
    and length of its consecutive 100 ms steps (see `LoudnessMeter.steps`); None when no
    400 ms block is above -70 LUFS."""
    if step_energy.size < _STEPS_PER_BLOCK:
        return None
    energy_sums = np.concatenate(([0.0], np.cumsum(step_energy)))
    length_sums = np.concatenate(([0], np.cumsum(step_length)))
    block_energy = energy_sums[_STEPS_PER_BLOCK:] - energy_sums[:-_STEPS_PER_BLOCK]
    block_length = length_sums[_STEPS_PER_BLOCK:] - length_sums[:-_STEPS_PER_BLOCK]
    mean_square = block_energy / block_length
    loudness = _loudness(mean_square)
    audible = mean_square[loudness > _ABSOLUTE_GATE_LUFS]
    if audible.size == 0:
        return None
    relative_gate = _LOUDNESS_OFFSET + 10.0 * math.log10(float(audible.mean()))
    kept = audible[_loudness(audible) > relative_gate + _RELATIVE_GATE_LU]
    if kept.size == 0:
        return None
    return _LOUDNESS_OFFSET + 10.0 * math.log10(float(kept.mean()))


def sample_peak_dbfs(samples: FloatArray) -> float:
    """Largest absolute sample in dB relative to full scale (1.0); -inf for silence.

    This is the sample peak, not BS.1770 true peak: the limiter works on samples, and the
    ceiling leaves 3 dB for the inter-sample overs that lossy encoding adds.
    Raises InvalidAudioArgumentError unless `samples` is a 1-D array of finite floats.
    """
    block = mono_block(samples, np.float64)
    peak = float(np.max(np.abs(block))) if block.size else 0.0
    return 20.0 * math.log10(peak) if peak > 0.0 else -math.inf
