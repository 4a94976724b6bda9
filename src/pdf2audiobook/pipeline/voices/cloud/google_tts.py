"""The `google` provider: Google Cloud Text-to-Speech, `POST /v1/text:synthesize`.

Wire facts, from Google's REST reference (`text.synthesize`, `AudioConfig`,
`AudioEncoding`), its quotas page and its OAuth 2.0 service-account guide:
- JSON body `input.text`, `voice.languageCode` + `voice.name`, `audioConfig`; the answer
  is `{"audioContent": base64}`.
- `LINEAR16` is 16-bit signed little-endian PCM and "also contains a WAV header"; with
  `sampleRateHertz` set the service resamples to that rate.
- `speakingRate` is 0.25-4.0 (1.0 native), so our 0.5-2.0 range passes through.
- Content limit: 5,000 *bytes* per request (cloud.google.com/text-to-speech/quotas); a
  longer input is refused with 400 INVALID_ARGUMENT "Either `input.text` or `input.ssml`
  is longer than the limit of 5000 bytes".
- An API key goes in the `x-goog-api-key` header; a wrong one is answered 400
  INVALID_ARGUMENT with reason API_KEY_INVALID, not 401.
- A service-account key file is exchanged for a bearer token: an RS256 JWT (iss = the
  account's email, scope, aud = token_uri, iat, exp at most one hour later) posted to
  `token_uri` with grant_type `urn:ietf:params:oauth:grant-type:jwt-bearer`; the answer
  has `access_token` and `expires_in`. A refused assertion is 400 `invalid_grant`.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pdf2audiobook.pipeline.voices.base import ProviderStatus, SpeechAudio, TTSProvider
from pdf2audiobook.pipeline.voices.cloud.catalogue import catalogue_status, resolve_catalogue_voice
from pdf2audiobook.pipeline.voices.cloud.errors import ProviderAuthError, ProviderRequestError
from pdf2audiobook.pipeline.voices.cloud.google_auth import (
    NO_CREDENTIALS,
    ServiceAccountKey,
    ServiceAccountTokens,
    json_object,
)
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy, request_with_retries
from pdf2audiobook.pipeline.voices.cloud.pcm import MalformedAudioError, wav_to_audio
from pdf2audiobook.pipeline.voices.errors import (
    ChunkTooLongError,
    UnknownVoiceError,
)

GOOGLE_VOICES = {
    "default": "en-US-Neural2-D",
    "female": "en-US-Neural2-F",
    "male": "en-US-Neural2-D",
}
"""The spec's mapping of voice types to voices (backend guidelines, "Voice Mapping"). No
"child": Google describes its voices by language and gender (`ssmlGender`) only and
documents none as a child's, so a request for one is refused rather than read by an adult."""
_CATALOGUE = (("en-US-Neural2-D", "male"), ("en-US-Neural2-F", "female"))
GOOGLE_SAMPLE_RATE = 24_000
"""Asked for in every request; Neural2 voices are natively 24 kHz, so nothing is resampled."""
GOOGLE_INPUT_BYTE_LIMIT = 5_000
"""UTF-8 bytes of `input.text` per request (Text-to-Speech quotas, "Content limits")."""
# Google voice names are "<language>-<region>-<family>-<variant>", e.g. en-US-Neural2-F,
# cmn-CN-Wavenet-A, en-US-Chirp3-HD-Sulafat; the first two parts are the languageCode.
_VOICE_NAME = re.compile(r"^([a-z]{2,3}-[A-Za-z0-9]{2,4})-[A-Za-z0-9][A-Za-z0-9-]*$")


class GoogleTTSSettings(BaseSettings):
    """GOOGLE_API_KEY, GOOGLE_APPLICATION_CREDENTIALS and GOOGLE_TTS_BASE_URL."""

    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    google_api_key: SecretStr | None = None
    """Used when set; otherwise the service account below."""
    google_application_credentials: Path | None = None
    """A service-account JSON key file, as the spec names it."""
    google_tts_base_url: str = "https://texttospeech.googleapis.com"
    """Overridden by tests to reach a local server."""


class GoogleTTSProvider(TTSProvider):
    """Google Cloud voices; needs GOOGLE_API_KEY or a service-account key file.

    Any Google voice name is accepted as `voice`; the catalogue lists the spec's two. The
    HTTP client is created on first synthesis unless one is passed in; `policy` sets the
    retries and `clock` the time used for token expiry (tests pass all three). A service
    account's access token is fetched once and reused until shortly before it expires.
    """

    name: ClassVar[str] = "google"
    voice_types: ClassVar[tuple[str, ...]] = tuple(GOOGLE_VOICES)
    max_chars: ClassVar[int] = 1_500
    """At most 3 UTF-8 bytes per character in the Basic Multilingual Plane (all Latin,
    Greek, Cyrillic and CJK text) keeps 1,500 characters within Google's 5,000-byte limit;
    only text full of emoji or other 4-byte characters can exceed it, and `_synthesise`
    checks the bytes exactly before sending. About 90 s of speech per request."""

    def __init__(
        self,
        settings: GoogleTTSSettings | None = None,
        *,
        client: httpx.Client | None = None,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings or GoogleTTSSettings()
        self._client = client
        self._client_lock = threading.Lock()
        self._policy = policy or RetryPolicy()
        self._tokens = ServiceAccountTokens(
            self._settings.google_application_credentials, self._http, self._policy, clock
        )

    def status(self) -> ProviderStatus:
        """The spec's voices; unavailable, with the reason, until credentials are set."""
        return catalogue_status(
            self.name,
            _CATALOGUE,
            self._credentials_problem(),
            _language_of,
            lambda voice, kind: f"Google Cloud {voice} ({kind})",
        )

    def resolve_voice(self, voice: str | None, voice_type: str | None) -> str:
        """A Google voice name: `voice` if given, else the spec's voice for `voice_type`.

        Types: "default" and "male" are en-US-Neural2-D, "female" en-US-Neural2-F; `voice`
        may be one of those words or any Google voice name ("en-GB-Wavenet-B"). Raises
        `UnknownVoiceError` for an unknown type, a malformed name or a listed voice of the
        other type, and `VoiceUnavailableError` when no credentials are configured.
        """
        return resolve_catalogue_voice(
            provider=self,
            label="Google",
            voice=voice,
            voice_type=voice_type,
            voice_for_type=GOOGLE_VOICES,
            catalogue=_CATALOGUE,
            checked_name=_checked_voice_name,
            problem=self._credentials_problem(),
        )

    def engine_version(self, voice: str) -> str:
        """The API, voice and output format; Google names a new model as a new voice."""
        name = _checked_voice_name(voice)
        return f"google-texttospeech-v1 voice={name} LINEAR16-{GOOGLE_SAMPLE_RATE}"

    def sample_rate(self, voice: str) -> int:
        """24,000 Hz for every voice: each request asks for it."""
        _checked_voice_name(voice)
        return GOOGLE_SAMPLE_RATE

    def _synthesise(self, text: str, voice: str, speed: float) -> SpeechAudio:
        size = len(text.encode("utf-8"))
        if size > GOOGLE_INPUT_BYTE_LIMIT:
            raise ChunkTooLongError(
                f"A piece of text of {len(text)} characters is {size} bytes in UTF-8; Google "
                f"Text-to-Speech takes at most {GOOGLE_INPUT_BYTE_LIMIT} bytes at once. The text "
                "should have been split into shorter chunks; please report this as a bug."
            )
        body = {
            "input": {"text": text},
            "voice": {"languageCode": _language_of(voice), "name": voice},
            "audioConfig": {
                "audioEncoding": "LINEAR16",
                "speakingRate": speed,
                "sampleRateHertz": GOOGLE_SAMPLE_RATE,
            },
        }
        url = f"{self._settings.google_tts_base_url.rstrip('/')}/v1/text:synthesize"
        try:
            response = request_with_retries(
                self._http(),
                "POST",
                url,
                provider=self.name,
                policy=self._policy,
                headers=self._auth_headers(),
                json=body,
            )
        except ProviderAuthError:
            # A token revoked or expired early: the next chunk should fetch a fresh one.
            self._tokens.forget()
            raise
        except ProviderRequestError as error:
            if "API key not valid" in str(error) or "API_KEY_INVALID" in str(error):
                raise ProviderAuthError(
                    f"google refused GOOGLE_API_KEY as not valid ({error.message}). "
                    "Check the API key."
                ) from None
            raise
        return _audio_of(response)

    def _auth_headers(self) -> dict[str, str]:
        api_key = self._settings.google_api_key
        if api_key is not None and api_key.get_secret_value().strip():
            return {"x-goog-api-key": api_key.get_secret_value().strip()}
        return {"Authorization": f"Bearer {self._tokens.token()}"}

    def _credentials_problem(self) -> str | None:
        api_key = self._settings.google_api_key
        if api_key is not None and api_key.get_secret_value().strip():
            return None
        path = self._settings.google_application_credentials
        if path is None:
            return NO_CREDENTIALS
        try:
            ServiceAccountKey.load(path)
        except ValueError as error:
            return f"GOOGLE_APPLICATION_CREDENTIALS: {error}"
        return None

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client()
            return self._client


def _checked_voice_name(voice: str) -> str:
    _language_of(voice)
    return voice


def _language_of(voice: str) -> str:
    """The languageCode a voice name starts with; raises `UnknownVoiceError` if none."""
    match = _VOICE_NAME.match(voice)
    if match is None:
        raise UnknownVoiceError(
            f"{voice!r} is not a Google voice name; names look like en-US-Neural2-F "
            f"(language, region, family, variant). The spec's voices are: "
            f"{', '.join(name for name, _ in _CATALOGUE)}."
        )
    return match.group(1)


def _audio_of(response: httpx.Response) -> SpeechAudio:
    """The WAV inside a synthesize answer, checked to be 16-bit mono at the rate asked."""
    try:
        encoded = json_object(response).get("audioContent")
        if not isinstance(encoded, str):
            raise ValueError("it has no audioContent")
        wav = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error) as error:
        raise MalformedAudioError(f"google answered with unreadable audio: {error}.") from None
    audio = wav_to_audio(wav)
    if audio.sample_rate != GOOGLE_SAMPLE_RATE:
        raise MalformedAudioError(
            f"google answered with {audio.sample_rate} Hz audio where {GOOGLE_SAMPLE_RATE} Hz "
            "was asked for."
        )
    if not len(audio.samples):
        raise MalformedAudioError("google answered with no audio for a non-empty text.")
    return audio
