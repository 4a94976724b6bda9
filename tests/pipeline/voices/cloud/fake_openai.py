"""A local OpenAI `POST /v1/audio/speech`, answering as the API reference documents.

Checks the bearer key (401 with OpenAI's error envelope), the JSON body (400 for a
missing, unknown or ill-typed field, as OpenAI refuses unrecognised arguments), the
model, the voice, the 0.25-4.0 speed range and the 4,096-character input limit (400
"String should have at most 4096 characters", as the service words it). Answers raw
24 kHz PCM16 for "pcm", or a WAV file for "wav" or always when `answer_wav` is set,
which is how some self-hosted compatible servers behave; the audio is a tone whose
length grows with the text and shrinks with the speed. Compressed formats are refused:
this fake has no encoder. With `api_key=None` it takes any request, as self-hosted
servers without authentication do.
"""

from __future__ import annotations

from typing import Any

from tests.pipeline.voices.cloud.fake_service import (
    Answer,
    FakeSpeechService,
    RecordedRequest,
    spoken_samples,
    tone_pcm16,
    wav_file,
)

SPEECH_PATH = "/v1/audio/speech"
INPUT_LIMIT = 4096
OPENAI_VOICES = frozenset(
    {
        *("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx"),
        *("nova", "sage", "shimmer", "verse", "marin", "cedar"),
    }
)
TTS_1_VOICES = OPENAI_VOICES - {"ballad", "verse", "marin", "cedar"}
MODELS = frozenset({"tts-1", "tts-1-hd", "gpt-4o-mini-tts"})
_FIELDS = {"model", "input", "voice", "instructions", "response_format", "speed", "stream_format"}
_REQUIRED = ("model", "input", "voice")
_FORMATS = {"mp3", "opus", "aac", "flac", "wav", "pcm"}


def openai_error(status: int, message: str, kind: str, code: str | None = None) -> Answer:
    """OpenAI's error envelope: {"error": {"message", "type", "param", "code"}}."""
    payload = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return Answer.of_json(status, payload)


def rate_limited(retry_after: str) -> Answer:
    """429 as OpenAI sends it when a rate limit is reached."""
    answer = openai_error(
        429,
        "Rate limit reached for requests. Please try again later.",
        "requests",
        "rate_limit_exceeded",
    )
    return Answer(answer.status, answer.body, answer.headers | {"Retry-After": retry_after})


def server_error() -> Answer:
    return openai_error(
        500, "The server had an error while processing your request.", "server_error"
    )


def malformed(body: bytes, content_type: str = "application/octet-stream") -> Answer:
    """A 200 answer whose body is not the audio asked for."""
    return Answer(200, body, {"Content-Type": content_type})


class FakeOpenAI(FakeSpeechService):
    def __init__(
        self,
        *,
        api_key: str | None = "sk-test-key",
        sample_rate: int = 24_000,
        answer_wav: bool = False,
        voices: frozenset[str] | None = OPENAI_VOICES,
        models: frozenset[str] | None = MODELS,
    ) -> None:
        """`voices` or `models` None accepts any name, as compatible servers may."""
        super().__init__()
        self.api_key = api_key
        self.sample_rate = sample_rate
        self.answer_wav = answer_wav
        self.voices = voices
        self.models = models

    def refuse_credentials(self, request: RecordedRequest) -> Answer | None:
        if self.api_key is None:
            return None
        given = request.headers.get("authorization", "")
        if not given.startswith("Bearer "):
            return openai_error(
                401,
                "You didn't provide an API key. Provide it in an Authorization header "
                "using Bearer auth.",
                "invalid_request_error",
            )
        if given.removeprefix("Bearer ") != self.api_key:
            return openai_error(
                401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
            )
        return None

    def respond(self, request: RecordedRequest) -> Answer:
        if request.method != "POST" or request.path != SPEECH_PATH:
            return openai_error(
                404, f"Invalid URL ({request.method} {request.path})", "invalid_request_error"
            )
        try:
            body = request.json()
        except ValueError:
            return openai_error(
                400, "We could not parse the JSON body of your request.", "invalid_request_error"
            )
        problem = self._schema_problem(body)
        if problem is not None:
            return problem
        text: str = body["input"]
        speed = float(body.get("speed", 1.0))
        samples = tone_pcm16(spoken_samples(text, speed, self.sample_rate), self.sample_rate)
        if self.answer_wav or body.get("response_format") == "wav":
            return Answer(200, wav_file(samples, self.sample_rate), {"Content-Type": "audio/wav"})
        return Answer(200, samples, {"Content-Type": "application/octet-stream"})

    def _schema_problem(self, body: Any) -> Answer | None:
        def invalid(message: str, code: str | None = None) -> Answer:
            return openai_error(400, message, "invalid_request_error", code)

        if not isinstance(body, dict):
            return invalid("The request body must be a JSON object.")
        for name in body.keys() - _FIELDS:
            return invalid(f"Unrecognized request argument supplied: {name}")
        for name in _REQUIRED:
            if name not in body:
                return invalid(f"Missing required parameter: '{name}'.")
            if not isinstance(body[name], str):
                return invalid(f"Invalid type for '{name}': expected a string.")
        model, text, voice = body["model"], body["input"], body["voice"]
        if self.models is not None and model not in self.models:
            return openai_error(
                404,
                f"The model `{model}` does not exist.",
                "invalid_request_error",
                "model_not_found",
            )
        if len(text) > INPUT_LIMIT:
            return invalid(
                f"[{{'type': 'string_too_long', 'loc': ('body', 'input'), 'msg': 'String "
                f"should have at most {INPUT_LIMIT} characters'}}]"
            )
        if self.voices is not None:
            allowed = TTS_1_VOICES if model.startswith("tts-1") else self.voices
            if voice not in allowed:
                return invalid(f"Voice '{voice}' is not supported by {model}.")
        speed = body.get("speed", 1.0)
        if (
            isinstance(speed, bool)
            or not isinstance(speed, int | float)
            or not 0.25 <= speed <= 4.0
        ):
            return invalid(f"Invalid 'speed': {speed!r}; select a value from 0.25 to 4.0.")
        response_format = body.get("response_format", "mp3")
        if response_format not in _FORMATS:
            return invalid(f"Invalid 'response_format': {response_format!r}.")
        if response_format not in {"pcm", "wav"} and not self.answer_wav:
            return invalid(f"This fake cannot encode {response_format}; ask for pcm or wav.")
        return None
