"""Values shared by all providers: speech audio, speed limits, the text an engine receives."""

from __future__ import annotations

import numpy as np
import pytest

from pdf2audiobook.pipeline.voices import (
    InvalidSpeedError,
    SpeechAudio,
    normalise_text,
    validate_speed,
)


def test_speech_audio_duration_and_checks() -> None:
    audio = SpeechAudio(np.zeros(36_000, dtype=np.float32), 24_000)

    assert audio.duration == pytest.approx(1.5)
    with pytest.raises(ValueError, match="float32"):
        SpeechAudio(np.zeros(10, dtype=np.int16), 24_000)
    with pytest.raises(ValueError, match="1-D"):
        SpeechAudio(np.zeros((2, 10), dtype=np.float32), 24_000)
    with pytest.raises(ValueError, match="positive"):
        SpeechAudio(np.zeros(10, dtype=np.float32), 0)


@pytest.mark.parametrize("speed", [0.5, 1, 1.37, 2.0])
def test_speeds_in_range_are_accepted(speed: float) -> None:
    assert validate_speed(speed) == speed


def test_invalid_speed_message_gives_the_range() -> None:
    with pytest.raises(InvalidSpeedError) as raised:
        validate_speed(2.5)
    assert raised.value.code == "invalid_speed"
    assert "from 0.5" in raised.value.message
    assert "to 2.0" in raised.value.message


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("  Hello \t  there.  ", "Hello there."),
        ("One.\r\n\r\nTwo.\rThree.\fFour.", "One.\nTwo.\nThree.\nFour."),
        ("infor\u00admation\u200b a\x00b \ufeffend", "information ab end"),
        ("Cafe\u0301", "Caf\u00e9"),
        (" \n\t\n ", ""),
    ],
)
def test_normalised_text_is_what_an_engine_can_say(text: str, spoken: str) -> None:
    assert normalise_text(text) == spoken
