"""An API on a throwaway data folder, two signed-in users, and a runner that only queues."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.auth import VerifiedIdentity
from pdf2audiobook.service.kit.settings import Settings
from tests.service.auth.token_factory import ISSUER, public_pem, rs256_token


@dataclass
class QueueOnlyRunner:
    """Records what the API queues; the end-to-end test uses the real runner instead."""

    submitted: list[tuple[str, str | None]] = field(default_factory=list)
    started: bool = False

    def start(self) -> None:
        self.started = True

    def submit(self, job_id: str, password: str | None) -> None:
        self.submitted.append((job_id, password))

    def shutdown(self) -> None:
        self.started = False

    def check(self) -> None:
        if not self.started:
            raise RuntimeError("not started")


GENEROUS_LIMITS: dict[str, object] = {
    "rate_limit_api": "100000/minute",
    "rate_limit_submit": "100000/minute",
    "rate_limit_upload": "100000/minute",
    "rate_limit_checkout": "100000/minute",
    "rate_limit_tokens": "100000/minute",
    "rate_limit_webhooks": "100000/minute",
    "max_active_jobs_per_user": 100000,
}


def api_settings(data_dir: Path, key: rsa.RSAPrivateKey, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "secret_key": "test-secret-not-for-production",
        "data_dir": data_dir,
        "jwt_public_key_pem": public_pem(key),
        # Tests submit and poll faster than anyone; tests/service/limits keeps the defaults.
        **GENEROUS_LIMITS,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@dataclass
class Api:
    client: TestClient
    app: FastAPI
    runner: QueueOnlyRunner
    data_dir: Path
    key: rsa.RSAPrivateKey
    # Fresh identities per test: the PostgreSQL database is shared by the whole session.
    alice: str = field(default_factory=lambda: f"user_alice_{uuid.uuid4().hex[:8]}")
    bob: str = field(default_factory=lambda: f"user_bob_{uuid.uuid4().hex[:8]}")

    def external_id(self, subject: str) -> str:
        """How the user signed in as `subject` by `headers` is stored."""
        return VerifiedIdentity(subject=subject, issuer=ISSUER).external_id

    def headers(self, subject: str) -> dict[str, str]:
        token = rs256_token(self.key, kid=None, sub=subject)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(tmp_path: Path, signing_key: rsa.RSAPrivateKey, database_url: str) -> Iterator[Api]:
    """The API on SQLite and on PostgreSQL in turn."""
    runner = QueueOnlyRunner()
    data_dir = tmp_path / "data"
    settings = api_settings(
        data_dir, signing_key, max_upload_bytes=2 * 1024 * 1024, database_url=database_url
    )
    app = create_app(settings, runner=runner)
    with TestClient(app) as client:
        yield Api(client, app, runner, data_dir, signing_key)


ALICE = "user_alice"
BOB = "user_bob"
