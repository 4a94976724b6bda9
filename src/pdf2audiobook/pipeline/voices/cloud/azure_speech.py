"""The `azure` provider: Azure AI Speech text to speech over REST, `POST /cognitiveservices/v1`.

Wire facts, from Microsoft's "Text to speech REST API" reference, its SSML guides and
"Speech service quotas and limits" (learn.microsoft.com/azure/ai-services/speech-service):
- Endpoint `https://{region}.tts.speech.microsoft.com/cognitiveservices/v1`; headers
  `Ocp-Apim-Subscription-Key`, `Content-Type: application/ssml+xml`,
  `X-Microsoft-OutputFormat` and `User-Agent` (under 255 characters); the body is SSML.
- `raw-24khz-16bit-mono-pcm` answers headerless 16-bit little-endian PCM at 24 kHz, the
  native rate of the prebuilt neural voices.
- Status codes: 400 bad parameter or SSML, 401 bad key or region, 415 wrong Content-Type,
  429 over quota, 502/503 server-side trouble.
- "If the resulting audio exceeds 10 minutes, it's truncated to 10 minutes", silently,
  with 200; the quotas page repeats "Max audio length produced per request: 10 min".
- `&`, `<` and `>` in text must be written as entities, and quotation marks escaped too.
- `<speak>` needs `version`, `xmlns` and `xml:lang`. `<prosody rate>` takes a multiplier
  ("0.5"), a relative change ("+50%", "-50%") or a constant, within 0.5-2x. A bare
  percentage is a *change*, not a multiple: "50%" means 1.5x, unlike Polly's "50%".
"""

from __future__ import annotations

import re
import threading
from typing import ClassVar
from xml.sax.saxutils import quoteattr

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pdf2audiobook.pipeline.voices.base import ProviderStatus, SpeechAudio, TTSProvider
from pdf2audiobook.pipeline.voices.cloud.catalogue import catalogue_status, resolve_catalogue_voice
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy, request_with_retries
from pdf2audiobook.pipeline.voices.cloud.pcm import decode_speech
from pdf2audiobook.pipeline.voices.cloud.ssml import ssml_text
from pdf2audiobook.pipeline.voices.errors import (
    ChunkTooLongError,
    UnknownVoiceError,
    VoiceUnavailableError,
)

AZURE_VOICES = {
    "default": "en-US-JennyNeural",
    "female": "en-US-JennyNeural",
    "male": "en-US-GuyNeural",
    "child": "en-US-AnaNeural",
}
"""The spec's mapping of voice types to voices (backend guidelines, "Voice Mapping"), and
for the "child" type its validation allows but its mapping lacks, Azure's US English
child voice (Microsoft's voice list: en-US-AnaNeural, female, child)."""
_CATALOGUE = (
    ("en-US-JennyNeural", "female"),
    ("en-US-GuyNeural", "male"),
    ("en-US-AnaNeural", "child"),
)
AZURE_SAMPLE_RATE = 24_000
OUTPUT_FORMAT = "raw-24khz-16bit-mono-pcm"
MAX_AUDIO_SECONDS = 600.0
"""Azure cuts every answer at 10 minutes of audio and still answers 200."""
SSML_NAMESPACE = "http://www.w3.org/2001/10/synthesis"
USER_AGENT = "pdf2audiobook"
_TRUNCATION_TOLERANCE_SECONDS = 0.05
# Azure voice names are "<locale>-<Name>", the locale possibly with a script or dialect
# part: en-US-JennyNeural, iu-Cans-CA-SiqiniqNeural, de-DE-Florian:DragonHDLatestNeural.
_VOICE_NAME = re.compile(r"^([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})+)-[A-Za-z0-9][A-Za-z0-9:]*$")
_REGION = re.compile(r"^[a-z0-9]+$")
# Characters XML 1.0 forbids even as entities; SSML with one is refused whole.


class AzureSpeechSettings(BaseSettings):
    """AZURE_SPEECH_KEY, AZURE_SPEECH_REGION and AZURE_SPEECH_ENDPOINT."""

    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    azure_speech_key: SecretStr | None = None
    azure_speech_region: str | None = None
    """Such as "westeurope"; chooses the regional endpoint."""
    azure_speech_endpoint: str | None = None
    """Replaces the regional endpoint's base URL (a sovereign cloud, or a test server)."""


def prosody_rate(speed: float) -> str:
    """`speed` as Azure's relative rate: 1.5 is "+50%", 0.5 is "-50%", 1.0 is "+0%"."""
    return f"{round((speed - 1) * 100):+d}%"


def ssml_document(text: str, voice: str, speed: float) -> str:
    """One voice speaking `text` at `speed`, with every XML special character escaped."""
    spoken = ssml_text(text)
    return (
        f"<speak version='1.0' xmlns='{SSML_NAMESPACE}' xml:lang={quoteattr(_locale_of(voice))}>"
        f"<voice name={quoteattr(voice)}><prosody rate='{prosody_rate(speed)}'>"
        f"{spoken}</prosody></voice></speak>"
    )


class AzureSpeechProvider(TTSProvider):
    """Azure prebuilt neural voices; needs AZURE_SPEECH_KEY and AZURE_SPEECH_REGION.

    Any Azure voice name is accepted as `voice`; the catalogue lists the spec's two and a
    child's voice. The
    HTTP client is created on first synthesis unless one is passed in, and `policy` sets
    the retries; tests pass both to reach a local server without waiting.
    """

    name: ClassVar[str] = "azure"
    voice_types: ClassVar[tuple[str, ...]] = tuple(AZURE_VOICES)
    max_chars: ClassVar[int] = 3_000
    """Keeps each answer well inside Azure's 10-minute cut: neural voices speak about 150
    words (900 characters) a minute, so 3,000 characters last about 3.5 minutes, and 7 at
    half speed. The SSML stays far below the 64 KB Azure allows per message."""

    def __init__(
        self,
        settings: AzureSpeechSettings | None = None,
        *,
        client: httpx.Client | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._settings = settings or AzureSpeechSettings()
        self._client = client
        self._client_lock = threading.Lock()
        self._policy = policy or RetryPolicy()

    def status(self) -> ProviderStatus:
        """The spec's voices; unavailable, with the reason, until key and region are set."""
        return catalogue_status(
            self.name,
            _CATALOGUE,
            self._configuration_problem(),
            _locale_of,
            lambda voice, kind: f"Azure neural voice {voice} ({kind})",
        )

    def resolve_voice(self, voice: str | None, voice_type: str | None) -> str:
        """An Azure voice name: `voice` if given, else the spec's voice for `voice_type`.

        Types: "default" and "female" are en-US-JennyNeural, "male" en-US-GuyNeural,
        "child" en-US-AnaNeural; `voice` may be one of those words or any Azure voice name
        ("en-GB-SoniaNeural"). Raises `UnknownVoiceError` for an unknown type, a malformed
        name or a listed voice of another type, and `VoiceUnavailableError` until key and
        region are set.
        """
        return resolve_catalogue_voice(
            provider=self,
            label="Azure",
            voice=voice,
            voice_type=voice_type,
            voice_for_type=AZURE_VOICES,
            catalogue=_CATALOGUE,
            checked_name=_checked_azure_name,
            problem=self._configuration_problem(),
        )

    def engine_version(self, voice: str) -> str:
        """The API, voice and output format; Azure names a new model as a new voice."""
        _locale_of(voice)
        return f"azure-tts-rest-v1 voice={voice} {OUTPUT_FORMAT}"

    def sample_rate(self, voice: str) -> int:
        """24,000 Hz for every voice: each request asks for it."""
        _locale_of(voice)
        return AZURE_SAMPLE_RATE

    def _synthesise(self, text: str, voice: str, speed: float) -> SpeechAudio:
        response = request_with_retries(
            self._http(),
            "POST",
            self._url(),
            provider=self.name,
            policy=self._policy,
            headers={
                "Ocp-Apim-Subscription-Key": self._key(),
                "Content-Type": "application/ssml+xml",
                "X-Microsoft-OutputFormat": OUTPUT_FORMAT,
                "User-Agent": USER_AGENT,
            },
            content=ssml_document(text, voice, speed).encode("utf-8"),
        )
        audio = decode_speech(
            response.content,
            response.headers.get("content-type", ""),
            provider=self.name,
            sample_rate=AZURE_SAMPLE_RATE,
        )
        if audio.duration >= MAX_AUDIO_SECONDS - _TRUNCATION_TOLERANCE_SECONDS:
            # Azure answered 200 but dropped the rest of the text: never pass that on.
            raise ChunkTooLongError(
                f"Azure cut a piece of text of {len(text)} characters off at its 10-minute "
                "limit of audio per request, so its end would be missing. Use a faster speed "
                "or report this as a bug: chunks should be short enough to avoid it."
            )
        return audio

    def _url(self) -> str:
        endpoint = self._settings.azure_speech_endpoint
        if endpoint and endpoint.strip():
            base = endpoint.strip().rstrip("/").removesuffix("/cognitiveservices/v1")
        else:
            base = f"https://{self._region()}.tts.speech.microsoft.com"
        return f"{base}/cognitiveservices/v1"

    def _key(self) -> str:
        key = self._settings.azure_speech_key
        if key is None or not key.get_secret_value().strip():
            raise VoiceUnavailableError("The Azure voices cannot be used: set AZURE_SPEECH_KEY.")
        return key.get_secret_value().strip()

    def _region(self) -> str:
        region = (self._settings.azure_speech_region or "").strip().lower()
        if not _REGION.match(region):
            raise VoiceUnavailableError(
                f"The Azure voices cannot be used: {self._configuration_problem()}."
            )
        return region

    def _configuration_problem(self) -> str | None:
        key = self._settings.azure_speech_key
        if key is None or not key.get_secret_value().strip():
            return "set AZURE_SPEECH_KEY (and AZURE_SPEECH_REGION) from the Speech resource"
        if (self._settings.azure_speech_endpoint or "").strip():
            return None
        region = (self._settings.azure_speech_region or "").strip().lower()
        if not region:
            return "set AZURE_SPEECH_REGION, the Speech resource's region such as westeurope"
        if not _REGION.match(region):
            return f"AZURE_SPEECH_REGION {region!r} is not a region name such as westeurope"
        return None

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client()
            return self._client


def _locale_of(voice: str) -> str:
    """The locale an Azure voice name starts with; raises `UnknownVoiceError` if none."""
    match = _VOICE_NAME.match(voice)
    if match is None:
        raise UnknownVoiceError(
            f"{voice!r} is not an Azure voice name; names look like en-US-JennyNeural. "
            f"The spec's voices are: {', '.join(name for name, _ in _CATALOGUE)}."
        )
    return match.group(1)


def _checked_azure_name(voice: str) -> str:
    """`voice` itself, once `_locale_of` has accepted its shape."""
    _locale_of(voice)
    return voice
