"""The `google` provider against a local server speaking Google's documented protocol."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from pdf2audiobook.pipeline.voices.cloud.errors import ProviderAuthError, ProviderOutageError
from pdf2audiobook.pipeline.voices.cloud.google_tts import GoogleTTSProvider, GoogleTTSSettings
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy
from pdf2audiobook.pipeline.voices.cloud.pcm import MalformedAudioError
from pdf2audiobook.pipeline.voices.errors import (
    ChunkTooLongError,
    UnknownVoiceError,
    VoiceUnavailableError,
)

from .fake_google import MALFORMED, FakeGoogleTTS, too_many_requests, unavailable
from .fake_service import SECONDS_PER_CHARACTER

ACCOUNT = "narrator@example-project.iam.gserviceaccount.com"
TEXT = "The quick brown fox jumps over the lazy dog. " * 4


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="module")
def account_keys() -> tuple[str, str]:
    return _pem_pair()


@pytest.fixture
def fake(account_keys: tuple[str, str]) -> Iterator[FakeGoogleTTS]:
    with FakeGoogleTTS(client_email=ACCOUNT, public_key_pem=account_keys[1]) as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def now() -> list[float]:
    """The provider's clock, movable by tests; it starts at the real time because the
    token endpoint, like Google's, refuses assertions that expired by its own clock."""
    return [time.time()]


def _key_file(folder: Path, fake: FakeGoogleTTS, private_pem: str) -> Path:
    path = folder / "service-account.json"
    key = {
        "type": "service_account",
        "project_id": "example-project",
        "private_key_id": "key-1",
        "private_key": private_pem,
        "client_email": ACCOUNT,
        "token_uri": fake.token_uri,
    }
    path.write_text(json.dumps(key), encoding="utf-8")
    return path


def _settings(
    fake: FakeGoogleTTS, *, api_key: str | None = None, key_file: Path | None = None
) -> GoogleTTSSettings:
    return GoogleTTSSettings(
        _env_file=None,
        google_api_key=SecretStr(api_key) if api_key is not None else None,
        google_application_credentials=key_file,
        google_tts_base_url=fake.url,
    )


@pytest.fixture
def with_api_key(fake: FakeGoogleTTS, http: httpx.Client, sleeps: list[float]) -> GoogleTTSProvider:
    return GoogleTTSProvider(
        _settings(fake, api_key=fake.api_key), client=http, policy=RetryPolicy(sleep=sleeps.append)
    )


@pytest.fixture
def with_account(
    fake: FakeGoogleTTS,
    http: httpx.Client,
    sleeps: list[float],
    now: list[float],
    tmp_path: Path,
    account_keys: tuple[str, str],
) -> GoogleTTSProvider:
    return GoogleTTSProvider(
        _settings(fake, key_file=_key_file(tmp_path, fake, account_keys[0])),
        client=http,
        policy=RetryPolicy(sleep=sleeps.append),
        clock=lambda: now[0],
    )


def _expected_seconds(text: str, speed: float) -> float:
    return len(text.strip()) * SECONDS_PER_CHARACTER / speed


def test_api_key_speech_is_24khz_audio_as_long_as_the_text(
    fake: FakeGoogleTTS, with_api_key: GoogleTTSProvider
) -> None:
    audio = with_api_key.text_to_audio(TEXT, "en-US-Neural2-F", 1.0)

    assert audio.sample_rate == 24_000 == with_api_key.sample_rate("en-US-Neural2-F")
    assert audio.duration == pytest.approx(_expected_seconds(TEXT, 1.0), abs=0.01)
    assert 0.1 < float(abs(audio.samples).max()) <= 1.0
    (request,) = fake.synth_requests
    assert request.headers["x-goog-api-key"] == fake.api_key
    assert request.json()["audioConfig"] == {
        "audioEncoding": "LINEAR16",
        "speakingRate": 1.0,
        "sampleRateHertz": 24_000,
    }


def test_speed_reaches_the_request_as_speaking_rate(
    fake: FakeGoogleTTS, with_api_key: GoogleTTSProvider
) -> None:
    audio = with_api_key.text_to_audio(TEXT, "en-US-Neural2-F", 1.5)

    assert fake.synth_requests[0].json()["audioConfig"]["speakingRate"] == 1.5
    assert audio.duration == pytest.approx(_expected_seconds(TEXT, 1.5), abs=0.01)


def test_voice_types_map_to_the_spec_voices(with_api_key: GoogleTTSProvider) -> None:
    assert with_api_key.resolve_voice(None, None) == "en-US-Neural2-D"
    assert with_api_key.resolve_voice(None, "female") == "en-US-Neural2-F"
    assert with_api_key.resolve_voice(None, "male") == "en-US-Neural2-D"
    assert with_api_key.resolve_voice("female", None) == "en-US-Neural2-F"


def test_any_google_voice_name_is_sent_with_its_language(
    fake: FakeGoogleTTS, with_api_key: GoogleTTSProvider
) -> None:
    voice = with_api_key.resolve_voice("en-GB-Wavenet-B", None)

    with_api_key.text_to_audio("Good evening.", voice, 1.0)

    assert fake.synth_requests[0].json()["voice"] == {
        "languageCode": "en-GB",
        "name": "en-GB-Wavenet-B",
    }


def test_listed_voice_of_the_other_type_or_a_malformed_name_is_unknown(
    with_api_key: GoogleTTSProvider,
) -> None:
    with pytest.raises(UnknownVoiceError, match="female, not male"):
        with_api_key.resolve_voice("en-US-Neural2-F", "male")
    with pytest.raises(UnknownVoiceError, match="not a Google voice name"):
        with_api_key.resolve_voice("nova", None)


def test_service_account_token_is_fetched_once_and_reused(
    fake: FakeGoogleTTS, with_account: GoogleTTSProvider
) -> None:
    with_account.text_to_audio("First chunk.", "en-US-Neural2-D", 1.0)
    with_account.text_to_audio("Second chunk.", "en-US-Neural2-D", 1.0)

    assert len(fake.token_requests) == 1
    assert [r.headers["authorization"] for r in fake.synth_requests] == [
        "Bearer ya29.fake-1",
        "Bearer ya29.fake-1",
    ]
    assert "x-goog-api-key" not in fake.synth_requests[0].headers


def test_service_account_token_is_renewed_before_it_expires(
    fake: FakeGoogleTTS, with_account: GoogleTTSProvider, now: list[float]
) -> None:
    # The first token was issued 3,400 s ago: still valid for Google, but inside the
    # provider's five-minute renewal margin by now.
    now[0] = time.time() - 3400
    with_account.text_to_audio("First chunk.", "en-US-Neural2-D", 1.0)
    now[0] = time.time()

    with_account.text_to_audio("Second chunk.", "en-US-Neural2-D", 1.0)

    assert len(fake.token_requests) == 2
    assert fake.synth_requests[1].headers["authorization"] == "Bearer ya29.fake-2"


def test_service_account_refused_by_the_token_endpoint_is_an_auth_error(
    fake: FakeGoogleTTS, http: httpx.Client, tmp_path: Path, sleeps: list[float]
) -> None:
    stranger_key, _ = _pem_pair()  # signs, but not with the key Google holds
    provider = GoogleTTSProvider(
        _settings(fake, key_file=_key_file(tmp_path, fake, stranger_key)),
        client=http,
        policy=RetryPolicy(sleep=sleeps.append),
    )

    with pytest.raises(ProviderAuthError, match="invalid_grant"):
        provider.text_to_audio("Hello.", "en-US-Neural2-D", 1.0)
    assert len(fake.token_requests) == 1
    assert fake.synth_requests == []


def test_429_waits_as_long_as_retry_after_asks(
    fake: FakeGoogleTTS, with_api_key: GoogleTTSProvider, sleeps: list[float]
) -> None:
    fake.plan(too_many_requests(retry_after="7"))

    audio = with_api_key.text_to_audio("Hello again.", "en-US-Neural2-F", 1.0)

    assert sleeps == [7.0]
    assert len(fake.synth_requests) == 2
    assert audio.duration > 0


def test_server_errors_on_every_try_are_an_outage(
    fake: FakeGoogleTTS, with_api_key: GoogleTTSProvider, sleeps: list[float]
) -> None:
    fake.plan(*[unavailable()] * 4)

    with pytest.raises(ProviderOutageError, match="503"):
        with_api_key.text_to_audio("Hello.", "en-US-Neural2-F", 1.0)
    assert len(fake.synth_requests) == 4
    assert len(sleeps) == 3


def test_revoked_token_is_an_auth_error_after_one_request_then_renewed(
    fake: FakeGoogleTTS, with_account: GoogleTTSProvider
) -> None:
    with_account.text_to_audio("First chunk.", "en-US-Neural2-D", 1.0)
    fake.revoke_tokens()

    with pytest.raises(ProviderAuthError, match="401"):
        with_account.text_to_audio("Second chunk.", "en-US-Neural2-D", 1.0)
    assert len(fake.synth_requests) == 2

    with_account.text_to_audio("Third chunk.", "en-US-Neural2-D", 1.0)
    assert len(fake.token_requests) == 2


def test_wrong_api_key_is_an_auth_error_after_one_request(
    fake: FakeGoogleTTS, http: httpx.Client, sleeps: list[float]
) -> None:
    provider = GoogleTTSProvider(
        _settings(fake, api_key="not-the-key"), client=http, policy=RetryPolicy(sleep=sleeps.append)
    )

    with pytest.raises(ProviderAuthError, match="API key"):
        provider.text_to_audio("Hello.", "en-US-Neural2-F", 1.0)
    assert len(fake.synth_requests) == 1
    assert sleeps == []


def test_text_over_5000_bytes_is_refused_before_any_request(
    fake: FakeGoogleTTS, with_api_key: GoogleTTSProvider
) -> None:
    emoji = "\U0001f600" * 1300  # 1,300 characters, within max_chars, but 5,200 bytes

    with pytest.raises(ChunkTooLongError, match="5200 bytes"):
        with_api_key.text_to_audio(emoji, "en-US-Neural2-F", 1.0)
    with pytest.raises(ChunkTooLongError):
        with_api_key.text_to_audio("a" * (GoogleTTSProvider.max_chars + 1), "en-US-Neural2-F", 1.0)
    assert fake.synth_requests == []


def test_the_fake_refuses_over_5000_bytes_as_google_does(fake: FakeGoogleTTS) -> None:
    body = {
        "input": {"text": "a" * 5001},
        "voice": {"languageCode": "en-US", "name": "en-US-Neural2-F"},
        "audioConfig": {"audioEncoding": "LINEAR16"},
    }

    answer = httpx.post(
        f"{fake.url}/v1/text:synthesize", json=body, headers={"x-goog-api-key": fake.api_key}
    )

    assert answer.status_code == 400
    assert "longer than the limit of 5000 bytes" in answer.json()["error"]["message"]


def test_malformed_answer_is_a_malformed_audio_error(
    fake: FakeGoogleTTS, with_api_key: GoogleTTSProvider
) -> None:
    fake.plan(MALFORMED)

    with pytest.raises(MalformedAudioError, match="unreadable audio"):
        with_api_key.text_to_audio("Hello.", "en-US-Neural2-F", 1.0)


def test_without_credentials_the_provider_is_unavailable_with_the_reason(
    fake: FakeGoogleTTS,
) -> None:
    provider = GoogleTTSProvider(_settings(fake))

    status = provider.status()

    assert not status.available
    assert "GOOGLE_API_KEY" in str(status.reason)
    assert {voice.name for voice in status.voices} == {"en-US-Neural2-D", "en-US-Neural2-F"}
    assert not any(voice.available for voice in status.voices)
    with pytest.raises(VoiceUnavailableError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        provider.resolve_voice(None, None)


def test_a_key_file_that_is_not_a_service_account_says_why(
    fake: FakeGoogleTTS, tmp_path: Path
) -> None:
    user_credentials = tmp_path / "adc.json"
    user_credentials.write_text('{"type": "authorized_user"}', encoding="utf-8")

    status = GoogleTTSProvider(_settings(fake, key_file=user_credentials)).status()

    assert not status.available
    assert "not a service-account key" in str(status.reason)
