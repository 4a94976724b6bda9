"""A local Google Cloud Text-to-Speech server, answering as the documented API does.

`POST /v1/text:synthesize` checks the credentials (API key header or `key=` query, or a
bearer token this server issued), the body schema, the 5,000-byte input limit and the
speakingRate range, and answers `{"audioContent": base64 WAV}` of 16-bit mono PCM whose
length grows with the text and shrinks with the speaking rate. `POST /token` verifies a
service account's RS256 JWT assertion against the account's public key and issues
tokens; it never receives the planned failures, which are for synthesis.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

import jwt

from .fake_service import (
    Answer,
    FakeSpeechService,
    RecordedRequest,
    spoken_samples,
    tone_pcm16,
    wav_file,
)

VOICES = frozenset({"en-US-Neural2-D", "en-US-Neural2-F", "en-GB-Wavenet-B"})
INPUT_BYTE_LIMIT = 5000
SCOPE = "https://www.googleapis.com/auth/cloud-platform"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SYNTHESIZE_PATH = "/v1/text:synthesize"


def google_error(status: int, state: str, message: str, reason: str | None = None) -> Answer:
    """Google's error envelope: {"error": {"code", "message", "status", "details"}}."""
    error: dict[str, Any] = {"code": status, "message": message, "status": state}
    if reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}]
    return Answer.of_json(status, {"error": error})


def invalid_argument(message: str, reason: str | None = None) -> Answer:
    return google_error(400, "INVALID_ARGUMENT", message, reason)


def too_many_requests(retry_after: str) -> Answer:
    answer = google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for requests per minute.")
    return Answer(answer.status, answer.body, answer.headers | {"Retry-After": retry_after})


def unavailable() -> Answer:
    return google_error(503, "UNAVAILABLE", "The service is currently unavailable.")


MALFORMED = Answer.of_json(200, {"audioContent": "not base64 at all!"})


class FakeGoogleTTS(FakeSpeechService):
    """Accepts `api_key`, and bearer tokens it issued to `client_email`, whose assertions
    must verify with `public_key_pem`. `token_uri` goes into the service-account key file."""

    def __init__(
        self, *, api_key: str = "test-api-key", client_email: str = "", public_key_pem: str = ""
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.client_email = client_email
        self.public_key_pem = public_key_pem
        self.token_requests: list[RecordedRequest] = []
        self.issued_tokens: set[str] = set()

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    @property
    def synth_requests(self) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == SYNTHESIZE_PATH]

    def revoke_tokens(self) -> None:
        """Forget every issued token, as when the account's key is deleted."""
        self.issued_tokens.clear()

    def dispatch(self, request: RecordedRequest) -> Answer:
        if request.path == "/token":
            self.token_requests.append(request)
            return self._token(request)
        return super().dispatch(request)

    def refuse_credentials(self, request: RecordedRequest) -> Answer | None:
        key = request.headers.get("x-goog-api-key") or request.query.get("key", [None])[0]
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if key is not None:
            if key == self.api_key:
                return None
            return invalid_argument(
                "API key not valid. Please pass a valid API key.", "API_KEY_INVALID"
            )
        if bearer:
            if bearer in self.issued_tokens:
                return None
            message = "Request had invalid authentication credentials."
            return google_error(401, "UNAUTHENTICATED", message)
        return google_error(403, "PERMISSION_DENIED", "The request is missing a valid API key.")

    def respond(self, request: RecordedRequest) -> Answer:
        if request.method != "POST" or request.path != SYNTHESIZE_PATH:
            return google_error(404, "NOT_FOUND", f"{request.path} was not found.")
        try:
            text, voice, rate, sample_rate = _parse_synthesize(request.json())
        except (ValueError, KeyError, TypeError) as error:
            return invalid_argument(f"Invalid request: {error}")
        if len(text.encode()) > INPUT_BYTE_LIMIT:
            return invalid_argument(
                "Either `input.text` or `input.ssml` is longer than the limit of 5000 bytes. "
                "This limit is different from quotas."
            )
        if voice not in VOICES:
            return invalid_argument(f"Voice '{voice}' does not exist. Is it misspelled?")
        pcm = tone_pcm16(spoken_samples(text, rate, sample_rate), sample_rate)
        audio = base64.b64encode(wav_file(pcm, sample_rate)).decode()
        return Answer.of_json(200, {"audioContent": audio})

    def _token(self, request: RecordedRequest) -> Answer:
        form = {name: values[0] for name, values in parse_qs(request.body.decode()).items()}
        if form.get("grant_type") != JWT_BEARER:
            return Answer.of_json(400, {"error": "unsupported_grant_type"})
        try:
            claims = jwt.decode(
                form.get("assertion", ""),
                self.public_key_pem,
                algorithms=["RS256"],
                audience=self.token_uri,
                issuer=self.client_email,
                options={"require": ["iss", "aud", "iat", "exp", "scope"]},
            )
        except jwt.PyJWTError:
            refusal = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            return Answer.of_json(400, refusal)
        if claims["exp"] - claims["iat"] > 3600 or SCOPE not in claims["scope"].split():
            return Answer.of_json(400, {"error": "invalid_scope"})
        token = f"ya29.fake-{len(self.token_requests)}"
        self.issued_tokens.add(token)
        return Answer.of_json(
            200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        )


def _parse_synthesize(body: Any) -> tuple[str, str, float, int]:
    """Text, voice, speaking rate and sample rate; raises for anything Google would refuse."""
    text = body["input"]["text"]
    voice = body["voice"]["name"]
    if not isinstance(text, str) or not isinstance(voice, str):
        raise TypeError("input.text and voice.name must be strings")
    if not voice.startswith(body["voice"]["languageCode"] + "-"):
        raise ValueError("voice.languageCode does not match voice.name")
    config = body["audioConfig"]
    if config["audioEncoding"] != "LINEAR16":
        raise ValueError("this fake speaks LINEAR16 only")
    rate = float(config.get("speakingRate") or 1.0)
    if not 0.25 <= rate <= 4.0:
        raise ValueError("speakingRate must be in [0.25, 4.0]")
    return text, voice, rate, int(config.get("sampleRateHertz") or 24000)
