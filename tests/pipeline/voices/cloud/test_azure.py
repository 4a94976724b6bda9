"""The `azure` provider against a local server speaking Azure's documented REST protocol."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from pdf2audiobook.pipeline.voices.cloud.azure_speech import (
    AzureSpeechProvider,
    AzureSpeechSettings,
    prosody_rate,
)
from pdf2audiobook.pipeline.voices.cloud.errors import ProviderAuthError, ProviderOutageError
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy
from pdf2audiobook.pipeline.voices.cloud.pcm import MalformedAudioError
from pdf2audiobook.pipeline.voices.errors import (
    ChunkTooLongError,
    UnknownVoiceError,
    VoiceUnavailableError,
)

from .fake_azure import SIGN_IN_PAGE, FakeAzureSpeech, bad_gateway, too_many_requests
from .fake_service import SECONDS_PER_CHARACTER

TEXT = "The quick brown fox jumps over the lazy dog. " * 4


@pytest.fixture
def fake() -> Iterator[FakeAzureSpeech]:
    with FakeAzureSpeech() as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture
def sleeps() -> list[float]:
    return []


def _settings(
    *, key: str | None, region: str | None = None, endpoint: str | None = None
) -> AzureSpeechSettings:
    return AzureSpeechSettings(
        _env_file=None,
        azure_speech_key=SecretStr(key) if key is not None else None,
        azure_speech_region=region,
        azure_speech_endpoint=endpoint,
    )


@pytest.fixture
def provider(fake: FakeAzureSpeech, http: httpx.Client, sleeps: list[float]) -> AzureSpeechProvider:
    return AzureSpeechProvider(
        _settings(key=fake.key, endpoint=fake.url),
        client=http,
        policy=RetryPolicy(sleep=sleeps.append),
    )


def _expected_seconds(text: str, speed: float) -> float:
    return len(text.strip()) * SECONDS_PER_CHARACTER / speed


def test_speech_is_24khz_audio_as_long_as_the_text(
    fake: FakeAzureSpeech, provider: AzureSpeechProvider
) -> None:
    audio = provider.text_to_audio(TEXT, "en-US-JennyNeural", 1.0)

    assert audio.sample_rate == 24_000 == provider.sample_rate("en-US-JennyNeural")
    assert audio.duration == pytest.approx(_expected_seconds(TEXT, 1.0), abs=0.01)
    assert 0.1 < float(abs(audio.samples).max()) <= 1.0
    (request,) = fake.requests
    assert request.path == "/cognitiveservices/v1"
    assert request.headers["ocp-apim-subscription-key"] == fake.key
    assert request.headers["content-type"] == "application/ssml+xml"
    assert request.headers["x-microsoft-outputformat"] == "raw-24khz-16bit-mono-pcm"
    assert request.headers["user-agent"] == "pdf2audiobook"


@pytest.mark.parametrize(("speed", "rate"), [(1.5, "+50%"), (0.5, "-50%"), (1.0, "+0%")])
def test_speed_reaches_the_ssml_as_a_relative_rate(
    fake: FakeAzureSpeech, provider: AzureSpeechProvider, speed: float, rate: str
) -> None:
    audio = provider.text_to_audio(TEXT, "en-US-JennyNeural", speed)

    assert f"<prosody rate='{rate}'>" in fake.requests[0].body.decode()
    assert audio.duration == pytest.approx(_expected_seconds(TEXT, speed), abs=0.01)


def test_relative_rate_is_never_a_bare_percentage() -> None:
    # Azure reads "50%" as 50 % faster, so half speed must be written "-50%".
    assert [prosody_rate(s) for s in (0.5, 0.75, 1.0, 1.25, 2.0)] == [
        "-50%",
        "-25%",
        "+0%",
        "+25%",
        "+100%",
    ]


def test_voice_types_map_to_the_spec_voices(provider: AzureSpeechProvider) -> None:
    assert provider.resolve_voice(None, None) == "en-US-JennyNeural"
    assert provider.resolve_voice(None, "female") == "en-US-JennyNeural"
    assert provider.resolve_voice(None, "male") == "en-US-GuyNeural"
    with pytest.raises(UnknownVoiceError, match="female, not male"):
        provider.resolve_voice("en-US-JennyNeural", "male")
    with pytest.raises(UnknownVoiceError, match="not an Azure voice name"):
        provider.resolve_voice("Joanna", None)


def test_any_azure_voice_is_sent_with_its_own_language(
    fake: FakeAzureSpeech, provider: AzureSpeechProvider
) -> None:
    voice = provider.resolve_voice("de-DE-KatjaNeural", None)

    provider.text_to_audio("Guten Abend.", voice, 1.0)

    ssml = fake.requests[0].body.decode()
    assert 'xml:lang="de-DE"' in ssml
    assert '<voice name="de-DE-KatjaNeural">' in ssml


def test_xml_special_characters_reach_the_service_as_written(
    fake: FakeAzureSpeech, provider: AzureSpeechProvider
) -> None:
    text = "Fish & chips <extra crispy> cost \"5\" dollars; it's Smith & Wesson's > all."

    audio = provider.text_to_audio(text, "en-US-JennyNeural", 1.0)

    assert fake.spoken_texts == [text]
    assert audio.duration == pytest.approx(_expected_seconds(text, 1.0), abs=0.01)


def test_429_waits_as_long_as_retry_after_asks(
    fake: FakeAzureSpeech, provider: AzureSpeechProvider, sleeps: list[float]
) -> None:
    fake.plan(too_many_requests(retry_after="3"))

    audio = provider.text_to_audio("Hello again.", "en-US-JennyNeural", 1.0)

    assert sleeps == [3.0]
    assert len(fake.requests) == 2
    assert audio.duration > 0


def test_server_errors_on_every_try_are_an_outage(
    fake: FakeAzureSpeech, provider: AzureSpeechProvider, sleeps: list[float]
) -> None:
    fake.plan(*[bad_gateway()] * 4)

    with pytest.raises(ProviderOutageError, match="502"):
        provider.text_to_audio("Hello.", "en-US-JennyNeural", 1.0)
    assert len(fake.requests) == 4
    assert len(sleeps) == 3


def test_wrong_key_is_an_auth_error_after_one_request(
    fake: FakeAzureSpeech, http: httpx.Client, sleeps: list[float]
) -> None:
    provider = AzureSpeechProvider(
        _settings(key="not-the-key", endpoint=fake.url),
        client=http,
        policy=RetryPolicy(sleep=sleeps.append),
    )

    with pytest.raises(ProviderAuthError, match="401"):
        provider.text_to_audio("Hello.", "en-US-JennyNeural", 1.0)
    assert len(fake.requests) == 1
    assert sleeps == []


def test_text_over_the_limit_is_refused_before_any_request(
    fake: FakeAzureSpeech, provider: AzureSpeechProvider
) -> None:
    with pytest.raises(ChunkTooLongError):
        provider.text_to_audio("a" * (AzureSpeechProvider.max_chars + 1), "en-US-JennyNeural", 1.0)
    assert fake.requests == []


def test_audio_cut_at_ten_minutes_is_refused_not_passed_on(
    fake: FakeAzureSpeech, provider: AzureSpeechProvider
) -> None:
    fake.seconds_per_character = 0.5  # a text the voice reads very slowly

    with pytest.raises(ChunkTooLongError, match="10-minute"):
        provider.text_to_audio("1 2 3 4 5 " * 130, "en-US-JennyNeural", 1.0)


def test_a_non_audio_answer_is_malformed_audio(
    fake: FakeAzureSpeech, provider: AzureSpeechProvider
) -> None:
    fake.plan(SIGN_IN_PAGE)

    with pytest.raises(MalformedAudioError, match="text/html"):
        provider.text_to_audio("Hello.", "en-US-JennyNeural", 1.0)


def test_the_fake_refuses_ssml_with_a_raw_ampersand_as_azure_does(
    fake: FakeAzureSpeech,
) -> None:
    ssml = (
        "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='en-US'>"
        "<voice name='en-US-JennyNeural'>Fish & chips</voice></speak>"
    )
    headers = {
        "Ocp-Apim-Subscription-Key": fake.key,
        "Content-Type": "application/ssml+xml",
        "X-Microsoft-OutputFormat": "raw-24khz-16bit-mono-pcm",
        "User-Agent": "test",
    }

    answer = httpx.post(f"{fake.url}/cognitiveservices/v1", content=ssml, headers=headers)

    assert answer.status_code == 400


@pytest.mark.parametrize(
    ("key", "region", "reason"),
    [
        (None, "westeurope", "AZURE_SPEECH_KEY"),
        ("a-key", None, "AZURE_SPEECH_REGION"),
        ("a-key", "West Europe", "not a region name"),
    ],
)
def test_missing_settings_make_the_provider_unavailable_with_the_reason(
    key: str | None, region: str | None, reason: str
) -> None:
    provider = AzureSpeechProvider(_settings(key=key, region=region))

    status = provider.status()

    assert not status.available
    assert reason in str(status.reason)
    assert {voice.name for voice in status.voices} == {
        "en-US-JennyNeural",
        "en-US-GuyNeural",
        "en-US-AnaNeural",
    }
    with pytest.raises(VoiceUnavailableError, match=reason):
        provider.resolve_voice(None, None)


def test_key_and_region_make_the_provider_available() -> None:
    provider = AzureSpeechProvider(_settings(key="a-key", region="westeurope"))

    assert provider.status().available
    assert provider.resolve_voice(None, "male") == "en-US-GuyNeural"
