"""What every speech provider offers, and the audio and status values they exchange."""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from pdf2audiobook.pipeline.voices.errors import ChunkTooLongError, InvalidSpeedError

MIN_SPEED = 0.5
MAX_SPEED = 2.0
"""Both engines accept speed factors in this range; outside it hibari's durations stop
scaling and piper's pauses drift (tts-audio.md §2)."""

VOICE_TYPES = ("default", "female", "male", "child")
"""Every voice type a request may name. A provider maps those it has (`voice_types`) to
voices of its own and refuses the others: an adult voice is never passed off as a child's."""

_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_LINE_BREAK = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Control and invisible formatting characters (NUL, soft hyphen, zero-width space, BOM,
# bidi marks): nothing to say, and piper rejects a NUL outright.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)


@dataclass(frozen=True, eq=False)
class SpeechAudio:
    """Mono speech: float32 samples in [-1, 1] at `sample_rate` Hz.

    Equality is identity (`eq=False`): comparing arrays element-wise has no single truth
    value, so compare `samples` explicitly where needed.
    """

    samples: npt.NDArray[np.float32]
    sample_rate: int

    def __post_init__(self) -> None:
        if self.samples.ndim != 1 or self.samples.dtype != np.float32:
            raise ValueError(
                f"speech samples must be a 1-D float32 array, not {self.samples.ndim}-D "
                f"{self.samples.dtype}"
            )
        if self.sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, not {self.sample_rate}")

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate

    @classmethod
    def silence(cls, sample_rate: int) -> SpeechAudio:
        """Zero-length audio, what a text with nothing to say produces."""
        return cls(np.zeros(0, dtype=np.float32), sample_rate)


@dataclass(frozen=True)
class VoiceInfo:
    """One voice of a provider and whether it can speak on this machine."""

    name: str
    provider: str
    voice_type: str
    """"female", "male" or "child"."""
    language: str
    """BCP 47 tag, such as "en-US"."""
    available: bool
    reason: str | None
    """Why the voice cannot speak here; None when it can."""
    description: str


@dataclass(frozen=True)
class ProviderStatus:
    """A provider, whether any of its voices can speak here, and each voice's state."""

    name: str
    available: bool
    reason: str | None
    voices: list[VoiceInfo]


def validate_speed(speed: float) -> float:
    """Return `speed` as a float; raise `InvalidSpeedError` outside 0.5-2.0."""
    if not MIN_SPEED <= speed <= MAX_SPEED:  # also rejects NaN
        raise InvalidSpeedError(
            f"Speed {speed} is not supported; choose a value from {MIN_SPEED} (half speed) "
            f"to {MAX_SPEED} (double speed), where 1.0 is the voice's natural pace."
        )
    return float(speed)


def normalise_text(text: str) -> str:
    """The text exactly as an engine receives it.

    Unicode NFC, control and invisible characters removed, runs of spaces and tabs
    collapsed, each line stripped and empty lines dropped. Line breaks stay (all kinds
    become "\n"), because hibari treats each line as its own sentence. Synthesis and the
    chunk cache both use this form, so a cache key describes exactly what was spoken.
    """
    composed = _INVISIBLE.sub("", _LINE_BREAK.sub("\n", unicodedata.normalize("NFC", text)))
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in composed.split("\n"))
    return "\n".join(line for line in lines if line)


class TTSProvider(ABC):
    """A source of voices: turns text into speech audio.

    Instances are cheap to create; engines load on first synthesis (or `prepare`) and
    are then shared by the process. Subclasses implement `_synthesise` and the voice
    catalogue; `text_to_audio` does the checks common to all providers.
    """

    name: ClassVar[str]
    max_chars: ClassVar[int]
    """The longest text, after `normalise_text`, that one `text_to_audio` call accepts.
    The text stage must cut chunks (and over-long sentences) to fit."""
    max_concurrency: ClassVar[int | None] = None
    """Most requests a provider takes at once (a cloud's rate limit); None: one per process
    that speaks."""
    voice_types: ClassVar[tuple[str, ...]] = ("default", "female", "male")
    """The voice types (of `VOICE_TYPES`) this provider has a voice for."""

    @abstractmethod
    def status(self) -> ProviderStatus:
        """Every voice of this provider with its availability; never loads an engine."""

    @abstractmethod
    def resolve_voice(self, voice: str | None, voice_type: str | None) -> str:
        """The concrete voice name to use.

        `voice` is a voice name or None; `voice_type` is one of `VOICE_TYPES` or None.
        Raises `UnknownVoiceError` for a name or type the provider does not have (for a
        type, naming the types it has and the providers that have the type asked for) and
        `VoiceUnavailableError`, with the reason, when the voice cannot speak here.
        """

    @abstractmethod
    def engine_version(self, voice: str) -> str:
        """Package versions and model identity behind `voice`, for cache keys."""

    @abstractmethod
    def sample_rate(self, voice: str) -> int:
        """Sample rate of the audio `voice` produces, without loading its engine."""

    def prepare(self, voice: str) -> None:  # noqa: B027 - optional hook, no-op by default
        """Load the engine behind `voice` now instead of on first synthesis."""

    def text_to_audio(self, text: str, voice: str, speed: float) -> SpeechAudio:
        """Speak `text` with `voice` at `speed` (1.0 = natural pace).

        Raises `InvalidSpeedError` for a speed outside 0.5-2.0, `UnknownVoiceError` or
        `VoiceUnavailableError` for a voice that cannot speak here, `ChunkTooLongError`
        when the normalised text exceeds `max_chars`, and `SpeechSynthesisError` when the
        engine fails. A text with nothing to say gives zero-length audio.
        """
        speed = validate_speed(speed)
        resolved = self.resolve_voice(voice, None)
        spoken = normalise_text(text)
        if len(spoken) > self.max_chars:
            raise ChunkTooLongError(
                f"A piece of text of {len(spoken)} characters was sent to the {self.name!r} "
                f"speech provider, which takes at most {self.max_chars} at once. The text "
                "should have been split into shorter chunks; please report this as a bug."
            )
        if not spoken:
            return SpeechAudio.silence(self.sample_rate(resolved))
        return self._synthesise(spoken, resolved, speed)

    @abstractmethod
    def _synthesise(self, text: str, voice: str, speed: float) -> SpeechAudio:
        """Speak normalised, non-empty `text` with an available, resolved `voice`."""
