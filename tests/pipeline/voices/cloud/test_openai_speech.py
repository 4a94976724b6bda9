"""The `openai` provider against a local server speaking OpenAI's speech protocol."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from pdf2audiobook.pipeline.voices.base import MAX_SPEED, MIN_SPEED
from pdf2audiobook.pipeline.voices.cloud.errors import (
    ProviderAuthError,
    ProviderOutageError,
    ProviderRequestError,
)
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy
from pdf2audiobook.pipeline.voices.cloud.openai_speech import (
    OpenAIProvider,
    OpenAISpeechSettings,
    api_root,
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

KEY = "sk-test-key"
SENTENCE = "The lighthouse keeper climbed the stairs and lit the great lamp before dusk."
ATTEMPTS = 3


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as fake:
        yield fake


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


@pytest.fixture
def waits() -> list[float]:
    """Every wait the retry policy asked for, in seconds; none is spent."""
    return []


def settings_for(
    server: FakeOpenAI, *, api_key: str | None = KEY, model: str = "tts-1"
) -> OpenAISpeechSettings:
    return OpenAISpeechSettings(
        _env_file=None, api_key=api_key, base_url=server.url, tts_model=model
    )


@pytest.fixture
def provider(server: FakeOpenAI, client: httpx.Client, waits: list[float]) -> OpenAIProvider:
    return OpenAIProvider(
        settings_for(server),
        client=client,
        policy=RetryPolicy(attempts=ATTEMPTS, sleep=waits.append),
    )


def test_speaks_a_sentence_as_float32_at_24_khz_of_the_length_sent(
    provider: OpenAIProvider, server: FakeOpenAI
) -> None:
    audio = provider.text_to_audio(SENTENCE, "alloy", 1.0)

    assert audio.sample_rate == 24_000 == provider.sample_rate("alloy")
    assert audio.samples.dtype == np.float32
    assert len(audio.samples) == spoken_samples(SENTENCE, 1.0, 24_000)
    assert 0.1 < np.abs(audio.samples).max() <= 1.0
    (request,) = server.requests
    assert request.path == "/v1/audio/speech"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json() == {
        "model": "tts-1",
        "input": SENTENCE,
        "voice": "alloy",
        "speed": 1.0,
        "response_format": "pcm",
    }


@pytest.mark.parametrize("speed", [MIN_SPEED, 1.5, MAX_SPEED])
def test_speed_reaches_the_request_and_shortens_the_audio(
    provider: OpenAIProvider, server: FakeOpenAI, speed: float
) -> None:
    audio = provider.text_to_audio(SENTENCE, "nova", speed)

    assert server.requests[-1].json()["speed"] == speed
    assert len(audio.samples) == spoken_samples(SENTENCE, speed, 24_000)


@pytest.mark.parametrize(
    ("voice", "voice_type", "expected"),
    [
        (None, None, "alloy"),
        (None, "default", "alloy"),
        (None, "female", "nova"),
        (None, "male", "onyx"),
        ("male", None, "onyx"),
        ("Shimmer", None, "shimmer"),
        ("echo", "male", "echo"),
    ],
)
def test_voice_types_follow_the_spec_and_any_built_in_voice_can_be_named(
    provider: OpenAIProvider, voice: str | None, voice_type: str | None, expected: str
) -> None:
    assert provider.resolve_voice(voice, voice_type) == expected


def test_the_resolved_voice_is_the_one_requested(
    provider: OpenAIProvider, server: FakeOpenAI
) -> None:
    provider.text_to_audio("Good night.", provider.resolve_voice(None, "male"), 1.0)

    assert server.requests[-1].json()["voice"] == "onyx"


def test_unknown_voices_and_types_and_a_type_mismatch_are_refused(
    provider: OpenAIProvider,
) -> None:
    with pytest.raises(UnknownVoiceError, match="alloy, ash"):
        provider.resolve_voice("bob", None)
    with pytest.raises(UnknownVoiceError, match="voice type"):
        provider.resolve_voice(None, "child")
    with pytest.raises(UnknownVoiceError, match="'nova' is female, not male"):
        provider.resolve_voice("nova", "male")


def test_newer_voices_need_a_newer_model(
    server: FakeOpenAI, client: httpx.Client, waits: list[float]
) -> None:
    legacy = OpenAIProvider(settings_for(server, model="tts-1"), client=client)
    newer = OpenAIProvider(
        settings_for(server, model="gpt-4o-mini-tts"),
        client=client,
        policy=RetryPolicy(sleep=waits.append),
    )

    with pytest.raises(VoiceUnavailableError, match="OPENAI_TTS_MODEL=gpt-4o-mini-tts"):
        legacy.resolve_voice("marin", None)
    marin = {v.name: v for v in legacy.status().voices}["marin"]
    assert not marin.available
    assert newer.resolve_voice("marin", None) == "marin"
    assert len(newer.text_to_audio("Hello there.", "marin", 1.0).samples) > 0
    assert server.requests[-1].json()["model"] == "gpt-4o-mini-tts"


def test_engine_version_names_the_model(server: FakeOpenAI) -> None:
    hd = OpenAIProvider(settings_for(server, model="tts-1-hd"))

    assert "model=tts-1-hd" in hd.engine_version("alloy")
    assert hd.engine_version("alloy") != OpenAIProvider(settings_for(server)).engine_version(
        "alloy"
    )
    with pytest.raises(UnknownVoiceError):
        hd.engine_version("bob")


def test_a_429_is_waited_out_as_long_as_retry_after_says_then_succeeds(
    provider: OpenAIProvider, server: FakeOpenAI, waits: list[float]
) -> None:
    server.plan(fake_openai.rate_limited(retry_after="7"))

    audio = provider.text_to_audio(SENTENCE, "alloy", 1.0)

    assert len(audio.samples) == spoken_samples(SENTENCE, 1.0, 24_000)
    assert waits == [7.0]
    assert len(server.requests) == 2


def test_repeated_server_errors_end_as_an_outage_after_every_try(
    provider: OpenAIProvider, server: FakeOpenAI, waits: list[float]
) -> None:
    server.plan(*[fake_openai.server_error()] * ATTEMPTS)

    with pytest.raises(ProviderOutageError, match="openai"):
        provider.text_to_audio(SENTENCE, "alloy", 1.0)
    assert len(server.requests) == ATTEMPTS
    assert len(waits) == ATTEMPTS - 1


def test_a_wrong_key_fails_at_once_without_retrying(
    server: FakeOpenAI, client: httpx.Client, waits: list[float]
) -> None:
    provider = OpenAIProvider(
        settings_for(server, api_key="sk-wrong"),
        client=client,
        policy=RetryPolicy(attempts=ATTEMPTS, sleep=waits.append),
    )

    with pytest.raises(ProviderAuthError, match="invalid_api_key"):
        provider.text_to_audio(SENTENCE, "alloy", 1.0)
    assert len(server.requests) == 1
    assert waits == []


def test_text_over_4096_characters_is_refused_before_any_request(
    provider: OpenAIProvider, server: FakeOpenAI
) -> None:
    with pytest.raises(ChunkTooLongError, match="4096"):
        provider.text_to_audio("a" * 4097, "alloy", 1.0)
    assert server.requests == []


def test_exactly_4096_characters_are_spoken(provider: OpenAIProvider) -> None:
    audio = provider.text_to_audio("a" * 4096, "alloy", 2.0)

    assert len(audio.samples) == spoken_samples("a" * 4096, 2.0, 24_000)


def test_the_fake_refuses_a_longer_input_as_openai_does(
    server: FakeOpenAI, client: httpx.Client
) -> None:
    answer = client.post(
        f"{server.url}/v1/audio/speech",
        headers={"Authorization": f"Bearer {KEY}"},
        json={"model": "tts-1", "input": "a" * 4097, "voice": "alloy", "response_format": "pcm"},
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert "at most 4096 characters" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "tts-1", "voice": "alloy"}, "Missing required parameter: 'input'"),
        (
            {"model": "tts-1", "input": "Hi.", "voice": "alloy", "pitch": 2},
            "Unrecognized request argument supplied: pitch",
        ),
    ],
    ids=["missing-field", "unknown-field"],
)
def test_the_fake_refuses_a_body_outside_the_schema(
    server: FakeOpenAI, client: httpx.Client, body: dict[str, object], message: str
) -> None:
    answer = client.post(
        f"{server.url}/v1/audio/speech", headers={"Authorization": f"Bearer {KEY}"}, json=body
    )

    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]


def test_a_refused_request_fails_at_once_as_a_request_error(
    server: FakeOpenAI, client: httpx.Client, waits: list[float]
) -> None:
    provider = OpenAIProvider(
        settings_for(server, model="tts-2-does-not-exist"),
        client=client,
        policy=RetryPolicy(sleep=waits.append),
    )

    with pytest.raises(ProviderRequestError, match="404"):
        provider.text_to_audio(SENTENCE, "alloy", 1.0)
    assert len(server.requests) == 1


def test_without_a_key_every_voice_is_unavailable_with_the_reason(server: FakeOpenAI) -> None:
    provider = OpenAIProvider(settings_for(server, api_key=None))

    status = provider.status()

    assert not status.available
    assert status.reason == "set OPENAI_API_KEY"
    assert status.voices
    assert all(v.reason == "set OPENAI_API_KEY" for v in status.voices)
    with pytest.raises(VoiceUnavailableError, match="set OPENAI_API_KEY"):
        provider.resolve_voice(None, None)
    assert server.requests == []


def test_with_a_key_the_spec_voices_are_available(provider: OpenAIProvider) -> None:
    status = provider.status()
    voices = {v.name: v for v in status.voices}

    assert status.available
    assert status.reason is None
    assert all(voices[name].available for name in ("alloy", "nova", "onyx"))
    assert (voices["nova"].voice_type, voices["onyx"].voice_type) == ("female", "male")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"status": "queued"}', "application/json"),
        (b"\x00\x01\x02", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
    ids=["json", "odd-bytes", "empty"],
)
def test_a_200_without_proper_audio_is_malformed_audio(
    provider: OpenAIProvider, server: FakeOpenAI, body: bytes, content_type: str
) -> None:
    server.plan(fake_openai.malformed(body, content_type))

    with pytest.raises(MalformedAudioError):
        provider.text_to_audio(SENTENCE, "alloy", 1.0)


def test_settings_come_from_the_documented_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://proxy.example:8080/v1")
    monkeypatch.setenv("OPENAI_TTS_MODEL", "tts-1-hd")

    settings = OpenAISpeechSettings(_env_file=None)

    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "sk-from-env"
    assert api_root(settings.base_url) == "http://proxy.example:8080"
    assert settings.tts_model == "tts-1-hd"


def test_defaults_are_openai_itself_and_tts_1(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_TTS_MODEL"):
        monkeypatch.delenv(name, raising=False)

    settings = OpenAISpeechSettings(_env_file=None)

    assert (settings.api_key, settings.base_url, settings.tts_model) == (
        None,
        "https://api.openai.com",
        "tts-1",
    )


def test_a_base_url_ending_in_v1_reaches_the_same_endpoint(
    server: FakeOpenAI, client: httpx.Client
) -> None:
    settings = OpenAISpeechSettings(
        _env_file=None, api_key=KEY, base_url=f"{server.url}/v1/", tts_model="tts-1"
    )

    OpenAIProvider(settings, client=client).text_to_audio("Hello.", "alloy", 1.0)

    assert server.requests[-1].path == "/v1/audio/speech"


def test_provider_identity_and_limits() -> None:
    assert OpenAIProvider.name == "openai"
    assert OpenAIProvider.max_chars == 4096
    assert OpenAIProvider.max_concurrency >= 1
