"""The `tone` test voice: deterministic, paced by the speed, off unless switched on."""

from __future__ import annotations

import numpy as np
import pytest

from pdf2audiobook.pipeline.voices import (
    UnknownVoiceError,
    VoiceUnavailableError,
    get_provider,
    provider_statuses,
    tone,
)
from pdf2audiobook.pipeline.voices.pricing import cost_of
from pdf2audiobook.pipeline.voices.tone import ToneProvider

SENTENCE = "The lighthouse keeper climbed the stairs and lit the great lamp before dusk."


@pytest.fixture
def switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(tone.ENABLE_ENV_VAR, "1")
    monkeypatch.delenv(tone.SECONDS_PER_CHUNK_ENV_VAR, raising=False)


@pytest.fixture
def naps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the provider asks for, recorded instead of slept."""
    asked: list[float] = []
    monkeypatch.setattr(tone, "sleep", asked.append)
    return asked


def test_unavailable_with_the_reason_unless_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tone.ENABLE_ENV_VAR, raising=False)
    provider = get_provider("tone")

    status = next(s for s in provider_statuses() if s.name == "tone")
    assert not status.available
    assert status.reason is not None
    assert tone.ENABLE_ENV_VAR in status.reason
    assert status.voices
    assert not any(voice.available for voice in status.voices)
    with pytest.raises(VoiceUnavailableError, match=tone.ENABLE_ENV_VAR):
        provider.resolve_voice(None, None)
    with pytest.raises(VoiceUnavailableError):
        provider.text_to_audio(SENTENCE, "high", 1.0)


@pytest.mark.usefixtures("switched_on")
def test_switched_on_it_lists_a_voice_of_each_type_and_costs_nothing() -> None:
    provider = ToneProvider()

    status = provider.status()
    assert status.available
    assert {(voice.name, voice.voice_type) for voice in status.voices} == {
        ("high", "female"),
        ("low", "male"),
    }
    assert provider.resolve_voice(None, None) == "high"
    assert provider.resolve_voice(None, "male") == "low"
    assert provider.resolve_voice("LOW", None) == "low"
    with pytest.raises(UnknownVoiceError):
        provider.resolve_voice("heart", None)
    assert cost_of("tone", 1_000_000) == 0.0


@pytest.mark.usefixtures("switched_on")
def test_the_same_text_gives_the_same_samples_and_other_text_other_samples() -> None:
    provider = ToneProvider()

    first = provider.text_to_audio(SENTENCE, "high", 1.0)
    again = provider.text_to_audio(SENTENCE, "high", 1.0)
    other = provider.text_to_audio(SENTENCE.replace("lamp", "fire"), "high", 1.0)
    male = provider.text_to_audio(SENTENCE, "low", 1.0)

    assert first.sample_rate == provider.sample_rate("high") == tone.SAMPLE_RATE
    assert first.samples.dtype == np.float32
    assert np.array_equal(first.samples, again.samples)
    assert not np.array_equal(first.samples, other.samples)
    assert len(male.samples) == len(first.samples)
    assert not np.array_equal(first.samples, male.samples)
    # Quiet but not silent, and never clipped.
    assert 0.01 < np.abs(first.samples).max() <= 0.2
    assert provider.engine_version("high") != provider.engine_version("low")


@pytest.mark.usefixtures("switched_on")
def test_length_follows_the_text_and_the_speed() -> None:
    provider = ToneProvider()

    short = provider.text_to_audio("Dusk.", "high", 1.0).duration
    natural = provider.text_to_audio(SENTENCE, "high", 1.0).duration
    fast = provider.text_to_audio(SENTENCE, "high", 2.0).duration
    slow = provider.text_to_audio(SENTENCE, "high", 0.5).duration

    assert 0 < short < natural
    assert fast / natural == pytest.approx(0.5, rel=0.02)
    assert slow / natural == pytest.approx(2.0, rel=0.02)
    assert provider.text_to_audio(" \n ", "high", 1.0).duration == 0.0


@pytest.mark.usefixtures("switched_on")
def test_each_chunk_takes_the_configured_time(
    monkeypatch: pytest.MonkeyPatch, naps: list[float]
) -> None:
    provider = ToneProvider()

    provider.text_to_audio(SENTENCE, "high", 1.0)
    assert naps == []  # fast by default

    monkeypatch.setenv(tone.SECONDS_PER_CHUNK_ENV_VAR, "0.25")
    provider.text_to_audio(SENTENCE, "high", 1.0)
    provider.text_to_audio("Another chunk.", "low", 1.5)
    assert naps == [0.25, 0.25]

    monkeypatch.setenv(tone.SECONDS_PER_CHUNK_ENV_VAR, "-1")
    with pytest.raises(ValueError, match=tone.SECONDS_PER_CHUNK_ENV_VAR):
        provider.text_to_audio(SENTENCE, "high", 1.0)
