"""An API with the service's own rate limits and quota (not the generous ones the other API
tests use), and a throwaway Redis server for the outage tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.kit.settings import Settings
from tests.conftest import SAMPLE_BOOK
from tests.service.api.conftest import GENEROUS_LIMITS, QueueOnlyRunner, api_settings
from tests.service.auth.token_factory import rs256_token

Response = Any
"""What the test client answers (its HTTP library varies with the installed Starlette)."""
REAL_DEFAULTS: dict[str, object] = {
    name: Settings.model_fields[name].default for name in GENEROUS_LIMITS
}
"""The limits and quota a server gets when its operator sets none."""
REDIS_START_SECONDS = 10.0


@dataclass
class LimitedApi:
    client: TestClient
    app: FastAPI
    runner: QueueOnlyRunner
    key: rsa.RSAPrivateKey

    def headers(self, subject: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {rs256_token(self.key, kid=None, sub=subject)}"}

    def client_at(self, host: str) -> TestClient:
        """Another client of the same running app, connecting from `host`."""
        return TestClient(self.app, client=(host, 40000))

    def submit(self, subject: str, client: TestClient | None = None) -> Response:
        with SAMPLE_BOOK.open("rb") as handle:
            return (client or self.client).post(
                "/api/v1/jobs",
                files={"file": (SAMPLE_BOOK.name, handle, "application/pdf")},
                headers=self.headers(subject),
            )


def new_user() -> str:
    # Fresh per test: the PostgreSQL database is shared by the whole session.
    return f"user_{uuid.uuid4().hex[:12]}"


LimitedApiFactory = Callable[..., AbstractContextManager[LimitedApi]]


@pytest.fixture
def limited_api(tmp_path: Path, signing_key: rsa.RSAPrivateKey) -> LimitedApiFactory:
    """Builds the API with the real limits and quota, then `overrides`; jobs are free, so
    only the limits can refuse a submission."""

    @contextmanager
    def build(**overrides: Any) -> Iterator[LimitedApi]:
        values: dict[str, Any] = {**REAL_DEFAULTS, "credits_enabled": False, **overrides}
        settings = api_settings(tmp_path / "data", signing_key, **values)
        runner = QueueOnlyRunner()
        app = create_app(settings, runner=runner)
        with TestClient(app) as client:
            yield LimitedApi(client, app, runner, signing_key)

    return build


def error_name(response: Response) -> str:
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    return str(body["error"])


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ThrowawayRedis:
    """A redis-server of the test's own, without persistence: a restart forgets counts."""

    port: int
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._wait_until_ready(self.process)

    @staticmethod
    def _wait_until_ready(process: subprocess.Popen[str]) -> None:
        # redis-server announces readiness on its log; reading it blocks until then.
        assert process.stdout is not None
        seen: list[str] = []
        for line in process.stdout:
            seen.append(line)
            if "Ready to accept connections" in line:
                return
        raise AssertionError(f"redis-server exited before it was ready: {''.join(seen)}")

    def stop(self) -> None:
        """End the server by its pid and wait for it to be gone."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=REDIS_START_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=REDIS_START_SECONDS)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None


@pytest.fixture
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(_free_loopback_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
