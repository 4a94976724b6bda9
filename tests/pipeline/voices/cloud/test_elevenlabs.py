"""The `elevenlabs` provider against a local server speaking ElevenLabs' speech protocol."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from pdf2audiobook.pipeline.voices.cloud.elevenlabs import (
    ElevenLabsProvider,
    ElevenLabsSettings,
)
from pdf2audiobook.pipeline.voices.cloud.errors import (
    ProviderAuthError,
    ProviderOutageError,
    ProviderRequestError,
)
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy
from pdf2audiobook.pipeline.voices.cloud.pcm import MalformedAudioError
from pdf2audiobook.pipeline.voices.errors import (
    ChunkTooLongError,
    InvalidSpeedError,
    UnknownVoiceError,
    VoiceUnavailableError,
)
from tests.pipeline.voices.cloud import fake_elevenlabs
from tests.pipeline.voices.cloud.fake_elevenlabs import ADAM, RACHEL, FakeElevenLabs
from tests.pipeline.voices.cloud.fake_service import spoken_samples

KEY = "xi-test-key"
LIBRARY_VOICE = "AbCdEfGhIjKlMnOpQrSt"
SENTENCE = "Everyone in the village had heard the story at least once, and most had told it twice."
ATTEMPTS = 3


@pytest.fixture
def server() -> Iterator[FakeElevenLabs]:
    with FakeElevenLabs(api_key=KEY, voices=frozenset({RACHEL, ADAM, LIBRARY_VOICE})) as fake:
        yield fake


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


@pytest.fixture
def waits() -> list[float]:
    """Every wait the retry policy asked for, in seconds; none is spent."""
    return []


def provider_for(
    server: FakeElevenLabs,
    client: httpx.Client,
    waits: list[float],
    *,
    api_key: str | None = KEY,
    model: str = "eleven_multilingual_v2",
) -> ElevenLabsProvider:
    settings = ElevenLabsSettings(_env_file=None, api_key=api_key, base_url=server.url, model=model)
    return ElevenLabsProvider(
        settings, client=client, policy=RetryPolicy(attempts=ATTEMPTS, sleep=waits.append)
    )


@pytest.fixture
def provider(
    server: FakeElevenLabs, client: httpx.Client, waits: list[float]
) -> ElevenLabsProvider:
    return provider_for(server, client, waits)


def test_speaks_a_sentence_as_float32_at_24_khz_with_the_documented_request(
    provider: ElevenLabsProvider, server: FakeElevenLabs
) -> None:
    audio = provider.text_to_audio(SENTENCE, "rachel", 1.0)

    assert audio.sample_rate == 24_000 == provider.sample_rate("rachel")
    assert audio.samples.dtype == np.float32
    assert len(audio.samples) == spoken_samples(SENTENCE, 1.0, 24_000)
    assert 0.1 < np.abs(audio.samples).max() <= 1.0
    (request,) = server.requests
    assert request.path == f"/v1/text-to-speech/{RACHEL}"
    assert request.query == {"output_format": ["pcm_24000"]}
    assert request.headers["xi-api-key"] == KEY
    assert request.json() == {
        "text": SENTENCE,
        "model_id": "eleven_multilingual_v2",
        "voice_settings": {"stability": 0.5, "similarity_boost": 0.75, "speed": 1.0},
    }


@pytest.mark.parametrize("speed", [0.7, 0.85, 1.2])
def test_speed_within_elevenlabs_range_reaches_the_request(
    provider: ElevenLabsProvider, server: FakeElevenLabs, speed: float
) -> None:
    audio = provider.text_to_audio(SENTENCE, "adam", speed)

    assert server.requests[-1].json()["voice_settings"]["speed"] == speed
    assert len(audio.samples) == spoken_samples(SENTENCE, speed, 24_000)


@pytest.mark.parametrize("speed", [0.5, 0.69, 1.21, 2.0])
def test_speed_outside_elevenlabs_range_is_refused_before_any_request(
    provider: ElevenLabsProvider, server: FakeElevenLabs, speed: float
) -> None:
    with pytest.raises(InvalidSpeedError, match=r"0\.7 to 1\.2"):
        provider.text_to_audio(SENTENCE, "rachel", speed)
    assert server.requests == []


def test_speed_outside_our_own_range_keeps_the_general_message(
    provider: ElevenLabsProvider,
) -> None:
    with pytest.raises(InvalidSpeedError, match=r"from 0\.5"):
        provider.text_to_audio(SENTENCE, "rachel", 3.0)


@pytest.mark.parametrize(
    ("voice", "voice_type", "expected"),
    [
        (None, None, "rachel"),
        (None, "female", "rachel"),
        (None, "male", "adam"),
        ("Rachel", None, "rachel"),
        ("ADAM", "male", "adam"),
        ("male", None, "adam"),
        (LIBRARY_VOICE, "male", LIBRARY_VOICE),
    ],
)
def test_voice_types_follow_the_spec_and_library_ids_pass_through(
    provider: ElevenLabsProvider, voice: str | None, voice_type: str | None, expected: str
) -> None:
    assert provider.resolve_voice(voice, voice_type) == expected


def test_each_voice_is_requested_by_its_public_id(
    provider: ElevenLabsProvider, server: FakeElevenLabs
) -> None:
    for voice in ("rachel", "adam", LIBRARY_VOICE):
        provider.text_to_audio("Good night.", provider.resolve_voice(voice, None), 1.0)

    assert [r.path.rsplit("/", 1)[-1] for r in server.requests] == [RACHEL, ADAM, LIBRARY_VOICE]


def test_unknown_voices_and_types_and_a_type_mismatch_are_refused(
    provider: ElevenLabsProvider,
) -> None:
    with pytest.raises(UnknownVoiceError, match="rachel, adam"):
        provider.resolve_voice("bella", None)
    with pytest.raises(UnknownVoiceError, match="voice type"):
        provider.resolve_voice(None, "child")
    with pytest.raises(UnknownVoiceError, match="'rachel' is female, not male"):
        provider.resolve_voice("rachel", "male")


def test_an_id_missing_from_the_account_is_a_request_error_after_one_try(
    provider: ElevenLabsProvider, server: FakeElevenLabs
) -> None:
    with pytest.raises(ProviderRequestError, match="voice_not_found"):
        provider.text_to_audio("Hello.", "ZzZzZzZzZzZzZzZzZzZz", 1.0)
    assert len(server.requests) == 1


def test_a_429_is_waited_out_as_long_as_retry_after_says_then_succeeds(
    provider: ElevenLabsProvider, server: FakeElevenLabs, waits: list[float]
) -> None:
    server.plan(fake_elevenlabs.rate_limited(retry_after="4"))

    audio = provider.text_to_audio(SENTENCE, "rachel", 1.0)

    assert len(audio.samples) == spoken_samples(SENTENCE, 1.0, 24_000)
    assert waits == [4.0]
    assert len(server.requests) == 2


def test_repeated_server_errors_end_as_an_outage_after_every_try(
    provider: ElevenLabsProvider, server: FakeElevenLabs, waits: list[float]
) -> None:
    server.plan(*[fake_elevenlabs.server_error()] * ATTEMPTS)

    with pytest.raises(ProviderOutageError, match="elevenlabs"):
        provider.text_to_audio(SENTENCE, "rachel", 1.0)
    assert len(server.requests) == ATTEMPTS
    assert len(waits) == ATTEMPTS - 1


def test_a_wrong_key_fails_at_once_without_retrying(
    server: FakeElevenLabs, client: httpx.Client, waits: list[float]
) -> None:
    provider = provider_for(server, client, waits, api_key="xi-wrong")

    with pytest.raises(ProviderAuthError, match="invalid_api_key") as raised:
        provider.text_to_audio(SENTENCE, "rachel", 1.0)
    assert len(server.requests) == 1
    assert waits == []
    # What a service shows its users names the status, never the provider's own answer.
    assert "invalid_api_key" not in raised.value.public_message
    assert "401" in raised.value.public_message


def test_text_over_the_limit_is_refused_before_any_request(
    provider: ElevenLabsProvider, server: FakeElevenLabs
) -> None:
    with pytest.raises(ChunkTooLongError, match="2500"):
        provider.text_to_audio("a" * 2501, "rachel", 1.0)
    assert server.requests == []


def test_a_plan_limit_below_ours_is_a_request_error_after_one_try(
    client: httpx.Client, waits: list[float]
) -> None:
    with FakeElevenLabs(api_key=KEY, character_limits={"eleven_multilingual_v2": 1_000}) as stingy:
        provider = provider_for(stingy, client, waits)
        provider.text_to_audio("a" * 1_000, "rachel", 1.0)
        with pytest.raises(ProviderRequestError, match="max_character_limit_exceeded"):
            provider.text_to_audio("a" * 1_001, "rachel", 1.0)

    assert len(stingy.requests) == 2
    assert waits == []


def test_the_configured_model_is_sent(
    server: FakeElevenLabs, client: httpx.Client, waits: list[float]
) -> None:
    flash = provider_for(server, client, waits, model="eleven_flash_v2_5")

    flash.text_to_audio("Hello.", "adam", 1.0)

    assert server.requests[-1].json()["model_id"] == "eleven_flash_v2_5"
    assert "model=eleven_flash_v2_5" in flash.engine_version("adam")


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"model_id": "eleven_multilingual_v2"}, 422, "missing"),
        ({"text": "Hi.", "voice_id": RACHEL}, 422, "extra_forbidden"),
        ({"text": "Hi.", "voice_settings": {"speed": 1.5}}, 422, "value_error"),
        ({"text": "a" * 10_001}, 400, "max_character_limit_exceeded"),
    ],
    ids=["missing-text", "unknown-field", "speed-out-of-range", "over-model-limit"],
)
def test_the_fake_refuses_what_elevenlabs_refuses(
    server: FakeElevenLabs, client: httpx.Client, body: dict[str, object], status: int, detail: str
) -> None:
    answer = client.post(
        f"{server.url}/v1/text-to-speech/{RACHEL}",
        params={"output_format": "pcm_24000"},
        headers={"xi-api-key": KEY},
        json=body,
    )

    assert answer.status_code == status
    assert detail in answer.text


def test_without_a_key_the_voices_are_unavailable_with_the_reason(
    server: FakeElevenLabs, client: httpx.Client, waits: list[float]
) -> None:
    provider = provider_for(server, client, waits, api_key=None)

    status = provider.status()

    assert not status.available
    assert status.reason == "set ELEVENLABS_API_KEY"
    assert [(v.name, v.reason) for v in status.voices] == [
        ("rachel", "set ELEVENLABS_API_KEY"),
        ("adam", "set ELEVENLABS_API_KEY"),
    ]
    with pytest.raises(VoiceUnavailableError, match="set ELEVENLABS_API_KEY"):
        provider.resolve_voice(None, None)
    assert server.requests == []


def test_with_a_key_rachel_and_adam_are_available(provider: ElevenLabsProvider) -> None:
    status = provider.status()

    assert status.available
    assert [(v.name, v.voice_type, v.available) for v in status.voices] == [
        ("rachel", "female", True),
        ("adam", "male", True),
    ]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"detail": "queued"}', "application/json"),
        (b"\x00\x01\x02", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
    ids=["json", "odd-bytes", "empty"],
)
def test_a_200_without_proper_audio_is_malformed_audio(
    provider: ElevenLabsProvider, server: FakeElevenLabs, body: bytes, content_type: str
) -> None:
    server.plan(fake_elevenlabs.malformed(body, content_type))

    with pytest.raises(MalformedAudioError):
        provider.text_to_audio(SENTENCE, "rachel", 1.0)


def test_settings_come_from_the_documented_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ELEVENLABS_API_KEY", "xi-from-env")
    monkeypatch.setenv("ELEVENLABS_BASE_URL", "http://proxy.example:8080")
    monkeypatch.setenv("ELEVENLABS_MODEL", "eleven_turbo_v2_5")

    settings = ElevenLabsSettings(_env_file=None)

    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "xi-from-env"
    assert settings.base_url == "http://proxy.example:8080"
    assert settings.model == "eleven_turbo_v2_5"


def test_defaults_are_elevenlabs_itself_and_multilingual_v2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("ELEVENLABS_API_KEY", "ELEVENLABS_BASE_URL", "ELEVENLABS_MODEL"):
        monkeypatch.delenv(name, raising=False)

    settings = ElevenLabsSettings(_env_file=None)

    assert settings.api_key is None
    assert settings.base_url == "https://api.elevenlabs.io"
    assert settings.model == "eleven_multilingual_v2"


def test_provider_identity_and_limits() -> None:
    assert ElevenLabsProvider.name == "elevenlabs"
    assert ElevenLabsProvider.max_chars == 2500
    assert ElevenLabsProvider.max_concurrency >= 1
