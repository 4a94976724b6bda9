"""What every local fake speech service shares: the HTTP server, the request log, the
queue of planned failures and the generated audio.

A fake subclass decides, like the real service, whether the credentials pass and what
a request deserves. Planned answers (429 with Retry-After, 5xx, a malformed 200) are
given in place of the real answer to the next requests that pass the credential check,
because a real service authenticates before it rate-limits or fails.
"""

from __future__ import annotations

import io
import json
import threading
import wave
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import numpy as np

SECONDS_PER_CHARACTER = 0.06
"""About 17 characters a second at speed 1.0, near a real narrator's pace."""


def spoken_samples(text: str, speed: float, sample_rate: int) -> int:
    """How many samples the fakes answer for `text` at `speed`."""
    return round(len(text) * SECONDS_PER_CHARACTER / speed * sample_rate)


def tone_pcm16(samples: int, sample_rate: int) -> bytes:
    """Little-endian 16-bit samples of a quiet 220 Hz tone: real audio, never silent."""
    times = np.arange(samples) / sample_rate
    return (np.sin(2 * np.pi * 220 * times) * 8000).astype("<i2").tobytes()


def wav_file(pcm16: bytes, sample_rate: int, *, channels: int = 1, width: int = 2) -> bytes:
    """`pcm16` wrapped in a RIFF/WAVE header."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm16)
    return buffer.getvalue()


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Names in lower case."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Answer:
        return cls(
            status,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json"} | (headers or {}),
        )


class FakeSpeechService(ABC):
    """A local HTTP service on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._planned: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # A short poll lets `shutdown` return at once instead of after the default 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def plan(self, *answers: Answer) -> None:
        """Give `answers`, in order, to the next requests whose credentials pass."""
        with self._lock:
            self._planned.extend(answers)

    def dispatch(self, request: RecordedRequest) -> Answer:
        with self._lock:
            self.requests.append(request)
        refusal = self.refuse_credentials(request)
        if refusal is not None:
            return refusal
        with self._lock:
            planned = self._planned.popleft() if self._planned else None
        return planned if planned is not None else self.respond(request)

    @abstractmethod
    def refuse_credentials(self, request: RecordedRequest) -> Answer | None:
        """The service's answer to missing or wrong credentials; None when they pass."""

    @abstractmethod
    def respond(self, request: RecordedRequest) -> Answer:
        """The service's answer to an authenticated request."""


def _handler_for(service: FakeSpeechService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._answer()

        def do_GET(self) -> None:
            self._answer()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read `service.requests` instead."""

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            request = RecordedRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            answer = service.dispatch(request)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

    return Handler
