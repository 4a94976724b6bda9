"""The `openai-compatible` provider: any server speaking OpenAI's `/v1/audio/speech`.

For self-hosted engines with an OpenAI-style front end, such as Kokoro-FastAPI. The
request is the one the `openai` provider sends (raw PCM asked for); the answer may also
be a WAV file, because some servers ignore `response_format`. Which voices a server has
is unknown here, so one configured voice serves the default type and any other name
given with `--voice` is passed through for the server to accept or refuse.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import httpx
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pdf2audiobook.pipeline.voices.base import ProviderStatus, VoiceInfo
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy
from pdf2audiobook.pipeline.voices.cloud.openai_speech import (
    OPENAI_PCM_SAMPLE_RATE,
    SpeechEndpoint,
    SpeechEndpointProvider,
    api_root,
)
from pdf2audiobook.pipeline.voices.errors import UnknownVoiceError, VoiceUnavailableError
from pdf2audiobook.pipeline.voices.voice_types import checked_voice_type, is_voice_type


class OpenAICompatibleSettings(BaseSettings):
    """OPENAI_COMPATIBLE_* settings, from the environment or `.env`."""

    model_config = SettingsConfigDict(
        env_prefix="OPENAI_COMPATIBLE_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    base_url: str | None = None
    """Such as http://localhost:8880 (a trailing /v1 is accepted); unset, the provider is
    unavailable."""
    model: str = "tts-1"
    """OpenAI's model name, which OpenAI-style servers commonly map to their own model."""
    voice: str = "alloy"
    """The voice spoken when none is named; servers commonly map OpenAI's names too."""
    voice_type: Literal["female", "male"] = "female"
    """Whether `voice` is female or male, so a request for the other type is refused
    instead of silently spoken with the wrong voice."""
    api_key: SecretStr | None = None
    """Sent as a bearer token when set."""
    sample_rate: int = Field(default=OPENAI_PCM_SAMPLE_RATE, ge=8_000, le=192_000)
    """Rate of the server's raw PCM: OpenAI's 24 kHz unless the server says otherwise."""


class OpenAICompatibleProvider(SpeechEndpointProvider):
    """A self-hosted OpenAI-style speech server; needs OPENAI_COMPATIBLE_BASE_URL."""

    name: ClassVar[str] = "openai-compatible"
    max_chars: ClassVar[int] = 1_000
    """Well under the protocol's 4,096: a self-hosted server may run on a CPU at a few
    times real time, and 4,096 characters (about four and a half minutes of speech)
    could then outlast the 60 s request timeout and be retried in vain. 1,000 characters
    are about a minute of speech, and some servers refuse long inputs outright."""
    max_concurrency: ClassVar[int] = 2
    """A self-hosted server usually runs one model: more requests only queue there,
    using up their timeout while they wait."""

    def __init__(
        self,
        settings: OpenAICompatibleSettings | None = None,
        *,
        client: httpx.Client | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(client=client, policy=policy)
        self._settings = settings or OpenAICompatibleSettings()

    def status(self) -> ProviderStatus:
        """The configured voice; unavailable until OPENAI_COMPATIBLE_BASE_URL is set.

        The server is not contacted: whether it is up shows on the first request.
        """
        problem = self._missing_url()
        settings = self._settings
        voice = VoiceInfo(
            name=settings.voice,
            provider=self.name,
            voice_type=settings.voice_type,
            language="en-US",
            available=problem is None,
            reason=problem,
            description=(
                f"{settings.voice} ({settings.model}) on "
                f"{api_root(settings.base_url) if settings.base_url else 'an unset server'}"
            ),
        )
        return ProviderStatus(
            name=self.name, available=problem is None, reason=problem, voices=[voice]
        )

    def resolve_voice(self, voice: str | None, voice_type: str | None) -> str:
        """`voice` as given, or the configured voice for no voice or a voice-type word.

        Raises `UnknownVoiceError` for an unknown type or "child" (OPENAI_COMPATIBLE_VOICE_TYPE
        is female or male), or when the configured voice is
        meant (no voice, a type word or its name) but is not of the type asked, and
        `VoiceUnavailableError` while OPENAI_COMPATIBLE_BASE_URL is unset. Any other
        named voice is not checked: only the server knows its voices and their types,
        and it refuses unknown ones.
        """
        wanted_type = checked_voice_type(self, voice_type)
        problem = self._missing_url()
        if problem is not None:
            raise VoiceUnavailableError(f"The {self.name} voices cannot be used: {problem}.")
        configured = self._settings
        named = (voice or "").strip()
        if is_voice_type(named):
            wanted_type, named = checked_voice_type(self, named), ""
        if named and named != configured.voice:
            return named
        if wanted_type != "default" and wanted_type != configured.voice_type:
            raise UnknownVoiceError(
                f"The configured voice {configured.voice!r} is {configured.voice_type}, not "
                f"{wanted_type}; name a {wanted_type} voice of your server with --voice, or "
                "change OPENAI_COMPATIBLE_VOICE and OPENAI_COMPATIBLE_VOICE_TYPE."
            )
        return configured.voice

    def engine_version(self, voice: str) -> str:  # noqa: ARG002 - same for every voice
        """Server, model and sample rate: any of them changes the audio of `voice`."""
        settings = self._settings
        server = api_root(settings.base_url) if settings.base_url else "unset"
        return (
            f"openai-compatible server={server} model={settings.model} "
            f"format=pcm-{settings.sample_rate}"
        )

    def sample_rate(self, voice: str) -> int:  # noqa: ARG002 - same for every voice
        """OPENAI_COMPATIBLE_SAMPLE_RATE, 24,000 Hz unless set."""
        return self._settings.sample_rate

    def _endpoint(self) -> SpeechEndpoint:
        settings = self._settings
        if settings.base_url is None or self._missing_url() is not None:
            raise VoiceUnavailableError(
                f"The {self.name} voices cannot be used: set OPENAI_COMPATIBLE_BASE_URL."
            )
        return SpeechEndpoint(
            base_url=settings.base_url,
            api_key=settings.api_key.get_secret_value() if settings.api_key else None,
            model=settings.model,
            sample_rate=settings.sample_rate,
            rate_hint="Set OPENAI_COMPATIBLE_SAMPLE_RATE to the server's rate.",
        )

    def _missing_url(self) -> str | None:
        url = self._settings.base_url
        return "set OPENAI_COMPATIBLE_BASE_URL" if url is None or not url.strip() else None
