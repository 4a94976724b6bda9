"""The `openai-compatible` provider against local OpenAI-style speech servers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from pdf2audiobook.pipeline.voices.cloud.errors import ProviderAuthError, ProviderRequestError
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy
from pdf2audiobook.pipeline.voices.cloud.openai_compatible import (
    OpenAICompatibleProvider,
    OpenAICompatibleSettings,
)
from pdf2audiobook.pipeline.voices.cloud.pcm import MalformedAudioError
from pdf2audiobook.pipeline.voices.errors import (
    ChunkTooLongError,
    UnknownVoiceError,
    VoiceUnavailableError,
)
from tests.pipeline.voices.cloud import fake_openai
from tests.pipeline.voices.cloud.fake_openai import FakeOpenAI
from tests.pipeline.voices.cloud.fake_service import spoken_samples

SENTENCE = "A small boat drifted past the mill while the miller counted sacks of flour."
KOKORO_VOICES = frozenset({"af_heart", "am_adam", "alloy"})


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


@pytest.fixture
def waits() -> list[float]:
    return []


def settings_for(
    base_url: str | None,
    *,
    api_key: str | None = None,
    sample_rate: int = 24_000,
    voice: str = "af_heart",
    voice_type: str = "female",
) -> OpenAICompatibleSettings:
    return OpenAICompatibleSettings(
        _env_file=None,
        base_url=base_url,
        model="kokoro",
        voice=voice,
        voice_type=voice_type,
        api_key=api_key,
        sample_rate=sample_rate,
    )


def provider_for(
    settings: OpenAICompatibleSettings, client: httpx.Client, waits: list[float]
) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(
        settings, client=client, policy=RetryPolicy(attempts=3, sleep=waits.append)
    )


def kokoro_like(*, answer_wav: bool = False, sample_rate: int = 24_000) -> FakeOpenAI:
    """A server without authentication, with its own model and voice names."""
    return FakeOpenAI(
        api_key=None,
        voices=KOKORO_VOICES,
        models=frozenset({"kokoro"}),
        answer_wav=answer_wav,
        sample_rate=sample_rate,
    )


def test_asks_for_raw_pcm_and_speaks_it_at_the_configured_rate(
    client: httpx.Client, waits: list[float]
) -> None:
    with kokoro_like() as server:
        provider = provider_for(settings_for(server.url), client, waits)
        audio = provider.text_to_audio(SENTENCE, provider.resolve_voice(None, None), 1.25)

    assert audio.sample_rate == 24_000 == provider.sample_rate("af_heart")
    assert audio.samples.dtype == np.float32
    assert len(audio.samples) == spoken_samples(SENTENCE, 1.25, 24_000)
    (request,) = server.requests
    assert "authorization" not in request.headers
    assert request.json() == {
        "model": "kokoro",
        "input": SENTENCE,
        "voice": "af_heart",
        "speed": 1.25,
        "response_format": "pcm",
    }


def test_a_server_answering_wav_regardless_of_the_format_asked_is_understood(
    client: httpx.Client, waits: list[float]
) -> None:
    with kokoro_like(answer_wav=True, sample_rate=22_050) as server:
        provider = provider_for(settings_for(server.url, sample_rate=22_050), client, waits)
        audio = provider.text_to_audio(SENTENCE, "af_heart", 1.0)

    assert server.requests[-1].json()["response_format"] == "pcm"
    assert audio.sample_rate == 22_050
    assert len(audio.samples) == spoken_samples(SENTENCE, 1.0, 22_050)


def test_a_wav_at_another_rate_than_configured_says_which_setting_to_fix(
    client: httpx.Client, waits: list[float]
) -> None:
    with kokoro_like(answer_wav=True, sample_rate=22_050) as server:
        provider = provider_for(settings_for(server.url), client, waits)
        with pytest.raises(MalformedAudioError, match="OPENAI_COMPATIBLE_SAMPLE_RATE"):
            provider.text_to_audio(SENTENCE, "af_heart", 1.0)


def test_raw_pcm_is_read_at_the_configured_rate(client: httpx.Client, waits: list[float]) -> None:
    with kokoro_like(sample_rate=16_000) as server:
        provider = provider_for(settings_for(server.url, sample_rate=16_000), client, waits)
        audio = provider.text_to_audio(SENTENCE, "af_heart", 1.0)

    assert audio.sample_rate == 16_000
    assert len(audio.samples) == spoken_samples(SENTENCE, 1.0, 16_000)


def test_a_configured_key_is_sent_as_a_bearer_token(
    client: httpx.Client, waits: list[float]
) -> None:
    with FakeOpenAI(api_key="local-secret", voices=None, models=None) as server:
        provider = provider_for(settings_for(server.url, api_key="local-secret"), client, waits)
        provider.text_to_audio("Hello.", "af_heart", 1.0)
        unkeyed = provider_for(settings_for(server.url), client, waits)
        with pytest.raises(ProviderAuthError):
            unkeyed.text_to_audio("Hello.", "af_heart", 1.0)

    assert server.requests[0].headers["authorization"] == "Bearer local-secret"
    assert len(server.requests) == 2


def test_a_named_voice_is_passed_to_the_server_which_refuses_unknown_ones(
    client: httpx.Client, waits: list[float]
) -> None:
    with kokoro_like() as server:
        provider = provider_for(settings_for(server.url), client, waits)
        assert provider.resolve_voice("am_adam", "male") == "am_adam"
        provider.text_to_audio("Hello.", "am_adam", 1.0)
        with pytest.raises(ProviderRequestError, match="400"):
            provider.text_to_audio("Hello.", "nobody", 1.0)

    assert [r.json()["voice"] for r in server.requests] == ["am_adam", "nobody"]


def test_voice_types_resolve_to_the_configured_voice_of_that_type_only(
    client: httpx.Client, waits: list[float]
) -> None:
    provider = provider_for(settings_for("http://tts.local:8880/v1"), client, waits)

    assert provider.resolve_voice(None, None) == "af_heart"
    assert provider.resolve_voice(None, "female") == "af_heart"
    assert provider.resolve_voice("default", None) == "af_heart"
    with pytest.raises(UnknownVoiceError, match="OPENAI_COMPATIBLE_VOICE_TYPE"):
        provider.resolve_voice(None, "male")
    with pytest.raises(UnknownVoiceError, match="'af_heart' is female, not male"):
        provider.resolve_voice("af_heart", "male")
    with pytest.raises(UnknownVoiceError, match="not male"):
        provider.resolve_voice("male", None)
    with pytest.raises(UnknownVoiceError, match="voice type"):
        provider.resolve_voice(None, "robot")


def test_without_a_base_url_the_provider_is_unavailable_with_the_reason(
    client: httpx.Client, waits: list[float]
) -> None:
    provider = provider_for(settings_for(None), client, waits)

    status = provider.status()

    assert not status.available
    assert status.reason == "set OPENAI_COMPATIBLE_BASE_URL"
    assert [v.reason for v in status.voices] == ["set OPENAI_COMPATIBLE_BASE_URL"]
    with pytest.raises(VoiceUnavailableError, match="set OPENAI_COMPATIBLE_BASE_URL"):
        provider.resolve_voice(None, None)


def test_status_lists_the_configured_voice_without_contacting_the_server(
    client: httpx.Client, waits: list[float]
) -> None:
    provider = provider_for(
        settings_for("http://127.0.0.1:9/v1", voice="am_adam", voice_type="male"), client, waits
    )

    status = provider.status()

    assert status.available
    (voice,) = status.voices
    assert (voice.name, voice.voice_type, voice.available) == ("am_adam", "male", True)
    assert "http://127.0.0.1:9" in voice.description


def test_text_over_the_limit_is_refused_before_any_request(
    client: httpx.Client, waits: list[float]
) -> None:
    with kokoro_like() as server:
        provider = provider_for(settings_for(server.url), client, waits)
        with pytest.raises(ChunkTooLongError):
            provider.text_to_audio("a" * (provider.max_chars + 1), "af_heart", 1.0)

    assert server.requests == []


def test_a_429_then_success_waits_as_asked(client: httpx.Client, waits: list[float]) -> None:
    with kokoro_like() as server:
        server.plan(fake_openai.rate_limited(retry_after="3"))
        provider = provider_for(settings_for(server.url), client, waits)
        provider.text_to_audio("Hello.", "af_heart", 1.0)

    assert waits == [3.0]
    assert len(server.requests) == 2


def engine_version_of(
    base_url: str = "http://a:1", model: str = "kokoro", sample_rate: int = 24_000
) -> str:
    settings = OpenAICompatibleSettings(
        _env_file=None, base_url=base_url, model=model, sample_rate=sample_rate
    )
    return OpenAICompatibleProvider(settings).engine_version("af_heart")


def test_engine_version_changes_with_server_model_and_rate_only() -> None:
    versions = {
        engine_version_of(),
        engine_version_of(base_url="http://b:1"),
        engine_version_of(model="other"),
        engine_version_of(sample_rate=22_050),
    }

    assert engine_version_of(base_url="http://a:1/v1/") == engine_version_of()
    assert len(versions) == 4


def test_settings_come_from_the_documented_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_COMPATIBLE_BASE_URL", "http://localhost:8880/v1")
    monkeypatch.setenv("OPENAI_COMPATIBLE_MODEL", "kokoro")
    monkeypatch.setenv("OPENAI_COMPATIBLE_VOICE", "am_adam")
    monkeypatch.setenv("OPENAI_COMPATIBLE_VOICE_TYPE", "male")
    monkeypatch.setenv("OPENAI_COMPATIBLE_API_KEY", "local-secret")
    monkeypatch.setenv("OPENAI_COMPATIBLE_SAMPLE_RATE", "22050")

    settings = OpenAICompatibleSettings(_env_file=None)

    assert settings.base_url == "http://localhost:8880/v1"
    assert (settings.model, settings.voice, settings.voice_type) == ("kokoro", "am_adam", "male")
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "local-secret"
    assert settings.sample_rate == 22_050


def test_provider_identity_and_limits() -> None:
    assert OpenAICompatibleProvider.name == "openai-compatible"
    assert 0 < OpenAICompatibleProvider.max_chars <= 4096
    assert OpenAICompatibleProvider.max_concurrency >= 1
