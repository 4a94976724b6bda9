"""The few voices a cloud provider lists by name, and how a request picks one of them.

Cloud providers list the spec's voices for each type and accept any other voice name
their service has; availability hangs on credentials alone. This module holds what the
providers share: the status listing and the type-to-voice resolution.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pdf2audiobook.pipeline.voices.base import ProviderStatus, VoiceInfo
from pdf2audiobook.pipeline.voices.errors import UnknownVoiceError, VoiceUnavailableError

VOICE_TYPES = ("default", "female", "male")


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
    label: str,
    voice: str | None,
    voice_type: str | None,
    voice_for_type: Mapping[str, str],
    catalogue: Sequence[tuple[str, str]],
    checked_name: Callable[[str], str],
    problem: str | None,
) -> str:
    """`voice` if given (a type word or any name `checked_name` accepts), else the voice for
    `voice_type`. Raises UnknownVoiceError for an unknown type, a malformed name or a listed
    voice of the other type, and VoiceUnavailableError when `problem` says why none can speak.
    """
    wanted_type = (voice_type or "default").strip().lower()
    if wanted_type not in VOICE_TYPES:
        raise UnknownVoiceError(
            f"Unknown voice type {voice_type!r}; choose one of: {', '.join(VOICE_TYPES)}."
        )
    name = (voice or wanted_type).strip()
    if name.lower() in VOICE_TYPES:
        name = voice_for_type[name.lower()]
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
