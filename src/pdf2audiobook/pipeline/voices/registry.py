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

PROVIDER_ALIASES: dict[str, str] = {"aws_polly": "polly", "eleven_labs": "elevenlabs"}
"""Other names for our providers: the backend guidelines' `VoiceProvider` values, which
their clients send."""


def canonical_provider_name(name: str) -> str:
    """`name` as the registry spells it: case and surrounding spaces ignored, an alias
    replaced by its provider's own name. An unknown name comes back normalised only."""
    normalised = name.strip().lower()
    return PROVIDER_ALIASES.get(normalised, normalised)


def provider_class(name: str) -> type[TTSProvider]:
    """The provider class registered under `name` or an alias of it (case and spaces
    ignored).

    Raises `UnknownProviderError`, listing the known names, for any other name.
    """
    try:
        location = PROVIDERS[canonical_provider_name(name)]
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


def providers_with_voice_type(voice_type: str) -> list[str]:
    """The names of the providers that have a voice of `voice_type`, in registry order.

    Imports every provider's module: for the message of a refusal, not for speaking.
    """
    return [name for name in PROVIDERS if voice_type in provider_class(name).voice_types]
