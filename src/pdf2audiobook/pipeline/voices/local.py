"""The `local` provider: neural voices that run on this machine with no network.

default and female: hibari "heart" (in the hibari wheel, 24 kHz). male: piper "joe"
(optional GPL-3.0 extra, 22.05 kHz). hibari's other voices are listed and used when their
model file has been copied into hibari's cache directory.
"""

from __future__ import annotations

from typing import ClassVar

from pdf2audiobook.pipeline.voices import hibari_engine, piper_engine
from pdf2audiobook.pipeline.voices.base import (
    ProviderStatus,
    SpeechAudio,
    TTSProvider,
    VoiceInfo,
)
from pdf2audiobook.pipeline.voices.errors import UnknownVoiceError, VoiceUnavailableError
from pdf2audiobook.pipeline.voices.voice_types import checked_voice_type, is_voice_type


class LocalProvider(TTSProvider):
    """hibari and piper voices, each engine loaded once per process on one thread."""

    name: ClassVar[str] = "local"
    max_chars: ClassVar[int] = 400
    """Measured on one thread with a single sentence without punctuation (the worst case:
    neither engine can split it): piper's peak memory grows by about 1.3 MB per character
    (345 MB at 218 characters, 543 MB at 425, 1.4 GB at 1,065, 2.7 GB at 2,119) and both
    engines slow down per character as a sentence grows (piper 8.7x realtime at 218
    characters, 5.7x at 1,065; hibari 64x and 44x). At 400 characters (about 25 s of
    speech) a worker stays near piper's 0.54 GB measured on normal prose, hibari near
    0.3 GB, and hibari's own 400-phoneme sentence limit is not exceeded much. Chunks of
    ordinary sentences could be longer at no cost, but one number must also bound the
    longest sentence the text stage lets through."""

    def status(self) -> ProviderStatus:
        """All local voices; the provider is available when any voice is."""
        catalogue = self._catalogue()
        available = any(voice.available for voice in catalogue)
        return ProviderStatus(
            name=self.name,
            available=available,
            reason=None if available else "no local voice is installed",
            voices=catalogue,
        )

    def resolve_voice(self, voice: str | None, voice_type: str | None) -> str:
        """A voice name: `voice` if given, else the first available voice of `voice_type`.

        Types: "default" and "female" mean heart; "male" means joe, else an installed
        hibari male voice; no local voice is a child's. `voice` may also be one of those
        type words. Raises `UnknownVoiceError` for an unknown name or type (for "child",
        naming the providers that have one), or a voice of the other type than asked, and
        `VoiceUnavailableError` with the reason when it cannot speak here.
        """
        catalogue = {info.name: info for info in self._catalogue()}
        wanted_type = checked_voice_type(self, voice_type)
        if voice is None or is_voice_type(voice):
            return self._first_available(catalogue, checked_voice_type(self, voice or wanted_type))
        name = voice.strip().lower()
        info = catalogue.get(name)
        if info is None:
            raise UnknownVoiceError(
                f"Unknown voice {voice!r}; the local voices are: {', '.join(catalogue)}."
            )
        if wanted_type != "default" and info.voice_type != wanted_type:
            raise UnknownVoiceError(
                f"The voice {name!r} is {info.voice_type}, not {wanted_type}; leave out the "
                f"voice type or choose a {wanted_type} voice: "
                f"{', '.join(self._names_of_type(catalogue, wanted_type))}."
            )
        if not info.available:
            raise VoiceUnavailableError(f"The voice {name!r} cannot be used: {info.reason}.")
        return name

    def engine_version(self, voice: str) -> str:
        """Engine and model identity of `voice`; raises `UnknownVoiceError` if unknown."""
        if voice == piper_engine.VOICE_NAME:
            return piper_engine.engine_version()
        return hibari_engine.engine_version(self._hibari_voice(voice))

    def sample_rate(self, voice: str) -> int:
        """24,000 Hz for hibari voices, 22,050 Hz for joe."""
        if voice == piper_engine.VOICE_NAME:
            return piper_engine.sample_rate()
        self._hibari_voice(voice)
        return hibari_engine.SAMPLE_RATE

    def prepare(self, voice: str) -> None:
        """Load `voice`'s engine now; raises `VoiceUnavailableError` if it cannot load."""
        if voice == piper_engine.VOICE_NAME:
            piper_engine.load()
        else:
            hibari_engine.load(self._hibari_voice(voice))

    def _synthesise(self, text: str, voice: str, speed: float) -> SpeechAudio:
        if voice == piper_engine.VOICE_NAME:
            return piper_engine.synthesise(text, speed)
        return hibari_engine.synthesise(self._hibari_voice(voice), text, speed)

    def _catalogue(self) -> list[VoiceInfo]:
        hibari_voices = [hibari_engine.describe(v, self.name) for v in hibari_engine.voices()]
        bundled = [v for v in hibari_voices if v.name == hibari_engine.BUNDLED_VOICE]
        others = [v for v in hibari_voices if v.name != hibari_engine.BUNDLED_VOICE]
        # Listed in order of preference: the default voice, the male voice, then the
        # voices that must be copied in by hand.
        return [*bundled, piper_engine.describe(self.name), *others]

    @staticmethod
    def _names_of_type(catalogue: dict[str, VoiceInfo], voice_type: str) -> list[str]:
        if voice_type == "default":
            return [hibari_engine.BUNDLED_VOICE]
        return [name for name, info in catalogue.items() if info.voice_type == voice_type]

    def _first_available(self, catalogue: dict[str, VoiceInfo], voice_type: str) -> str:
        candidates = self._names_of_type(catalogue, voice_type)
        for name in candidates:
            if catalogue[name].available:
                return name
        reasons = "; ".join(f"{name}: {catalogue[name].reason}" for name in candidates)
        raise VoiceUnavailableError(f"No {voice_type} voice can be used here ({reasons}).")

    def _hibari_voice(self, name: str) -> hibari_engine.HibariVoice:
        voice = hibari_engine.voice_named(name)
        if voice is None:
            known = ", ".join([piper_engine.VOICE_NAME, *(v.name for v in hibari_engine.voices())])
            raise UnknownVoiceError(f"Unknown voice {name!r}; the local voices are: {known}.")
        return voice
