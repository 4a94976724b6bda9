"""Checks on the PCM blocks callers hand to the audio stage."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from pdf2audiobook.pipeline.audio.errors import InvalidAudioArgumentError

FloatArray = npt.NDArray[np.floating[Any]]

# Rates every encoder we use accepts (AAC-LC and MPEG-1/2 layer III share these); a TTS voice
# emits one of them.
SUPPORTED_SAMPLE_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


def check_sample_rate(sample_rate: int) -> None:
    """Raise InvalidAudioArgumentError unless `sample_rate` is one the encoders accept."""
    if sample_rate not in SUPPORTED_SAMPLE_RATES:
        supported = ", ".join(str(rate) for rate in SUPPORTED_SAMPLE_RATES)
        raise InvalidAudioArgumentError(
            f"Sample rate {sample_rate} Hz is not supported; use one of {supported} Hz."
        )


def mono_block(samples: FloatArray, dtype: type[np.floating[Any]]) -> npt.NDArray[Any]:
    """`samples` as a contiguous 1-D array of `dtype`, copied only if it has to be.

    Raises InvalidAudioArgumentError for anything but a 1-D array of finite floats: NaN or
    infinity from a misbehaving voice model would otherwise turn into noise or a broken file.
    """
    array = np.asarray(samples)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.floating):
        raise InvalidAudioArgumentError(
            f"Expected a 1-D float array of mono samples, got shape {array.shape} of {array.dtype}."
        )
    if not np.isfinite(array).all():
        raise InvalidAudioArgumentError("The audio block contains NaN or infinite samples.")
    return np.ascontiguousarray(array, dtype=dtype)
