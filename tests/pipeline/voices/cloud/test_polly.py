"""The `polly` provider, through real boto3, against a local Polly endpoint.

Not moto: moto 5's SynthesizeSpeech answers eight zero bytes whatever the text, rate or
format, counts SSML tags against the 3,000-character limit (Polly does not), ignores the
engine, never parses the SSML or checks a signature, and cannot be made to throttle; a
test against it could not tell a correct request from a broken one. `fake_polly` speaks
Polly's REST-JSON protocol instead, and boto3 reaches it through `endpoint_url`.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from types import SimpleNamespace
from typing import ClassVar

import botocore.endpoint
import pytest
from pydantic import SecretStr

from pdf2audiobook.pipeline.voices.cloud.errors import ProviderAuthError, ProviderOutageError
from pdf2audiobook.pipeline.voices.cloud.pcm import MalformedAudioError
from pdf2audiobook.pipeline.voices.cloud.polly import PollyProvider, PollySettings
from pdf2audiobook.pipeline.voices.errors import (
    ChunkTooLongError,
    UnknownVoiceError,
    VoiceUnavailableError,
)

from .fake_polly import CUT_OFF_AUDIO, FakePolly, request_json, service_failure, throttled
from .fake_service import SECONDS_PER_CHARACTER

TEXT = "The quick brown fox jumps over the lazy dog. " * 4


@pytest.fixture
def fake() -> Iterator[FakePolly]:
    with FakePolly() as server:
        yield server


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits botocore's standard retry mode asks for, recorded instead of slept.

    botocore sleeps between tries with `time.sleep` as seen from `botocore.endpoint`;
    replacing only that name keeps botocore's own retry decisions under test.
    """
    recorded: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=recorded.append))
    return recorded


def _settings(
    fake: FakePolly,
    *,
    key_id: str | None = None,
    secret: str | None = None,
    engine: str = "neural",
) -> PollySettings:
    return PollySettings(
        _env_file=None,
        aws_access_key_id=key_id,
        aws_secret_access_key=SecretStr(secret) if secret is not None else None,
        aws_session_token=None,
        aws_region=fake.region,
        polly_engine=engine,
        polly_endpoint_url=fake.url,
    )


def _provider(fake: FakePolly, **overrides: str) -> PollyProvider:
    credentials = {"key_id": fake.access_key_id, "secret": fake.secret_access_key}
    return PollyProvider(_settings(fake, **(credentials | overrides)))


@pytest.fixture
def provider(fake: FakePolly) -> PollyProvider:
    return _provider(fake)


def _expected_seconds(text: str, speed: float) -> float:
    return len(text.strip()) * SECONDS_PER_CHARACTER / speed


def test_speech_is_16khz_pcm_as_long_as_the_text(fake: FakePolly, provider: PollyProvider) -> None:
    audio = provider.text_to_audio(TEXT, "Joanna", 1.0)

    assert audio.sample_rate == 16_000 == provider.sample_rate("Joanna")
    assert audio.duration == pytest.approx(_expected_seconds(TEXT, 1.0), abs=0.01)
    assert 0.1 < float(abs(audio.samples).max()) <= 1.0
    (request,) = fake.requests
    assert request.headers["authorization"].startswith(
        f"AWS4-HMAC-SHA256 Credential={fake.access_key_id}/"
    )
    body = request_json(request)
    assert {name: body[name] for name in ("Engine", "OutputFormat", "SampleRate")} == {
        "Engine": "neural",
        "OutputFormat": "pcm",
        "SampleRate": "16000",
    }
    assert (body["TextType"], body["VoiceId"]) == ("ssml", "Joanna")


@pytest.mark.parametrize(("speed", "rate"), [(1.5, "150%"), (0.5, "50%"), (2.0, "200%")])
def test_speed_reaches_the_ssml_as_a_prosody_rate(
    fake: FakePolly, provider: PollyProvider, speed: float, rate: str
) -> None:
    audio = provider.text_to_audio(TEXT, "Joanna", speed)

    assert f'<prosody rate="{rate}">' in request_json(fake.requests[0])["Text"]
    assert audio.duration == pytest.approx(_expected_seconds(TEXT, speed), abs=0.01)


def test_voice_types_map_to_the_spec_voices(provider: PollyProvider) -> None:
    assert provider.resolve_voice(None, None) == "Joanna"
    assert provider.resolve_voice(None, "female") == "Joanna"
    assert provider.resolve_voice(None, "male") == "Matthew"
    assert provider.resolve_voice("amy", None) == "Amy"
    with pytest.raises(UnknownVoiceError, match="female, not male"):
        provider.resolve_voice("Joanna", "male")
    with pytest.raises(UnknownVoiceError, match="not a Polly voice id"):
        provider.resolve_voice("en-US-JennyNeural", None)


def test_engine_setting_reaches_the_request(fake: FakePolly) -> None:
    provider = _provider(fake, engine="standard")

    provider.text_to_audio("Hello.", "Matthew", 1.0)

    assert request_json(fake.requests[0])["Engine"] == "standard"
    assert "engine=standard" in provider.engine_version("Matthew")


def test_xml_special_characters_reach_polly_as_written(
    fake: FakePolly, provider: PollyProvider
) -> None:
    text = "Fish & chips <extra crispy> cost \"5\" dollars; it's Smith & Wesson's > all."

    provider.text_to_audio(text, "Joanna", 1.0)

    assert fake.spoken_texts == [text]


def test_throttling_is_retried_by_botocore_after_the_wait_polly_asks(
    fake: FakePolly, provider: PollyProvider, sleeps: list[float]
) -> None:
    fake.plan(throttled(retry_after_ms=3000))

    audio = provider.text_to_audio("Hello again.", "Joanna", 1.0)

    assert sleeps == [3.0]
    assert len(fake.requests) == 2
    assert audio.duration > 0


def test_throttling_on_every_try_is_an_outage(
    fake: FakePolly, provider: PollyProvider, sleeps: list[float]
) -> None:
    fake.plan(*[throttled()] * 4)

    with pytest.raises(ProviderOutageError, match="ThrottlingException"):
        provider.text_to_audio("Hello.", "Joanna", 1.0)
    assert len(fake.requests) == 4
    assert len(sleeps) == 3


def test_server_failures_on_every_try_are_an_outage(
    fake: FakePolly, provider: PollyProvider, sleeps: list[float]
) -> None:
    fake.plan(*[service_failure()] * 4)

    with pytest.raises(ProviderOutageError, match="500 ServiceFailureException"):
        provider.text_to_audio("Hello.", "Joanna", 1.0)
    assert len(fake.requests) == 4
    assert len(sleeps) == 3


def test_wrong_secret_is_an_auth_error_after_one_request(
    fake: FakePolly, sleeps: list[float]
) -> None:
    provider = _provider(fake, secret="not-the-secret")

    with pytest.raises(ProviderAuthError, match="InvalidSignatureException"):
        provider.text_to_audio("Hello.", "Joanna", 1.0)
    assert len(fake.requests) == 1
    assert sleeps == []


def test_text_over_the_limits_is_refused_before_any_request(
    fake: FakePolly, provider: PollyProvider
) -> None:
    with pytest.raises(ChunkTooLongError):
        provider.text_to_audio("a" * (PollyProvider.max_chars + 1), "Joanna", 1.0)
    # 1,300 ampersands pass max_chars but escape to 6,500 characters of SSML.
    with pytest.raises(ChunkTooLongError, match="6000"):
        provider.text_to_audio("&" * 1300, "Joanna", 1.0)
    assert fake.requests == []


class _UncheckedPolly(PollyProvider):
    max_chars: ClassVar[int] = 5_000


def test_polly_refusing_a_long_text_is_a_chunk_too_long_error(fake: FakePolly) -> None:
    provider = _UncheckedPolly(
        _settings(fake, key_id=fake.access_key_id, secret=fake.secret_access_key)
    )

    with pytest.raises(ChunkTooLongError, match="TextLengthExceededException"):
        provider.text_to_audio("a" * 3001, "Joanna", 1.0)
    assert len(fake.requests) == 1


def test_a_cut_off_answer_is_malformed_audio(fake: FakePolly, provider: PollyProvider) -> None:
    fake.plan(CUT_OFF_AUDIO)

    with pytest.raises(MalformedAudioError, match="cut off"):
        provider.text_to_audio("Hello.", "Joanna", 1.0)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"key_id": ""}, "AWS_ACCESS_KEY_ID"),
        ({"engine": "generative"}, "POLLY_ENGINE"),
    ],
)
def test_missing_settings_make_the_provider_unavailable_with_the_reason(
    fake: FakePolly, overrides: dict[str, str], reason: str
) -> None:
    provider = _provider(fake, **overrides)

    status = provider.status()

    assert not status.available
    assert reason in str(status.reason)
    assert {voice.name for voice in status.voices} == {"Joanna", "Matthew", "Ivy"}
    with pytest.raises(VoiceUnavailableError, match=reason):
        provider.resolve_voice(None, None)
    assert fake.requests == []


def test_an_unreachable_endpoint_is_an_outage_after_every_try(
    fake: FakePolly, sleeps: list[float]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    settings = _settings(fake, key_id=fake.access_key_id, secret=fake.secret_access_key)
    provider = PollyProvider(settings.model_copy(update={"polly_endpoint_url": closed}))

    with pytest.raises(ProviderOutageError, match="after 4 tries"):
        provider.text_to_audio("Hello.", "Joanna", 1.0)
    assert len(sleeps) == 3
