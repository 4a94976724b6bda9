"""The `polly` provider: Amazon Polly `SynthesizeSpeech` through boto3.

Wire facts, from the Polly API reference and developer guide (docs.aws.amazon.com/polly)
and botocore's Polly service model:
- REST-JSON `POST /v1/speech`, SigV4-signed; `Text`, `TextType`, `OutputFormat`,
  `SampleRate`, `VoiceId`, `Engine`; the body of the answer is the audio.
- `pcm` is "signed 16-bit, 1 channel (mono), little-endian", at 8000 or 16000 Hz.
- Input limit (TextLengthExceededException): "a maximum of 6000 characters total, of
  which no more than 3000 can be billed characters. SSML tags are not counted as billed
  characters."
- `<prosody rate>` works with neural voices (not `pitch`); "n%" is a multiple of the
  voice's rate, "between 20% and 200%", so 50% is half speed (unlike Azure's "50%").
- `&`, `<`, `>` must always be escaped in SSML, and an apostrophe used as an apostrophe
  too ("Reserved characters in SSML").
- Throttling is the error code ThrottlingException; bad keys are 403
  UnrecognizedClientException or InvalidSignatureException.
boto3 does the HTTP itself, so retries are botocore's "standard" mode (throttling and
5xx, exponential backoff with jitter, honouring `x-amz-retry-after`), not ours.
"""

from __future__ import annotations

import re
import threading
from typing import Any, ClassVar

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.voices.base import ProviderStatus, SpeechAudio, TTSProvider
from pdf2audiobook.pipeline.voices.cloud.catalogue import catalogue_status, resolve_catalogue_voice
from pdf2audiobook.pipeline.voices.cloud.errors import (
    ProviderAuthError,
    ProviderOutageError,
    ProviderRequestError,
)
from pdf2audiobook.pipeline.voices.cloud.pcm import decode_speech
from pdf2audiobook.pipeline.voices.cloud.ssml import ssml_text
from pdf2audiobook.pipeline.voices.errors import (
    ChunkTooLongError,
    SpeechSynthesisError,
    UnknownVoiceError,
    VoiceUnavailableError,
)

POLLY_VOICES = {"default": "Joanna", "female": "Joanna", "male": "Matthew", "child": "Ivy"}
"""The spec's mapping of voice types to voices (backend guidelines, "Voice Mapping"), and
for the "child" type its validation allows but its mapping lacks, Ivy: Polly's US English
"Female (child)" voice, which the neural and the standard engine both have, so it speaks
whichever POLLY_ENGINE chooses."""
_CATALOGUE = (("Joanna", "female"), ("Matthew", "male"), ("Ivy", "child"))
"""All speak US English with the standard and the neural engine."""
ENGINES = ("neural", "standard")
POLLY_SAMPLE_RATE = 16_000
"""The highest rate Polly offers for `pcm`."""
MAX_TOTAL_CHARACTERS = 6_000
"""Characters of `Text`, SSML tags and entities included, per request."""
DEFAULT_MAX_ATTEMPTS = 4
"""Tries in all, the first included, like `RetryPolicy`'s default for the HTTP providers."""
_AUTH_ERROR_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "AccessDeniedException",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "MissingAuthenticationTokenException",
        "IncompleteSignatureException",
    }
)
_VOICE_ID = re.compile(r"^[A-Za-z]+$")
# Characters XML 1.0 forbids even as entities; SSML with one is refused whole.


class PollySettings(BaseSettings):
    """AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
    POLLY_ENGINE and POLLY_ENDPOINT_URL, from the environment or `.env`."""

    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    aws_access_key_id: str | None = None
    aws_secret_access_key: SecretStr | None = None
    aws_session_token: SecretStr | None = None
    """Only for temporary credentials."""
    aws_region: str = "us-east-1"
    polly_engine: str = "neural"
    """"neural" (the default, better voices) or "standard"."""
    polly_endpoint_url: str | None = None
    """Replaces Polly's regional endpoint (a VPC endpoint, or a test server)."""


def prosody_rate(speed: float) -> str:
    """`speed` as Polly's rate, a multiple of the voice's own: 1.5 is "150%"."""
    return f"{round(speed * 100)}%"


def ssml_document(text: str, speed: float) -> str:
    """`text` spoken at `speed`, with every reserved SSML character escaped."""
    spoken = ssml_text(text)
    return f'<speak><prosody rate="{prosody_rate(speed)}">{spoken}</prosody></speak>'


class PollyProvider(TTSProvider):
    """Amazon Polly voices; needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.

    Any Polly voice id is accepted as `voice`; the catalogue lists the spec's two and a
    child's voice. The
    boto3 client is created on first synthesis unless one is passed in; `max_attempts`
    sets botocore's standard-mode retries.
    """

    name: ClassVar[str] = "polly"
    voice_types: ClassVar[tuple[str, ...]] = tuple(POLLY_VOICES)
    max_chars: ClassVar[int] = 2_500
    """Below Polly's 3,000 billed characters, with room for characters it may count
    differently from Python (the limit's counting of astral-plane characters and entity
    references is not documented). `_synthesise` also checks the 6,000-character total,
    which escaping `&`, `<`, `>`, quotes and apostrophes can approach. About 150 s of speech."""

    def __init__(
        self,
        settings: PollySettings | None = None,
        *,
        client: Any | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self._settings = settings or PollySettings()
        self._client = client
        self._client_lock = threading.Lock()
        self._max_attempts = max_attempts

    def status(self) -> ProviderStatus:
        """The spec's voices; unavailable, with the reason, until credentials are set."""
        engine = self._engine()
        return catalogue_status(
            self.name,
            _CATALOGUE,
            self._configuration_problem(),
            lambda _voice: "en-US",
            lambda voice, kind: f"Amazon Polly {voice} ({kind}, {engine} engine)",
        )

    def resolve_voice(self, voice: str | None, voice_type: str | None) -> str:
        """A Polly voice id: `voice` if given, else the spec's voice for `voice_type`.

        Types: "default" and "female" are Joanna, "male" Matthew, "child" Ivy; `voice` may
        be one of those words or any Polly voice id ("Amy", "brian"). Raises
        `UnknownVoiceError` for an unknown type, a malformed id or a listed voice of another
        type, and `VoiceUnavailableError` until credentials and a known engine are set.
        """
        return resolve_catalogue_voice(
            provider=self,
            label="Polly",
            voice=voice,
            voice_type=voice_type,
            voice_for_type=POLLY_VOICES,
            catalogue=_CATALOGUE,
            checked_name=_voice_id,
            problem=self._configuration_problem(),
        )

    def engine_version(self, voice: str) -> str:
        """The engine, voice and output format: the neural and standard Joanna differ."""
        return f"amazon-polly engine={self._engine()} voice={_voice_id(voice)} pcm-16000"

    def sample_rate(self, voice: str) -> int:
        """16,000 Hz for every voice: each request asks for it."""
        _voice_id(voice)
        return POLLY_SAMPLE_RATE

    def _synthesise(self, text: str, voice: str, speed: float) -> SpeechAudio:
        ssml = ssml_document(text, speed)
        if len(ssml) > MAX_TOTAL_CHARACTERS:
            raise ChunkTooLongError(
                f"A piece of text of {len(text)} characters becomes {len(ssml)} characters of "
                f"SSML once its special characters are escaped; Amazon Polly takes at most "
                f"{MAX_TOTAL_CHARACTERS}. The text should have been split into shorter chunks; "
                "please report this as a bug."
            )
        try:
            answer = self._polly().synthesize_speech(
                Engine=self._engine(),
                OutputFormat="pcm",
                SampleRate=str(POLLY_SAMPLE_RATE),
                Text=ssml,
                TextType="ssml",
                VoiceId=voice,
            )
            stream = answer["AudioStream"]
            try:
                body = stream.read()
            finally:
                stream.close()
        except ClientError as error:
            raise _typed_error(error) from None
        except (NoCredentialsError, PartialCredentialsError) as error:
            raise ProviderAuthError(f"polly has no usable AWS credentials: {error}.") from None
        except (BotoConnectionError, HTTPClientError) as error:
            raise ProviderOutageError(
                f"polly could not be reached after {self._max_attempts} tries: {error}."
            ) from None
        except BotoCoreError as error:
            raise SpeechSynthesisError(f"polly failed: {type(error).__name__}: {error}") from None
        return decode_speech(
            body,
            str(answer.get("ContentType", "")),
            provider=self.name,
            sample_rate=POLLY_SAMPLE_RATE,
        )

    def _polly(self) -> Any:
        with self._client_lock:
            if self._client is None:
                self._client = self._new_client()
            return self._client

    def _new_client(self) -> Any:
        problem = self._configuration_problem()
        if problem is not None:
            raise VoiceUnavailableError(f"The Polly voices cannot be used: {problem}.")
        settings = self._settings
        secret, token = settings.aws_secret_access_key, settings.aws_session_token
        session = boto3.session.Session(
            aws_access_key_id=settings.aws_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            aws_session_token=token.get_secret_value() if token else None,
            region_name=settings.aws_region,
        )
        config = Config(
            # total_max_attempts counts the first try; botocore's max_attempts would not.
            retries={"mode": "standard", "total_max_attempts": self._max_attempts},
            connect_timeout=10,
            read_timeout=60,
            user_agent_extra="pdf2audiobook",
        )
        return session.client("polly", endpoint_url=settings.polly_endpoint_url, config=config)

    def _engine(self) -> str:
        return self._settings.polly_engine.strip().lower()

    def _configuration_problem(self) -> str | None:
        settings = self._settings
        secret = settings.aws_secret_access_key
        if not (settings.aws_access_key_id or "").strip() or secret is None:
            return "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION)"
        if not secret.get_secret_value().strip():
            return "set AWS_SECRET_ACCESS_KEY"
        if self._engine() not in ENGINES:
            return f"POLLY_ENGINE is {settings.polly_engine!r}; choose neural or standard"
        return None


def _voice_id(voice: str) -> str:
    """`voice` as Polly spells ids (capitalised); raises `UnknownVoiceError` if malformed."""
    if not _VOICE_ID.match(voice):
        raise UnknownVoiceError(
            f"{voice!r} is not a Polly voice id; ids are names such as Joanna or Matthew."
        )
    return voice[:1].upper() + voice[1:]


def _typed_error(error: ClientError) -> PipelineError:
    """Our error for a Polly refusal that botocore did not (or could no longer) retry."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    message = str(error.response.get("Error", {}).get("Message", "")) or code
    detail = f"{status} {code}: {message}"
    if code == "TextLengthExceededException":
        return ChunkTooLongError(f"Amazon Polly refused a piece of text as too long ({detail}).")
    if code in _AUTH_ERROR_CODES or status in (401, 403):
        return ProviderAuthError(
            f"polly refused the credentials ({detail}). Check AWS_ACCESS_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY and the account's polly:SynthesizeSpeech permission."
        )
    if "Throttl" in code or status == 429 or status >= 500:
        tries = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        return ProviderOutageError(
            f"polly is not answering properly ({detail}) after {tries} tries."
        )
    return ProviderRequestError(f"polly rejected the request ({detail}).")
