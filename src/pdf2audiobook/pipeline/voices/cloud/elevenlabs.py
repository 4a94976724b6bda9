"""The `elevenlabs` provider: ElevenLabs' "Create speech" API.

Wire facts, from ElevenLabs' API reference ("Create speech") and help centre:
- `POST /v1/text-to-speech/{voice_id}?output_format=pcm_24000`, key in `xi-api-key`,
  JSON `text`, `model_id`, `voice_settings` (stability, similarity_boost, speed).
- `pcm_24000` is raw 16-bit signed little-endian mono at 24 kHz; every plan may ask for
  it (only the 44.1 kHz PCM needs the Pro tier).
- `voice_settings.speed` takes 0.7-1.2, 1.0 being the voice's natural pace ("Values
  outside the 0.7-1.2 range are not supported", ElevenLabs docs, "Speed control").
- Per-request text limits depend on the model and plan: eleven_multilingual_v2 takes
  10,000 characters through the API (help centre, "What's the maximum amount of
  characters..."), but `/v1/models` reports 2,500 for free accounts; a longer text is
  refused with 400 `max_character_limit_exceeded`.
- Concurrent requests are limited per plan (2 on the free plan, more on paid plans); one
  more is refused with 429 `too_many_concurrent_requests`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import ClassVar

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pdf2audiobook.pipeline.voices.base import (
    ProviderStatus,
    SpeechAudio,
    TTSProvider,
    VoiceInfo,
    validate_speed,
)
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy, request_with_retries
from pdf2audiobook.pipeline.voices.cloud.pcm import decode_speech
from pdf2audiobook.pipeline.voices.errors import (
    InvalidSpeedError,
    UnknownVoiceError,
    VoiceUnavailableError,
)
from pdf2audiobook.pipeline.voices.voice_types import checked_voice_type, is_voice_type

ELEVENLABS_SAMPLE_RATE = 24_000
OUTPUT_FORMAT = f"pcm_{ELEVENLABS_SAMPLE_RATE}"
MIN_ELEVENLABS_SPEED = 0.7
MAX_ELEVENLABS_SPEED = 1.2
"""ElevenLabs' documented speed range. Outside it we refuse rather than clamp: a book
asked for at 1.5x but read at 1.2x would silently run a fifth longer than expected."""
STABILITY = 0.5
SIMILARITY_BOOST = 0.75
"""Middle stability keeps some expression without drifting between chunks; high
similarity stays close to the chosen voice. Sent with every request so the audio does
not change when someone edits the voice's stored settings in their account, which would
make newly spoken chunks of a book differ from its cached ones."""

_VOICE_ID = re.compile(r"[A-Za-z0-9]{20}")
"""The shape of ElevenLabs voice ids, such as 21m00Tcm4TlvDq8ikWAM."""


@dataclass(frozen=True)
class _ElevenLabsVoice:
    name: str
    voice_id: str
    voice_type: str
    description: str


_VOICES = (
    _ElevenLabsVoice("rachel", "21m00Tcm4TlvDq8ikWAM", "female", "calm, clear American narrator"),
    _ElevenLabsVoice("adam", "pNInz6obpgDQGcFmaJgB", "male", "deep American narrator"),
)
ELEVENLABS_VOICES = {"default": "rachel", "female": "rachel", "male": "adam"}
"""The spec's mapping (backend guidelines, "Voice Mapping": Rachel and Adam), by the
public voice ids of ElevenLabs' premade voices. No "child": both are adult voices; a
child-like voice of the account's library can still be named by its id."""


class ElevenLabsSettings(BaseSettings):
    """ELEVENLABS_API_KEY, ELEVENLABS_BASE_URL and ELEVENLABS_MODEL, from the environment
    or `.env`."""

    model_config = SettingsConfigDict(
        env_prefix="ELEVENLABS_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    api_key: SecretStr | None = None
    base_url: str = "https://api.elevenlabs.io"
    model: str = "eleven_multilingual_v2"
    """ElevenLabs' long-form narration model; flash and turbo models are cheaper."""


class ElevenLabsProvider(TTSProvider):
    """Rachel and Adam, or any voice id of the account's library; needs ELEVENLABS_API_KEY."""

    name: ClassVar[str] = "elevenlabs"
    voice_types: ClassVar[tuple[str, ...]] = tuple(ELEVENLABS_VOICES)
    max_chars: ClassVar[int] = 2_500
    """The smallest per-request limit of any plan and current model (free accounts,
    `max_characters_request_free_user` in `/v1/models`), so every key works. It also
    keeps one request to about two and a half minutes of speech, which the 60 s request
    timeout comfortably covers."""
    max_concurrency: ClassVar[int] = 2
    """The free plan's concurrent-request limit; paid plans allow more, and a 429 from
    going over is retried anyway."""

    def __init__(
        self,
        settings: ElevenLabsSettings | None = None,
        *,
        client: httpx.Client | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._settings = settings or ElevenLabsSettings()
        self._client = client
        self._client_lock = threading.Lock()
        self._policy = policy or RetryPolicy()

    def status(self) -> ProviderStatus:
        """Rachel and Adam; unavailable without ELEVENLABS_API_KEY."""
        problem = self._missing_key()
        voices = [
            VoiceInfo(
                name=voice.name,
                provider=self.name,
                voice_type=voice.voice_type,
                language="en-US",
                available=problem is None,
                reason=problem,
                description=f"ElevenLabs {voice.name.title()}: {voice.description}",
            )
            for voice in _VOICES
        ]
        return ProviderStatus(
            name=self.name, available=problem is None, reason=problem, voices=voices
        )

    def resolve_voice(self, voice: str | None, voice_type: str | None) -> str:
        """The voice to use: "rachel", "adam", or `voice` itself when it is a voice id.

        Types: "default" and "female" mean rachel, "male" adam, and there is no "child";
        `voice` may be one of those words too. A voice id from the account's library is
        passed through as is (ids are case-sensitive); its type is unknown, so it is not
        checked, but a voice type asked for must still be one listed here. Raises
        `UnknownVoiceError` for an unknown name or type, or a voice of the other type than
        asked, and `VoiceUnavailableError` without an API key.
        """
        wanted_type = checked_voice_type(self, voice_type)
        problem = self._missing_key()
        if problem is not None:
            raise VoiceUnavailableError(f"The ElevenLabs voices cannot be used: {problem}.")
        given = (voice or wanted_type).strip()
        if _VOICE_ID.fullmatch(given):
            return given
        if is_voice_type(given):
            given = ELEVENLABS_VOICES[checked_voice_type(self, given)]
        name = given.lower()
        known = {v.name: v for v in _VOICES}
        info = known.get(name)
        if info is None:
            raise UnknownVoiceError(
                f"Unknown voice {voice!r}; the ElevenLabs voices are: {', '.join(known)}, "
                "or give the 20-character id of a voice in your ElevenLabs library."
            )
        if wanted_type != "default" and info.voice_type != wanted_type:
            raise UnknownVoiceError(
                f"The voice {name!r} is {info.voice_type}, not {wanted_type}; leave out the "
                f"voice type or choose {ELEVENLABS_VOICES[wanted_type]!r}."
            )
        return name

    def engine_version(self, voice: str) -> str:
        """Model and voice settings, which together with the voice decide the audio."""
        self._voice_id(voice)
        return (
            f"elevenlabs-text-to-speech model={self._settings.model} format={OUTPUT_FORMAT} "
            f"stability={STABILITY} similarity_boost={SIMILARITY_BOOST}"
        )

    def sample_rate(self, voice: str) -> int:
        """24,000 Hz: the `pcm_24000` output format asked for."""
        self._voice_id(voice)
        return ELEVENLABS_SAMPLE_RATE

    def text_to_audio(self, text: str, voice: str, speed: float) -> SpeechAudio:
        """As `TTSProvider.text_to_audio`, and `InvalidSpeedError` also for a speed outside
        ElevenLabs' 0.7-1.2, raised before any request is sent."""
        speed = validate_speed(speed)
        if not MIN_ELEVENLABS_SPEED <= speed <= MAX_ELEVENLABS_SPEED:
            raise InvalidSpeedError(
                f"Speed {speed} is not supported by ElevenLabs voices, which speak from "
                f"{MIN_ELEVENLABS_SPEED} to {MAX_ELEVENLABS_SPEED} times their natural pace; "
                "choose a speed in that range or another speech provider."
            )
        return super().text_to_audio(text, voice, speed)

    def _synthesise(self, text: str, voice: str, speed: float) -> SpeechAudio:
        key = self._settings.api_key
        if key is None or self._missing_key() is not None:
            raise VoiceUnavailableError(
                "The ElevenLabs voices cannot be used: set ELEVENLABS_API_KEY."
            )
        root = self._settings.base_url.strip().rstrip("/").removesuffix("/v1")
        response = request_with_retries(
            self._http(),
            "POST",
            f"{root}/v1/text-to-speech/{self._voice_id(voice)}",
            provider=self.name,
            policy=self._policy,
            headers={"xi-api-key": key.get_secret_value()},
            params={"output_format": OUTPUT_FORMAT},
            json={
                "text": text,
                "model_id": self._settings.model,
                "voice_settings": {
                    "stability": STABILITY,
                    "similarity_boost": SIMILARITY_BOOST,
                    "speed": speed,
                },
            },
        )
        return decode_speech(
            response.content,
            response.headers.get("content-type", ""),
            provider=self.name,
            sample_rate=ELEVENLABS_SAMPLE_RATE,
        )

    def _voice_id(self, voice: str) -> str:
        for known in _VOICES:
            if known.name == voice:
                return known.voice_id
        if _VOICE_ID.fullmatch(voice):
            return voice
        names = ", ".join(v.name for v in _VOICES)
        raise UnknownVoiceError(
            f"Unknown voice {voice!r}; the ElevenLabs voices are: {names}, or a voice id."
        )

    def _missing_key(self) -> str | None:
        key = self._settings.api_key
        return (
            "set ELEVENLABS_API_KEY" if key is None or not key.get_secret_value().strip() else None
        )

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client()
            return self._client
