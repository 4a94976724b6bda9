"""The `openai` provider: OpenAI's text-to-speech API, `POST /v1/audio/speech`.

Also the shared client of that endpoint (`SpeechEndpointProvider`), which the
`openai-compatible` provider reuses for self-hosted servers speaking the same protocol.

Wire facts, from OpenAI's API reference ("Create speech") and text-to-speech guide:
- JSON body `model`, `input`, `voice`, `speed`, `response_format`; bearer-token auth.
- `input` is at most 4,096 characters; a longer one is refused with 400
  `invalid_request_error` ("String should have at most 4096 characters").
- `speed` is 0.25-4.0, so our whole 0.5-2.0 range passes through unchanged.
- `response_format: "pcm"` is raw 16-bit signed little-endian samples at 24 kHz with no
  header, so no audio codec is needed here.
- Built-in voices: alloy, ash, ballad, coral, echo, fable, onyx, nova, sage, shimmer,
  verse, marin, cedar; `tts-1` and `tts-1-hd` have only alloy, ash, coral, echo, fable,
  onyx, nova, sage and shimmer.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pdf2audiobook.pipeline.voices.base import (
    ProviderStatus,
    SpeechAudio,
    TTSProvider,
    VoiceInfo,
)
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy, request_with_retries
from pdf2audiobook.pipeline.voices.cloud.pcm import decode_speech
from pdf2audiobook.pipeline.voices.errors import UnknownVoiceError, VoiceUnavailableError
from pdf2audiobook.pipeline.voices.voice_types import checked_voice_type, is_voice_type

OPENAI_PCM_SAMPLE_RATE = 24_000
"""`response_format: "pcm"` is always 24 kHz (OpenAI text-to-speech guide)."""
OPENAI_INPUT_LIMIT = 4_096
"""Characters of `input` per request (OpenAI API reference, "Create speech")."""


def api_root(base_url: str) -> str:
    """`base_url` without a trailing slash or `/v1`, so `{root}/v1/...` is the endpoint.

    OpenAI's own SDKs take base URLs ending in `/v1`, and self-hosted servers document
    theirs that way, so both spellings are accepted.
    """
    root = base_url.strip().rstrip("/")
    return root.removesuffix("/v1").rstrip("/")


@dataclass(frozen=True)
class SpeechEndpoint:
    """One server's `/v1/audio/speech`: where it is and what to ask it for."""

    base_url: str
    api_key: str | None = field(repr=False)
    """Sent as a bearer token when set; self-hosted servers often need none. Kept out of
    `repr` so a logged endpoint never shows it."""
    model: str
    sample_rate: int
    """Rate of the raw PCM the server sends for `response_format: "pcm"`."""
    rate_hint: str = ""
    """How to fix a WAV answer at another rate, for the error message."""

    @property
    def url(self) -> str:
        return f"{api_root(self.base_url)}/v1/audio/speech"


class SpeechEndpointProvider(TTSProvider):
    """A provider whose voices speak through an OpenAI-style `/v1/audio/speech` endpoint.

    Subclasses supply the endpoint and the voice catalogue. The HTTP client is created on
    first synthesis (listing voices needs no network) unless one is passed in, and
    `policy` sets the retries; tests pass both to reach a local server without waiting.
    """

    max_concurrency: ClassVar[int] = 4
    """Requests worth having in flight at once; each waits seconds on a remote server."""

    def __init__(
        self, *, client: httpx.Client | None = None, policy: RetryPolicy | None = None
    ) -> None:
        self._client = client
        self._client_lock = threading.Lock()
        self._policy = policy or RetryPolicy()

    @abstractmethod
    def _endpoint(self) -> SpeechEndpoint:
        """Where to send requests; raises `VoiceUnavailableError` when not configured."""

    def _synthesise(self, text: str, voice: str, speed: float) -> SpeechAudio:
        endpoint = self._endpoint()
        headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
        response = request_with_retries(
            self._http(),
            "POST",
            endpoint.url,
            provider=self.name,
            policy=self._policy,
            headers=headers,
            json={
                "model": endpoint.model,
                "input": text,
                "voice": voice,
                "speed": speed,
                "response_format": "pcm",
            },
        )
        return decode_speech(
            response.content,
            response.headers.get("content-type", ""),
            provider=self.name,
            sample_rate=endpoint.sample_rate,
            rate_hint=endpoint.rate_hint,
        )

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client()
            return self._client


class OpenAISpeechSettings(BaseSettings):
    """OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_TTS_MODEL, from the environment or `.env`."""

    model_config = SettingsConfigDict(
        env_prefix="OPENAI_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    api_key: SecretStr | None = None
    base_url: str = "https://api.openai.com"
    tts_model: str = "tts-1"
    """The spec's model: the fastest and cheapest; `tts-1-hd` and `gpt-4o-mini-tts` also work."""


@dataclass(frozen=True)
class _OpenAIVoice:
    name: str
    voice_type: str
    """OpenAI does not label its voices; this is how each is commonly heard."""
    description: str
    spoken_by_tts_1: bool
    """Whether `tts-1` and `tts-1-hd` have this voice; newer models have all of them."""


_VOICES = (
    _OpenAIVoice("alloy", "female", "neutral and balanced", True),
    _OpenAIVoice("ash", "male", "clear and direct", True),
    _OpenAIVoice("ballad", "male", "soft and expressive", False),
    _OpenAIVoice("coral", "female", "warm and friendly", True),
    _OpenAIVoice("echo", "male", "calm and even", True),
    _OpenAIVoice("fable", "male", "British, storytelling", True),
    _OpenAIVoice("nova", "female", "bright and lively", True),
    _OpenAIVoice("onyx", "male", "deep and authoritative", True),
    _OpenAIVoice("sage", "female", "measured and gentle", True),
    _OpenAIVoice("shimmer", "female", "light and clear", True),
    _OpenAIVoice("verse", "male", "versatile and expressive", False),
    _OpenAIVoice("marin", "female", "natural, newest generation", False),
    _OpenAIVoice("cedar", "male", "natural, newest generation", False),
)
OPENAI_VOICES = {"default": "alloy", "female": "nova", "male": "onyx"}
"""The spec's mapping of voice types to voices (backend guidelines, "Voice Mapping"). No
"child": OpenAI's built-in voices are all adult ones."""


class OpenAIProvider(SpeechEndpointProvider):
    """OpenAI's built-in voices; needs OPENAI_API_KEY."""

    name: ClassVar[str] = "openai"
    voice_types: ClassVar[tuple[str, ...]] = tuple(OPENAI_VOICES)
    max_chars: ClassVar[int] = OPENAI_INPUT_LIMIT
    """OpenAI's own limit: chunks as long as the API takes mean the fewest requests."""

    def __init__(
        self,
        settings: OpenAISpeechSettings | None = None,
        *,
        client: httpx.Client | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(client=client, policy=policy)
        self._settings = settings or OpenAISpeechSettings()

    def status(self) -> ProviderStatus:
        """Every built-in voice; unavailable without a key, or for a voice the model lacks."""
        catalogue = self._catalogue()
        problem = self._missing_key()
        return ProviderStatus(
            name=self.name,
            available=problem is None and any(voice.available for voice in catalogue),
            reason=problem,
            voices=catalogue,
        )

    def resolve_voice(self, voice: str | None, voice_type: str | None) -> str:
        """A built-in voice name: `voice` if given, else the spec's voice for `voice_type`.

        Types: "default" is alloy, "female" nova, "male" onyx, and there is no "child";
        `voice` may be one of those words too. Raises `UnknownVoiceError` for an unknown
        name or type (for "child", naming the providers that have one), or a voice of
        the other type than asked, and `VoiceUnavailableError` without an API key or for a
        voice the configured model does not have.
        """
        wanted_type = checked_voice_type(self, voice_type)
        catalogue = {info.name: info for info in self._catalogue()}
        name = (voice or wanted_type).strip().lower()
        if is_voice_type(name):
            name = OPENAI_VOICES[checked_voice_type(self, name)]
        info = catalogue.get(name)
        if info is None:
            raise UnknownVoiceError(
                f"Unknown voice {voice!r}; the OpenAI voices are: {', '.join(catalogue)}."
            )
        if wanted_type != "default" and info.voice_type != wanted_type:
            matching = [v.name for v in catalogue.values() if v.voice_type == wanted_type]
            raise UnknownVoiceError(
                f"The voice {name!r} is {info.voice_type}, not {wanted_type}; leave out the "
                f"voice type or choose a {wanted_type} voice: {', '.join(matching)}."
            )
        if not info.available:
            raise VoiceUnavailableError(f"The voice {name!r} cannot be used: {info.reason}.")
        return name

    def engine_version(self, voice: str) -> str:
        """The API, model and output format behind `voice`; the model changes the audio."""
        self._known(voice)
        return f"openai-audio-speech model={self._settings.tts_model} format=pcm-24000"

    def sample_rate(self, voice: str) -> int:
        """24,000 Hz, the only rate of OpenAI's raw PCM output."""
        self._known(voice)
        return OPENAI_PCM_SAMPLE_RATE

    def _endpoint(self) -> SpeechEndpoint:
        problem = self._missing_key()
        if problem is not None or self._settings.api_key is None:
            raise VoiceUnavailableError(f"The OpenAI voices cannot be used: {problem}.")
        return SpeechEndpoint(
            base_url=self._settings.base_url,
            api_key=self._settings.api_key.get_secret_value(),
            model=self._settings.tts_model,
            sample_rate=OPENAI_PCM_SAMPLE_RATE,
        )

    def _missing_key(self) -> str | None:
        key = self._settings.api_key
        return "set OPENAI_API_KEY" if key is None or not key.get_secret_value().strip() else None

    def _catalogue(self) -> list[VoiceInfo]:
        problem = self._missing_key()
        model = self._settings.tts_model
        # Dated snapshots such as tts-1-1106 have the same voices as their family.
        legacy_model = model.startswith("tts-1")
        infos = []
        for voice in _VOICES:
            reason = problem
            if reason is None and legacy_model and not voice.spoken_by_tts_1:
                reason = f"the model {model} does not have it; set OPENAI_TTS_MODEL=gpt-4o-mini-tts"
            infos.append(
                VoiceInfo(
                    name=voice.name,
                    provider=self.name,
                    voice_type=voice.voice_type,
                    language="en-US",
                    available=reason is None,
                    reason=reason,
                    description=f"OpenAI {voice.name}: {voice.description}",
                )
            )
        return infos

    def _known(self, voice: str) -> None:
        if voice not in {v.name for v in _VOICES}:
            known = ", ".join(v.name for v in _VOICES)
            raise UnknownVoiceError(f"Unknown voice {voice!r}; the OpenAI voices are: {known}.")
