"""A local Amazon Polly endpoint for `SynthesizeSpeech`, answering as the service does.

Polly's REST-JSON protocol: `POST /v1/speech` with a JSON body, SigV4-signed. The
signature is recomputed from the request and the known secret key (403
UnrecognizedClientException for an unknown key id, InvalidSignatureException for a
wrong signature or a stale date), then the body is validated like the service: required
members, engine support per voice, pcm sample rates, well-formed SSML, prosody rates of
20-200 %, and the 3,000 billed / 6,000 total character limit (400
TextLengthExceededException). Errors carry their code in `x-amzn-ErrorType` and a JSON
`message`. The answer is audio/pcm whose length follows the text and prosody rate, with
`x-amzn-RequestCharacters`. The texts it understood are kept in `spoken_texts`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from typing import Any

from .fake_service import (
    Answer,
    FakeSpeechService,
    RecordedRequest,
    spoken_samples,
    tone_pcm16,
)

VOICE_ENGINES = {
    "Joanna": {"standard", "neural"},
    "Matthew": {"standard", "neural"},
    "Amy": {"standard", "neural"},
    "Ruth": {"neural", "long-form", "generative"},
}
PCM_SAMPLE_RATES = {"8000", "16000"}
MAX_BILLED_CHARACTERS = 3000
MAX_TOTAL_CHARACTERS = 6000
MAX_CLOCK_SKEW_SECONDS = 300
RATE_CONSTANTS = {"x-slow": 0.5, "slow": 0.7, "medium": 1.0, "fast": 1.4, "x-fast": 2.0}
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
    r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$"
)


def polly_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Answer:
    """An AWS REST-JSON error: the code in `x-amzn-ErrorType`, the message in the body."""
    answer = Answer.of_json(status, {"message": message})
    error_type = {"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazon.polly/"}
    return Answer(status, answer.body, answer.headers | error_type | (headers or {}))


def throttled(retry_after_ms: int | None = None) -> Answer:
    """Polly's throttling answer; `x-amz-retry-after` (milliseconds) is what botocore reads."""
    headers = {"x-amz-retry-after": str(retry_after_ms)} if retry_after_ms is not None else {}
    return polly_error(400, "ThrottlingException", "Rate exceeded", headers)


def service_failure() -> Answer:
    return polly_error(500, "ServiceFailureException", "An unknown condition has caused a failure.")


CUT_OFF_AUDIO = Answer(200, b"\x01\x02\x03", {"Content-Type": "audio/pcm"})
"""Three bytes cannot be 16-bit samples: the answer broke off."""


class FakePolly(FakeSpeechService):
    """Accepts requests signed with `access_key_id` and `secret_access_key` for `region`."""

    def __init__(
        self,
        *,
        access_key_id: str = "AKIDFAKEPOLLY",
        secret_access_key: str = "fake-secret",
        region: str = "us-east-1",
    ) -> None:
        super().__init__()
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.region = region
        self.spoken_texts: list[str] = []

    def refuse_credentials(self, request: RecordedRequest) -> Answer | None:
        match = _AUTHORIZATION.match(request.headers.get("authorization", ""))
        if match is None:
            return polly_error(
                403, "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        key_id, day, region, service, signed_headers, signature = match.groups()
        if key_id != self.access_key_id:
            return polly_error(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        stamp = request.headers.get("x-amz-date", "")
        if region != self.region or service != "polly" or not stamp.startswith(day):
            return polly_error(403, "InvalidSignatureException", "Credential should be scoped.")
        signed = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if abs((datetime.now(UTC) - signed).total_seconds()) > MAX_CLOCK_SKEW_SECONDS:
            return polly_error(403, "InvalidSignatureException", "Signature expired.")
        scope = f"{day}/{region}/{service}/aws4_request"
        expected = self._signature(request, signed_headers, stamp, scope)
        if not hmac.compare_digest(expected, signature):
            return polly_error(
                403,
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided.",
            )
        return None

    def respond(self, request: RecordedRequest) -> Answer:
        if request.method != "POST" or request.path != "/v1/speech":
            return polly_error(404, "UnknownOperationException", "Unknown operation.")
        try:
            body = request.json()
            voice, engine = body["VoiceId"], body.get("Engine", "standard")
            text, output, text_type = body["Text"], body["OutputFormat"], body.get("TextType")
        except (ValueError, KeyError, TypeError):
            return polly_error(400, "ValidationException", "1 validation error detected.")
        if voice not in VOICE_ENGINES:
            return polly_error(400, "ValidationException", f"Value '{voice}' at 'voiceId' failed.")
        if engine not in VOICE_ENGINES[voice]:
            return polly_error(400, "EngineNotSupportedException", f"{voice} lacks {engine}.")
        sample_rate = body.get("SampleRate", "16000")
        if output != "pcm" or sample_rate not in PCM_SAMPLE_RATES:
            return polly_error(400, "InvalidSampleRateException", "The sample rate is not valid.")
        try:
            spoken, rate = _read_ssml(text) if text_type == "ssml" else (text, 1.0)
        except (ElementTree.ParseError, ValueError) as error:
            return polly_error(400, "InvalidSsmlException", f"Invalid SSML request: {error}")
        if len(spoken) > MAX_BILLED_CHARACTERS or len(text) > MAX_TOTAL_CHARACTERS:
            return polly_error(
                400,
                "TextLengthExceededException",
                f"Maximum text length has been exceeded ({len(spoken)} billed characters).",
            )
        self.spoken_texts.append(spoken)
        rate_hz = int(sample_rate)
        pcm = tone_pcm16(spoken_samples(spoken.strip(), rate, rate_hz), rate_hz)
        return Answer(
            200, pcm, {"Content-Type": "audio/pcm", "x-amzn-RequestCharacters": str(len(spoken))}
        )

    def _signature(
        self, request: RecordedRequest, signed_headers: str, stamp: str, scope: str
    ) -> str:
        """SigV4: canonical request, string to sign, then the HMAC-SHA256 key chain."""
        headers = "".join(
            f"{name}:{' '.join(request.headers.get(name, '').split())}\n"
            for name in signed_headers.split(";")
        )
        canonical = "\n".join(
            [
                request.method,
                request.path,
                "",  # no query string
                headers,
                signed_headers,
                hashlib.sha256(request.body).hexdigest(),
            ]
        )
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        key = f"AWS4{self.secret_access_key}".encode()
        for part in scope.split("/"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _read_ssml(ssml: str) -> tuple[str, float]:
    """The billed text and the rate multiplier; raises for SSML Polly would refuse."""
    root = ElementTree.fromstring(ssml)
    if root.tag != "speak":
        raise ValueError("the root element must be <speak>")
    rates = [_multiplier(prosody.get("rate", "medium")) for prosody in root.iter("prosody")]
    return "".join(root.itertext()), rates[0] if rates else 1.0


def _multiplier(rate: str) -> float:
    if rate in RATE_CONSTANTS:
        return RATE_CONSTANTS[rate]
    if not rate.endswith("%") or not 20 <= float(rate[:-1]) <= 200:
        raise ValueError(f"prosody rate {rate!r} must be 20% to 200% or a preset")
    return float(rate[:-1]) / 100


def request_json(request: RecordedRequest) -> dict[str, Any]:
    """The JSON body of a recorded request, typed for the tests."""
    body: dict[str, Any] = json.loads(request.body)
    return body
