"""A local ElevenLabs `POST /v1/text-to-speech/{voice_id}`, answering as documented.

Checks the `xi-api-key` header (401 `{"detail": {"status": "invalid_api_key", ...}}`),
the voice id (404 `voice_not_found`), the `output_format` query parameter, the JSON body
(422 with FastAPI's `{"detail": [{"type", "loc", "msg"}]}` for a missing, ill-typed or
out-of-range field), the model and its per-request character limit (400
`max_character_limit_exceeded`). Unknown fields are refused with 422 too, which is
stricter than the service (it ignores them) so that a misspelt field fails a test
instead of being silently dropped. Answers raw PCM16 at the rate of `pcm_<rate>`, a
tone whose length grows with the text and shrinks with `voice_settings.speed`; other
output formats are refused, as this fake has no encoder.
"""

from __future__ import annotations

import re
from typing import Any

from tests.pipeline.voices.cloud.fake_service import (
    Answer,
    FakeSpeechService,
    RecordedRequest,
    spoken_samples,
    tone_pcm16,
)

RACHEL = "21m00Tcm4TlvDq8ikWAM"
ADAM = "pNInz6obpgDQGcFmaJgB"
CHARACTER_LIMITS = {
    "eleven_multilingual_v2": 10_000,
    "eleven_flash_v2_5": 40_000,
    "eleven_turbo_v2_5": 40_000,
    "eleven_v3": 5_000,
}
"""Per-request limits for subscribed accounts, from ElevenLabs' help centre and models."""
PCM_RATES = {"pcm_16000": 16_000, "pcm_22050": 22_050, "pcm_24000": 24_000, "pcm_44100": 44_100}
_PATH = re.compile(r"/v1/text-to-speech/([^/]+)")
_FIELDS = {
    "text",
    "model_id",
    "voice_settings",
    "language_code",
    "seed",
    "previous_text",
    "next_text",
}
_SETTING_RANGES = {
    "stability": (0.0, 1.0),
    "similarity_boost": (0.0, 1.0),
    "style": (0.0, 1.0),
    "speed": (0.7, 1.2),
}


def elevenlabs_error(status: int, state: str, message: str) -> Answer:
    """ElevenLabs' error body: {"detail": {"status", "message"}}."""
    return Answer.of_json(status, {"detail": {"status": state, "message": message}})


def validation_error(kind: str, location: list[str | int], message: str) -> Answer:
    """FastAPI's 422 body: {"detail": [{"type", "loc", "msg"}]}."""
    return Answer.of_json(422, {"detail": [{"type": kind, "loc": location, "msg": message}]})


def rate_limited(retry_after: str) -> Answer:
    """429 as ElevenLabs sends it when the plan's concurrent requests are exceeded."""
    answer = elevenlabs_error(
        429,
        "too_many_concurrent_requests",
        "Too many concurrent requests for your subscription; try again shortly.",
    )
    return Answer(answer.status, answer.body, answer.headers | {"Retry-After": retry_after})


def server_error() -> Answer:
    return Answer.of_json(500, {"detail": "Internal Server Error"})


def malformed(body: bytes, content_type: str = "application/octet-stream") -> Answer:
    """A 200 answer whose body is not the audio asked for."""
    return Answer(200, body, {"Content-Type": content_type})


class FakeElevenLabs(FakeSpeechService):
    def __init__(
        self,
        *,
        api_key: str = "xi-test-key",
        voices: frozenset[str] = frozenset({RACHEL, ADAM}),
        character_limits: dict[str, int] | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.voices = voices
        self.character_limits = CHARACTER_LIMITS if character_limits is None else character_limits

    def refuse_credentials(self, request: RecordedRequest) -> Answer | None:
        if request.headers.get("xi-api-key") != self.api_key:
            return elevenlabs_error(401, "invalid_api_key", "Invalid API key")
        return None

    def respond(self, request: RecordedRequest) -> Answer:
        match = _PATH.fullmatch(request.path)
        if request.method != "POST" or match is None:
            return Answer.of_json(404, {"detail": "Not Found"})
        if match.group(1) not in self.voices:
            return elevenlabs_error(
                404, "voice_not_found", f"A voice with the voice_id {match.group(1)} was not found."
            )
        output_format = request.query.get("output_format", ["mp3_44100_128"])[-1]
        rate = PCM_RATES.get(output_format)
        if rate is None:
            return validation_error(
                "enum",
                ["query", "output_format"],
                f"This fake answers only {', '.join(PCM_RATES)}.",
            )
        try:
            body = request.json()
        except ValueError:
            return validation_error("json_invalid", ["body"], "JSON decode error")
        problem = self._body_problem(body)
        if problem is not None:
            return problem
        text: str = body["text"]
        speed = float(body.get("voice_settings", {}).get("speed", 1.0))
        return Answer(
            200,
            tone_pcm16(spoken_samples(text, speed, rate), rate),
            {"Content-Type": "application/octet-stream"},
        )

    def _body_problem(self, body: Any) -> Answer | None:
        if not isinstance(body, dict):
            return validation_error("model_attributes_type", ["body"], "Input should be an object")
        for name in body.keys() - _FIELDS:
            return validation_error(
                "extra_forbidden", ["body", name], "Extra inputs are not permitted"
            )
        if not isinstance(body.get("text"), str):
            kind, message = (
                ("missing", "Field required")
                if "text" not in body
                else ("string_type", "Input should be a valid string")
            )
            return validation_error(kind, ["body", "text"], message)
        model = body.get("model_id", "eleven_multilingual_v2")
        limit = self.character_limits.get(model)
        if limit is None:
            return elevenlabs_error(
                400, "model_not_found", f"A model with model ID {model} does not exist."
            )
        settings = body.get("voice_settings", {})
        if not isinstance(settings, dict):
            return validation_error(
                "model_attributes_type", ["body", "voice_settings"], "Input should be an object"
            )
        for name, value in settings.items():
            if name == "use_speaker_boost":
                continue
            if name not in _SETTING_RANGES:
                return validation_error(
                    "extra_forbidden",
                    ["body", "voice_settings", name],
                    "Extra inputs are not permitted",
                )
            low, high = _SETTING_RANGES[name]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not low <= value <= high
            ):
                return validation_error(
                    "value_error",
                    ["body", "voice_settings", name],
                    f"Input should be a number from {low} to {high}",
                )
        if len(body["text"]) > limit:
            return elevenlabs_error(
                400,
                "max_character_limit_exceeded",
                f"You are sending {len(body['text'])} characters; the maximum per request "
                f"for {model} is {limit}.",
            )
        return None
