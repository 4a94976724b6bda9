from __future__ import annotations

import numpy as np
import pytest

from pdf2audiobook.pipeline.audio import InvalidAudioArgumentError, Pauses, silence


def test_silence_has_the_requested_length_in_whole_samples() -> None:
    gap = silence(0.6, 22050)

    assert gap.dtype == np.float32
    assert gap.shape == (13230,)
    assert not gap.any()


def test_zero_seconds_of_silence_is_an_empty_block() -> None:
    assert silence(0.0, 24000).size == 0


@pytest.mark.parametrize(("seconds", "rate"), [(-0.1, 24000), (float("nan"), 24000), (1.0, 0)])
def test_silence_rejects_impossible_lengths_and_rates(seconds: float, rate: int) -> None:
    with pytest.raises(InvalidAudioArgumentError):
        silence(seconds, rate)


def test_pauses_grow_from_paragraph_to_chapter() -> None:
    pauses = Pauses()

    assert pauses.paragraph < pauses.title < pauses.chapter


def test_pauses_reject_a_negative_length() -> None:
    with pytest.raises(InvalidAudioArgumentError, match="paragraph"):
        Pauses(paragraph=-1.0)
