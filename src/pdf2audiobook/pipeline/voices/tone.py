"""The `tone` provider: a deterministic stand-in voice for tests of the queue and the API.

Each word becomes a quiet sine tone whose pitch comes from the word and whose length
grows with its letters, followed by a short pause; a line break adds a longer pause.
The same text at the same speed always gives the same samples, at 16 kHz. It needs no
model, so a worker process starts it at once, and each chunk takes a configurable time
(`PDF2AUDIOBOOK_TONE_SECONDS_PER_CHUNK`, default 0) so that a test can stop a worker
while a chapter is half spoken.

It is a test voice: unavailable, with the reason, unless `PDF2AUDIOBOOK_TEST_VOICES=1`
is set, so a user never picks it by accident. It costs nothing.
"""

from __future__ import annotations

import math
import os
import time
import zlib
from collections.abc import Callable
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from pdf2audiobook.pipeline.voices.base import ProviderStatus, SpeechAudio, TTSProvider
from pdf2audiobook.pipeline.voices.cloud.catalogue import (
    catalogue_status,
    resolve_catalogue_voice,
)
from pdf2audiobook.pipeline.voices.errors import UnknownVoiceError

ENABLE_ENV_VAR = "PDF2AUDIOBOOK_TEST_VOICES"
SECONDS_PER_CHUNK_ENV_VAR = "PDF2AUDIOBOOK_TONE_SECONDS_PER_CHUNK"
SAMPLE_RATE = 16_000
ENGINE_VERSION = "tone-1"

_CATALOGUE = (("high", "female"), ("low", "male"))
_VOICE_FOR_TYPE = {"default": "high", "female": "high", "male": "low"}
_BASE_HERTZ = {"high": 440.0, "low": 220.0}
_PITCH_STEPS = 12
"""A word's tone is one of this many semitones above its voice's base pitch."""
_AMPLITUDE = 0.1
_WORD_SECONDS = 0.02
_LETTER_SECONDS = 0.004
_WORD_GAP_SECONDS = 0.01
_LINE_GAP_SECONDS = 0.06
_FADE_SECONDS = 0.002
_ENABLED = ("1", "true", "yes", "on")

sleep: Callable[[float], None] = time.sleep
"""How a chunk's configured time is spent; a test may replace it to watch the calls."""


def enabled() -> bool:
    """Whether `PDF2AUDIOBOOK_TEST_VOICES` switches the test voices on."""
    return os.environ.get(ENABLE_ENV_VAR, "").strip().lower() in _ENABLED


def seconds_per_chunk() -> float:
    """`PDF2AUDIOBOOK_TONE_SECONDS_PER_CHUNK` (0 when unset); ValueError if not a number >= 0."""
    raw = os.environ.get(SECONDS_PER_CHUNK_ENV_VAR, "").strip()
    if not raw:
        return 0.0
    seconds = float(raw)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(
            f"{SECONDS_PER_CHUNK_ENV_VAR} must be a number of seconds >= 0, not {raw!r}"
        )
    return seconds


class ToneProvider(TTSProvider):
    """Tones for words: deterministic, instant to load, as slow per chunk as configured."""

    name: ClassVar[str] = "tone"
    voice_types: ClassVar[tuple[str, ...]] = tuple(_VOICE_FOR_TYPE)
    max_chars: ClassVar[int] = 400
    """The local voice's limit, so a book is cut into the same chunks as with it."""

    def status(self) -> ProviderStatus:
        return catalogue_status(
            self.name,
            _CATALOGUE,
            _problem(),
            lambda _voice: "en-US",
            lambda voice, voice_type: (
                f"A {voice_type} test voice: a {voice} tone per word, for tests only."
            ),
        )

    def resolve_voice(self, voice: str | None, voice_type: str | None) -> str:
        return resolve_catalogue_voice(
            provider=self,
            label="tone",
            voice=voice,
            voice_type=voice_type,
            voice_for_type=_VOICE_FOR_TYPE,
            catalogue=_CATALOGUE,
            checked_name=_listed,
            problem=_problem(),
        )

    def engine_version(self, voice: str) -> str:
        return f"{ENGINE_VERSION}:{_listed(voice)}"

    def sample_rate(self, voice: str) -> int:
        _listed(voice)
        return SAMPLE_RATE

    def _synthesise(self, text: str, voice: str, speed: float) -> SpeechAudio:
        delay = seconds_per_chunk()
        samples = tones_for(text, _BASE_HERTZ[voice], speed)
        if delay > 0:
            sleep(delay)
        return SpeechAudio(samples, SAMPLE_RATE)


def tones_for(text: str, base_hertz: float, speed: float) -> npt.NDArray[np.float32]:
    """The samples for normalised `text`: a tone and a pause per word, a pause per line."""
    parts: list[npt.NDArray[np.float32]] = []
    for line in text.split("\n"):
        for word in line.split():
            parts.append(_tone(word, base_hertz, speed))
            parts.append(_silence(_WORD_GAP_SECONDS / speed))
        parts.append(_silence(_LINE_GAP_SECONDS / speed))
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(parts)


def _tone(word: str, base_hertz: float, speed: float) -> npt.NDArray[np.float32]:
    count = _sample_count((_WORD_SECONDS + _LETTER_SECONDS * len(word)) / speed)
    step = zlib.crc32(word.encode("utf-8")) % _PITCH_STEPS
    hertz = base_hertz * 2.0 ** (step / _PITCH_STEPS)
    phase = 2.0 * np.pi * hertz * np.arange(count, dtype=np.float64) / SAMPLE_RATE
    wave: npt.NDArray[np.float64] = _AMPLITUDE * np.sin(phase)
    fade = min(_sample_count(_FADE_SECONDS), count // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, endpoint=False)
        wave[:fade] *= ramp
        wave[count - fade :] *= ramp[::-1]
    return wave.astype(np.float32)


def _silence(seconds: float) -> npt.NDArray[np.float32]:
    return np.zeros(_sample_count(seconds), dtype=np.float32)


def _sample_count(seconds: float) -> int:
    return max(1, round(seconds * SAMPLE_RATE))


def _problem() -> str | None:
    if enabled():
        return None
    return f"a voice for tests only, off unless {ENABLE_ENV_VAR}=1 is set"


def _listed(voice: str) -> str:
    name = voice.strip().lower()
    if name not in dict(_CATALOGUE):
        known = ", ".join(name for name, _ in _CATALOGUE)
        raise UnknownVoiceError(f"Unknown voice {voice!r}; the tone voices are: {known}.")
    return name
