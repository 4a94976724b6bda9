"""Which speech providers exist, by name.

A new provider (a cloud service, say) is one module with a `TTSProvider` subclass and
one entry in `PROVIDERS`. A provider's module is imported when the provider is first
asked for: every speaking process would otherwise pay for every cloud client's imports
(half a second here) before it says a word with the local voice.
"""

from __future__ import annotations

import importlib

from pdf2audiobook.pipeline.voices.base import ProviderStatus, TTSProvider
from pdf2audiobook.pipeline.voices.errors import UnknownProviderError

DEFAULT_PROVIDER = "local"

_VOICES = "pdf2audiobook.pipeline.voices"
PROVIDERS: dict[str, str] = {
    "local": f"{_VOICES}.local:LocalProvider",
    "openai": f"{_VOICES}.cloud.openai_speech:OpenAIProvider",
    "openai-compatible": f"{_VOICES}.cloud.openai_compatible:OpenAICompatibleProvider",
    "elevenlabs": f"{_VOICES}.cloud.elevenlabs:ElevenLabsProvider",
    "google": f"{_VOICES}.cloud.google_tts:GoogleTTSProvider",
    "azure": f"{_VOICES}.cloud.azure_speech:AzureSpeechProvider",
    "polly": f"{_VOICES}.cloud.polly:PollyProvider",
    "tone": f"{_VOICES}.tone:ToneProvider",
}
"""Each provider's name and where its class lives ("module:Class")."""


def provider_class(name: str) -> type[TTSProvider]:
    """The provider class registered under `name` (case and spaces ignored).

    Raises `UnknownProviderError`, listing the known names, for any other name.
    """
    try:
        location = PROVIDERS[name.strip().lower()]
    except KeyError:
        known = ", ".join(PROVIDERS)
        raise UnknownProviderError(
            f"Unknown speech provider {name!r}; choose one of: {known}."
        ) from None
    module_name, class_name = location.split(":")
    found: type[TTSProvider] = getattr(importlib.import_module(module_name), class_name)
    return found


def get_provider(name: str) -> TTSProvider:
    """A provider instance by name (cheap: engines load on first use).

    Raises `UnknownProviderError`, listing the known names, for any other name.
    """
    return provider_class(name)()


def provider_statuses() -> list[ProviderStatus]:
    """Every provider with each of its voices, whether it can speak here, and why not."""
    return [provider_class(name)().status() for name in PROVIDERS]
