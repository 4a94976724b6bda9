"""The few voices a cloud provider lists by name, and how a request picks one of them.

Cloud providers list the spec's voices for each type and accept any other voice name
their service has; availability hangs on credentials alone. This module holds what the
providers share: the status listing and the type-to-voice resolution.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pdf2audiobook.pipeline.voices.base import ProviderStatus, TTSProvider, VoiceInfo
from pdf2audiobook.pipeline.voices.errors import UnknownVoiceError, VoiceUnavailableError
from pdf2audiobook.pipeline.voices.voice_types import checked_voice_type, is_voice_type


def catalogue_status(
    provider: str,
    catalogue: Sequence[tuple[str, str]],
    problem: str | None,
    language_of: Callable[[str], str],
    describe: Callable[[str, str], str],
) -> ProviderStatus:
    """The provider and its listed (voice, type) pairs; all unavailable with `problem`."""
    return ProviderStatus(
        name=provider,
        available=problem is None,
        reason=problem,
        voices=[
            VoiceInfo(
                name=voice,
                provider=provider,
                voice_type=voice_type,
                language=language_of(voice),
                available=problem is None,
                reason=problem,
                description=describe(voice, voice_type),
            )
            for voice, voice_type in catalogue
        ],
    )


def resolve_catalogue_voice(
    *,
    provider: TTSProvider,
    label: str,
    voice: str | None,
    voice_type: str | None,
    voice_for_type: Mapping[str, str],
    catalogue: Sequence[tuple[str, str]],
    checked_name: Callable[[str], str],
    problem: str | None,
) -> str:
    """`voice` if given (a type word or any name `checked_name` accepts), else the voice for
    `voice_type`. Raises UnknownVoiceError for a type `provider` has no voice of, a malformed
    name or a listed voice of another type, and VoiceUnavailableError when `problem` says
    why none can speak.
    """
    wanted_type = checked_voice_type(provider, voice_type)
    name = (voice or wanted_type).strip()
    if is_voice_type(name):
        name = voice_for_type[checked_voice_type(provider, name)]
    name = checked_name(name)
    listed_type = dict(catalogue).get(name)
    if wanted_type != "default" and listed_type not in (None, wanted_type):
        raise UnknownVoiceError(
            f"The voice {name!r} is {listed_type}, not {wanted_type}; leave out the voice "
            f"type or choose the {wanted_type} voice {voice_for_type[wanted_type]}."
        )
    if problem is not None:
        raise VoiceUnavailableError(f"The {label} voices cannot be used: {problem}.")
    return name
