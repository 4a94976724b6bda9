"""The local provider: hibari and piper voices, speeds, voice choice and offline behaviour."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from pdf2audiobook.pipeline.voices import (
    ChunkTooLongError,
    InvalidSpeedError,
    UnknownVoiceError,
    VoiceUnavailableError,
    get_provider,
    hibari_engine,
)
from pdf2audiobook.pipeline.voices.local import LocalProvider

SENTENCE = "The lighthouse keeper climbed the stairs and lit the great lamp before dusk."


@pytest.fixture
def provider() -> LocalProvider:
    return LocalProvider()


@pytest.fixture
def empty_hibari_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A hibari cache directory holding no downloaded voices."""
    home = tmp_path / "hibari-home"
    home.mkdir()
    monkeypatch.setenv("HIBARI_HOME", str(home))
    return home


def test_heart_speaks_a_sentence_as_float32_at_24_khz(provider: LocalProvider) -> None:
    audio = provider.text_to_audio(SENTENCE, "heart", 1.0)

    assert audio.sample_rate == 24_000
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    # 13 words at a natural pace of 2.5 to 3.5 words per second.
    assert 3.0 < audio.duration < 6.0
    assert np.abs(audio.samples).max() <= 1.0
    assert np.sqrt(np.mean(audio.samples**2)) > 0.01


def test_heart_duration_scales_with_speed(provider: LocalProvider) -> None:
    natural = provider.text_to_audio(SENTENCE, "heart", 1.0).duration
    slow = provider.text_to_audio(SENTENCE, "heart", 0.5).duration
    fast = provider.text_to_audio(SENTENCE, "heart", 2.0).duration

    assert slow / natural == pytest.approx(2.0, rel=0.1)
    assert fast / natural == pytest.approx(0.57, rel=0.1)


def test_heart_is_deterministic(provider: LocalProvider) -> None:
    first = provider.text_to_audio(SENTENCE, "heart", 1.0)
    second = provider.text_to_audio(SENTENCE, "heart", 1.0)

    np.testing.assert_array_equal(first.samples, second.samples)


def test_joe_speaks_as_float32_at_22050_hz(provider: LocalProvider) -> None:
    audio = provider.text_to_audio(SENTENCE, "joe", 1.25)

    assert audio.sample_rate == 22_050
    assert provider.sample_rate("joe") == 22_050
    assert audio.samples.dtype == np.float32
    assert 2.0 < audio.duration < 5.5
    assert np.abs(audio.samples).max() <= 1.0


def test_joe_duration_scales_with_speed(provider: LocalProvider) -> None:
    natural = provider.text_to_audio(SENTENCE, "joe", 1.0).duration
    slow = provider.text_to_audio(SENTENCE, "joe", 0.5).duration

    # piper stretches phonemes by 1/speed but not every pause (tts-audio.md §2).
    assert 1.6 < slow / natural < 2.1


@pytest.mark.parametrize("speed", [0.49, 2.01, 0.0, -1.0, float("nan")])
def test_speed_out_of_range_is_refused(provider: LocalProvider, speed: float) -> None:
    with pytest.raises(InvalidSpeedError, match=r"0\.5.*2\.0"):
        provider.text_to_audio(SENTENCE, "heart", speed)


def test_text_longer_than_max_chars_is_refused(provider: LocalProvider) -> None:
    with pytest.raises(ChunkTooLongError, match="at most 400"):
        provider.text_to_audio("word " * 100, "heart", 1.0)


def test_text_with_nothing_to_say_gives_empty_audio(provider: LocalProvider) -> None:
    audio = provider.text_to_audio(" \n\t ", "heart", 1.0)

    assert audio.duration == 0.0
    assert audio.sample_rate == 24_000


@pytest.mark.parametrize("voice", ["heart", "joe"])
def test_messy_document_text_is_spoken(provider: LocalProvider, voice: str) -> None:
    # A 40-digit number breaks hibari's number reading, piper would read "[[...]]" as
    # phonemes and refuses a NUL character; none of these may stop a book.
    text = "Serial 1234567890123456789012345678901234567890, see [[note]] here\x00."

    assert provider.text_to_audio(text, voice, 1.0).duration > 3.0


@pytest.mark.parametrize(
    ("voice", "voice_type", "expected"),
    [
        (None, None, "heart"),
        (None, "default", "heart"),
        (None, "female", "heart"),
        (None, "male", "joe"),
        ("male", None, "joe"),
        ("Joe", None, "joe"),
        ("heart", "female", "heart"),
    ],
)
def test_voice_choice(
    provider: LocalProvider, voice: str | None, voice_type: str | None, expected: str
) -> None:
    assert provider.resolve_voice(voice, voice_type) == expected


def test_unknown_voice_and_type_are_named(provider: LocalProvider) -> None:
    with pytest.raises(UnknownVoiceError, match=r"'bob'.*heart, joe"):
        provider.resolve_voice("bob", None)
    with pytest.raises(UnknownVoiceError, match="'robot'"):
        provider.resolve_voice(None, "robot")
    with pytest.raises(UnknownVoiceError, match="'joe' is male, not female"):
        provider.resolve_voice("joe", "female")


@pytest.mark.usefixtures("empty_hibari_home")
def test_undownloaded_hibari_voice_is_unavailable_with_reason(provider: LocalProvider) -> None:
    home = Path(hibari_engine.cache_dir())
    fenrir = next(voice for voice in provider.status().voices if voice.name == "fenrir")

    assert not fenrir.available
    assert fenrir.reason is not None
    assert fenrir.reason.startswith("not installed: hibari downloads this voice on first use")
    assert f"copy am_fenrir_v2.int8.onnx to {home}" in fenrir.reason


@pytest.mark.usefixtures("empty_hibari_home")
def test_undownloaded_hibari_voice_fails_fast_without_network(provider: LocalProvider) -> None:
    with pytest.raises(VoiceUnavailableError, match=r"copy am_fenrir_v2\.int8\.onnx"):
        provider.text_to_audio(SENTENCE, "fenrir", 1.0)
    voice = hibari_engine.voice_named("fenrir")
    assert voice is not None
    # Loading directly, past the availability check, must not try to download either.
    with pytest.raises(VoiceUnavailableError, match="not installed"):
        hibari_engine.load(voice)


def test_damaged_hibari_voice_file_is_reported(
    provider: LocalProvider, empty_hibari_home: Path
) -> None:
    (empty_hibari_home / "af_kore.int8.onnx").write_bytes(b"partial download")
    kore = next(voice for voice in provider.status().voices if voice.name == "kore")
    assert not kore.available
    assert kore.reason is not None
    assert "incomplete" in kore.reason

    voice = hibari_engine.voice_named("kore")
    assert voice is not None
    (empty_hibari_home / "af_kore.int8.onnx").write_bytes(bytes(voice.size_bytes))
    with pytest.raises(VoiceUnavailableError, match="'kore' could not be loaded"):
        hibari_engine.load(voice)


@pytest.mark.usefixtures("empty_hibari_home")
def test_male_voice_without_piper_is_unavailable_with_reason(
    provider: LocalProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A None entry in sys.modules is how Python marks a module as not importable.
    monkeypatch.setitem(sys.modules, "piper", None)

    joe = next(voice for voice in provider.status().voices if voice.name == "joe")
    assert not joe.available
    assert joe.reason is not None
    assert "pdf2audiobook[piper]" in joe.reason
    with pytest.raises(VoiceUnavailableError, match=r"No male voice.*joe: not installed"):
        provider.resolve_voice(None, "male")
    assert provider.status().available


def test_engine_version_names_package_and_model(provider: LocalProvider) -> None:
    assert "hibari-tts 0.2." in provider.engine_version("heart")
    assert "sha256" in provider.engine_version("heart")
    assert "en_US-joe-medium" in provider.engine_version("joe")
    with pytest.raises(UnknownVoiceError):
        provider.engine_version("bob")


def test_registry_gives_the_same_provider() -> None:
    assert isinstance(get_provider("local"), LocalProvider)
