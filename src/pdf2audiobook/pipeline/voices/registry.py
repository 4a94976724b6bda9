"""Which speech providers exist, by name.

A new provider (a cloud service, say) is one module with a `TTSProvider` subclass and
one entry in `PROVIDERS`.
"""

from __future__ import annotations

from pdf2audiobook.pipeline.voices.base import ProviderStatus, TTSProvider
from pdf2audiobook.pipeline.voices.cloud.azure_speech import AzureSpeechProvider
from pdf2audiobook.pipeline.voices.cloud.elevenlabs import ElevenLabsProvider
from pdf2audiobook.pipeline.voices.cloud.google_tts import GoogleTTSProvider
from pdf2audiobook.pipeline.voices.cloud.openai_compatible import OpenAICompatibleProvider
from pdf2audiobook.pipeline.voices.cloud.openai_speech import OpenAIProvider
from pdf2audiobook.pipeline.voices.cloud.polly import PollyProvider
from pdf2audiobook.pipeline.voices.errors import UnknownProviderError
from pdf2audiobook.pipeline.voices.local import LocalProvider
from pdf2audiobook.pipeline.voices.tone import ToneProvider

DEFAULT_PROVIDER = LocalProvider.name

PROVIDERS: dict[str, type[TTSProvider]] = {
    provider.name: provider
    for provider in (
        LocalProvider,
        OpenAIProvider,
        OpenAICompatibleProvider,
        ElevenLabsProvider,
        GoogleTTSProvider,
        AzureSpeechProvider,
        PollyProvider,
        ToneProvider,
    )
}


def get_provider(name: str) -> TTSProvider:
    """A provider instance by name (cheap: engines load on first use).

    Raises `UnknownProviderError`, listing the known names, for any other name.
    """
    try:
        provider_class = PROVIDERS[name.strip().lower()]
    except KeyError:
        known = ", ".join(PROVIDERS)
        raise UnknownProviderError(
            f"Unknown speech provider {name!r}; choose one of: {known}."
        ) from None
    return provider_class()


def provider_statuses() -> list[ProviderStatus]:
    """Every provider with each of its voices, whether it can speak here, and why not."""
    return [provider_class().status() for provider_class in PROVIDERS.values()]
