"""The "child" voice type: a real child's voice where a provider has one, a refusal naming
the alternatives where it has none. Resolving a voice never reaches the network."""

from __future__ import annotations

from typing import Any, NoReturn

import httpx
import pytest
from pydantic import SecretStr

from pdf2audiobook.pipeline.voices import PROVIDERS, TTSProvider, UnknownVoiceError, get_provider
from pdf2audiobook.pipeline.voices.base import VOICE_TYPES
from pdf2audiobook.pipeline.voices.cloud.azure_speech import (
    AzureSpeechProvider,
    AzureSpeechSettings,
)
from pdf2audiobook.pipeline.voices.cloud.elevenlabs import ElevenLabsProvider, ElevenLabsSettings
from pdf2audiobook.pipeline.voices.cloud.google_tts import GoogleTTSProvider, GoogleTTSSettings
from pdf2audiobook.pipeline.voices.cloud.openai_compatible import (
    OpenAICompatibleProvider,
    OpenAICompatibleSettings,
)
from pdf2audiobook.pipeline.voices.cloud.openai_speech import (
    OpenAIProvider,
    OpenAISpeechSettings,
)
from pdf2audiobook.pipeline.voices.cloud.polly import PollyProvider, PollySettings
from pdf2audiobook.pipeline.voices.registry import providers_with_voice_type
from pdf2audiobook.pipeline.voices.tone import ENABLE_ENV_VAR


def _refuse_request(request: httpx.Request) -> NoReturn:
    raise AssertionError(f"resolving a voice sent {request.method} {request.url}")


class _NoBoto:
    """Stands in for the boto3 Polly client: any use of it fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"resolving a voice used the Polly client ({name})")


def _offline() -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(_refuse_request))


def _azure() -> AzureSpeechProvider:
    settings = AzureSpeechSettings(
        _env_file=None, azure_speech_key=SecretStr("test-key"), azure_speech_region="westeurope"
    )
    return AzureSpeechProvider(settings, client=_offline())


def _polly(engine: str) -> PollyProvider:
    settings = PollySettings(
        _env_file=None,
        aws_access_key_id="AKIATEST",
        aws_secret_access_key=SecretStr("test-secret"),
        polly_engine=engine,
    )
    return PollyProvider(settings, client=_NoBoto())


def test_azure_reads_child_with_its_child_voice_ana() -> None:
    azure = _azure()

    assert azure.resolve_voice(None, "child") == "en-US-AnaNeural"
    assert azure.resolve_voice("child", None) == "en-US-AnaNeural"
    assert azure.resolve_voice("en-US-AnaNeural", "child") == "en-US-AnaNeural"


@pytest.mark.parametrize("engine", ["neural", "standard"])
def test_polly_reads_child_with_ivy_whichever_engine(engine: str) -> None:
    polly = _polly(engine)

    assert polly.resolve_voice(None, "child") == "Ivy"
    assert polly.resolve_voice("Child", None) == "Ivy"


@pytest.mark.parametrize("provider", [_azure(), _polly("neural")], ids=["azure", "polly"])
def test_the_child_voice_is_listed_as_a_child_voice(provider: TTSProvider) -> None:
    child = provider.resolve_voice(None, "child")

    listed = {voice.name: voice.voice_type for voice in provider.status().voices}
    assert listed[child] == "child"


def test_an_adult_voice_asked_for_as_child_is_refused_with_the_child_voice() -> None:
    with pytest.raises(UnknownVoiceError, match=r"female, not child.*en-US-AnaNeural"):
        _azure().resolve_voice("en-US-JennyNeural", "child")
    with pytest.raises(UnknownVoiceError, match=r"male, not child.*Ivy"):
        _polly("neural").resolve_voice("Matthew", "child")


def _providers_without_a_child_voice() -> list[TTSProvider]:
    return [
        get_provider("local"),
        OpenAIProvider(
            OpenAISpeechSettings(_env_file=None, api_key=SecretStr("sk-test")), client=_offline()
        ),
        GoogleTTSProvider(
            GoogleTTSSettings(_env_file=None, google_api_key=SecretStr("test-key")),
            client=_offline(),
        ),
        ElevenLabsProvider(
            ElevenLabsSettings(_env_file=None, api_key=SecretStr("test-key")), client=_offline()
        ),
        OpenAICompatibleProvider(
            OpenAICompatibleSettings(_env_file=None, base_url="http://127.0.0.1:9/v1"),
            client=_offline(),
        ),
        get_provider("tone"),
    ]


@pytest.mark.parametrize(
    "provider", _providers_without_a_child_voice(), ids=lambda provider: provider.name
)
@pytest.mark.parametrize(("voice", "voice_type"), [(None, "child"), ("child", None)])
def test_a_provider_without_a_child_voice_refuses_naming_its_types_and_who_has_one(
    provider: TTSProvider,
    voice: str | None,
    voice_type: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENABLE_ENV_VAR, "1")

    with pytest.raises(UnknownVoiceError) as refused:
        provider.resolve_voice(voice, voice_type)

    message = refused.value.message
    assert f"The {provider.name} provider has no child voice" in message
    assert "(default, female, male)" in message
    assert message.endswith("a provider with a child voice: azure, polly.")


def test_the_providers_with_a_child_voice_are_azure_and_polly() -> None:
    assert providers_with_voice_type("child") == ["azure", "polly"]


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_every_provider_has_the_adult_types_and_only_known_types(name: str) -> None:
    voice_types = get_provider(name).voice_types

    assert {"default", "female", "male"} <= set(voice_types) <= set(VOICE_TYPES)
