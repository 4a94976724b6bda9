"""Which voice type a request means, and the refusal of one a provider has no voice for."""

from __future__ import annotations

from pdf2audiobook.pipeline.voices.base import VOICE_TYPES, TTSProvider
from pdf2audiobook.pipeline.voices.errors import UnknownVoiceError
from pdf2audiobook.pipeline.voices.registry import providers_with_voice_type


def is_voice_type(word: str) -> bool:
    """Whether `word` names a voice type rather than a voice ("Male" does, "joe" does not)."""
    return word.strip().lower() in VOICE_TYPES


def checked_voice_type(provider: TTSProvider, voice_type: str | None) -> str:
    """`voice_type` in lower case ("default" for None) when `provider` has a voice of it.

    Raises `UnknownVoiceError` otherwise, naming the types `provider` has and, for a type
    it lacks (such as "child"), the providers that have one.
    """
    wanted = (voice_type or "default").strip().lower()
    if wanted in provider.voice_types:
        return wanted
    choices = ", ".join(provider.voice_types)
    if wanted in VOICE_TYPES:
        elsewhere = ", ".join(providers_with_voice_type(wanted)) or "none"
        raise UnknownVoiceError(
            f"The {provider.name} provider has no {wanted} voice; choose one of its voice "
            f"types ({choices}), or a provider with a {wanted} voice: {elsewhere}."
        )
    raise UnknownVoiceError(f"Unknown voice type {voice_type!r}; choose one of: {choices}.")
