"""Deterministic speech-like test signals, so audio tests need no TTS voice."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image

Samples = npt.NDArray[np.float32]


def speech_like(sample_rate: int, seconds: float, level: float = 1.0, seed: int = 0) -> Samples:
    """Harmonics of a wandering 90-150 Hz pitch, cut into syllables at about 4 per second,
    with breath noise and a pause after every two "sentences". Near -20 LUFS at level 1."""
    rng = np.random.default_rng(seed)
    count = round(sample_rate * seconds)
    time = np.arange(count) / sample_rate
    pitch = 120.0 + 30.0 * np.sin(2 * np.pi * 0.3 * time + rng.uniform(0, np.pi))
    phase = 2 * np.pi * np.cumsum(pitch) / sample_rate
    voiced: npt.NDArray[np.float64] = np.sum([np.sin(k * phase) / k for k in range(1, 12)], axis=0)
    syllables = (np.sin(2 * np.pi * 4.0 * time) > -0.2) * (
        0.5 + 0.5 * np.sin(2 * np.pi * 1.3 * time)
    )
    sentences = np.floor(time / 2.7) % 3 != 2
    noise = rng.standard_normal(count)
    signal: npt.NDArray[np.float64] = (0.3 * voiced + 0.05 * noise) * syllables**2 * sentences
    return (level * signal).astype(np.float32)


def noise_bursts(sample_rate: int, seconds: float, seed: int = 1) -> Samples:
    """White-noise bursts of 0.2-1.5 s at levels 30 dB apart, separated by silence."""
    rng = np.random.default_rng(seed)
    count = round(sample_rate * seconds)
    signal = np.zeros(count, dtype=np.float32)
    position = 0
    while position < count:
        length = int(rng.uniform(0.2, 1.5) * sample_rate)
        level = rng.choice([0.01, 0.1, 0.3])
        burst = level * rng.standard_normal(min(length, count - position))
        signal[position : position + burst.size] = burst
        position += length + int(rng.uniform(0.1, 0.8) * sample_rate)
    return signal


def tone(sample_rate: int, seconds: float, frequency: float, amplitude: float) -> Samples:
    """A steady sine."""
    time = np.arange(round(sample_rate * seconds)) / sample_rate
    return (amplitude * np.sin(2 * np.pi * frequency * time)).astype(np.float32)


def in_blocks(samples: Samples, block: int) -> list[Samples]:
    """`samples` cut into consecutive blocks of `block` samples (the last may be shorter)."""
    return [samples[start : start + block] for start in range(0, samples.size, block)]


def jpeg_cover() -> bytes:
    """A small real JPEG image."""
    output = io.BytesIO()
    Image.new("RGB", (48, 48), (180, 40, 40)).save(output, "JPEG")
    return output.getvalue()
