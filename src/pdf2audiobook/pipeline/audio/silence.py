"""Silent gaps between the spoken parts of a book."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from pdf2audiobook.pipeline.audio.errors import InvalidAudioArgumentError


@dataclass(frozen=True, slots=True)
class Pauses:
    """Seconds of silence the pipeline inserts; the TTS voices add little of their own.

    `head` opens every chapter so a player's seek lands before the first word; `title` follows
    a spoken chapter title; `paragraph` separates paragraphs; `chapter` and `tail` close a
    chapter so the next one does not start on the last word of this one.
    """

    paragraph: float = 0.6
    title: float = 0.9
    chapter: float = 1.8
    head: float = 0.5
    tail: float = 1.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not 0.0 <= value <= 60.0:
                raise InvalidAudioArgumentError(
                    f"Pause '{field.name}' is {value} s; use a length from 0 to 60 seconds."
                )


def silence(seconds: float, sample_rate: int) -> npt.NDArray[np.float32]:
    """Mono float32 silence of `seconds`, rounded to the nearest whole sample.

    Raises InvalidAudioArgumentError for a negative or non-finite length or a rate <= 0.
    """
    if sample_rate <= 0:
        raise InvalidAudioArgumentError(f"Sample rate {sample_rate} Hz is not positive.")
    if not np.isfinite(seconds) or seconds < 0:
        raise InvalidAudioArgumentError(f"Silence of {seconds} s is not a length of time.")
    return np.zeros(round(seconds * sample_rate), dtype=np.float32)
