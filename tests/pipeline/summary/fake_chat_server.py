"""A local OpenAI-compatible chat server, strict about what it accepts.

`POST /v1/chat/completions` checks the Bearer key (401 otherwise) and the body schema:
a non-empty `model` string equal to the expected one, `messages` as a list of
`{"role": "system" | "user" | "assistant", "content": str}`, and a number
`temperature` (400 otherwise). It answers a chat completion whose content is a
deterministic digest of the request's user message, so a test can tell which answer
came from which request. Failures are queued with `fail_next` (one request each) or set
with `fail_always`; every request, accepted or not, is recorded.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

CHAT_PATH = "/v1/chat/completions"
API_KEY = "test-key"
MODEL = "test-model"
ROLES = frozenset({"system", "user", "assistant"})


@dataclass(frozen=True)
class Exchange:
    """One request as received, and the summary answered to it (None if refused)."""

    path: str
    headers: dict[str, str]
    body: bytes
    answer: str | None

    @property
    def user_text(self) -> str:
        """All user messages of the request, joined; empty if the body is not JSON."""
        try:
            payload = json.loads(self.body)
        except ValueError:
            return ""
        return "\n".join(
            message["content"] for message in payload["messages"] if message["role"] == "user"
        )


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def chat_completion(content: Any) -> bytes:
    """A chat completion body in OpenAI's shape whose first choice says `content`."""
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode("utf-8")


def digest_of(user_text: str, words: int) -> str:
    """The server's deterministic summary of `user_text`: a tag naming it, padded with
    filler to `words` words so tests can make summaries long enough to need rounds."""
    tag = hashlib.sha256(user_text.encode("utf-8")).hexdigest()[:12]
    filler = " ".join(["gist"] * max(0, words - 3))
    return f"Digest {tag} says {filler}".strip() + "."


class FakeChatServer:
    """The server; use as a context manager. `url` is its base URL (without `/v1`)."""

    def __init__(self, *, api_key: str | None = API_KEY, answer_words: int = 12) -> None:
        self.api_key = api_key
        """The key requests must carry; None to require that they carry none."""
        self.answer_words = answer_words
        self.exchanges: list[Exchange] = []
        self.schema_problems: list[str] = []
        self._failures: deque[Reply] = deque()
        self._always: Reply | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def answers(self) -> list[str]:
        """Summaries answered, in the order they were given."""
        with self._lock:
            return [e.answer for e in self.exchanges if e.answer is not None]

    def fail_next(
        self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next request not yet answered with this, instead of a summary."""
        with self._lock:
            self._failures.append(Reply(status, body, headers or {}))

    def fail_always(
        self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        """Answer every request with this from now on."""
        with self._lock:
            self._always = Reply(status, body, headers or {})

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        reply, answer = self._decide(handler.path, headers, body)
        with self._lock:
            self.exchanges.append(Exchange(handler.path, headers, body, answer))
        handler.send_response(reply.status)
        for name, value in {"Content-Type": "application/json", **reply.headers}.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        handler.wfile.write(reply.body)

    def _decide(self, path: str, headers: dict[str, str], body: bytes) -> tuple[Reply, str | None]:
        if path != CHAT_PATH:
            return Reply(404, _error("no such endpoint")), None
        expected = f"Bearer {self.api_key}" if self.api_key is not None else None
        if headers.get("authorization") != expected:
            return Reply(401, _error("Incorrect API key provided.")), None
        problem = _schema_problem(body)
        if problem is not None:
            with self._lock:
                self.schema_problems.append(problem)
            return Reply(400, _error(problem)), None
        with self._lock:
            failure = self._failures.popleft() if self._failures else self._always
        if failure is not None:
            return failure, None
        user_text = "\n".join(
            m["content"] for m in json.loads(body)["messages"] if m["role"] == "user"
        )
        answer = digest_of(user_text, self.answer_words)
        return Reply(200, chat_completion(answer)), answer

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server._respond(self)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        return Handler


def _error(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode()


def _schema_problem(body: bytes) -> str | None:
    """What is wrong with a chat completion request body, or None."""
    try:
        payload = json.loads(body)
    except ValueError:
        return "body is not JSON"
    if not isinstance(payload, dict):
        return "body is not an object"
    if payload.get("model") != MODEL:
        return f"model must be {MODEL!r}, not {payload.get('model')!r}"
    temperature = payload.get("temperature")
    if isinstance(temperature, bool) or not isinstance(temperature, int | float):
        return "temperature must be a number"
    messages = payload.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty list"
    for message in messages:
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            return "each message must be {role, content}"
        if message["role"] not in ROLES or not isinstance(message["content"], str):
            return "a message has an unknown role or non-text content"
    if not any(message["role"] == "user" for message in messages):
        return "no user message"
    return None
