"""An API for contract tests: two signed-in users, a runner that only queues, SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis import BaseSchema
from schemathesis.config import SchemathesisConfig

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.jobs.api.events import EventTiming, event_timing
from tests.conftest import SAMPLE_BOOK
from tests.service.api.conftest import QueueOnlyRunner, api_settings
from tests.service.auth.token_factory import rs256_token
from tests.service.conftest import migrated_sqlite_url

CONFIG = SchemathesisConfig.from_dict(
    {
        # A documented 503 (payments not configured) is an answer, not a crash; an
        # undocumented one still fails the status-code check.
        "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]}},
        # The tests send each user's own token; a generated (missing or broken) one would be
        # replaced and its case's intent lost. The route-access tests cover requests without.
        "generation": {"with-security-parameters": False},
    }
)


@dataclass(frozen=True)
class Contract:
    app: FastAPI
    client: TestClient
    headers: dict[str, dict[str, str]]
    """Bearer headers by user name."""

    def submit_as_alice(self) -> str:
        with SAMPLE_BOOK.open("rb") as handle:
            submitted = self.client.post(
                "/api/v1/jobs",
                files={"file": (SAMPLE_BOOK.name, handle, "application/pdf")},
                headers=self.headers["alice"],
            )
        assert submitted.status_code == 201, submitted.text
        job_id: str = submitted.json()["id"]
        return job_id


@pytest.fixture(scope="module")
def contract(
    tmp_path_factory: pytest.TempPathFactory,
    signing_key: rsa.RSAPrivateKey,
    sqlite_template: Path,
) -> Iterator[Contract]:
    data_dir = tmp_path_factory.mktemp("contract")
    app = create_app(
        api_settings(
            data_dir,
            signing_key,
            database_url=migrated_sqlite_url(sqlite_template, data_dir / "service.db"),
            max_upload_bytes=2 * 1024 * 1024,
            credits_enabled=False,
            # Hundreds of requests a minute from each user are the point here; 429s would
            # only hide the answers being checked (the limits have their own tests).
            rate_limits_enabled=False,
        ),
        runner=QueueOnlyRunner(),
    )
    # A queued job never finishes here; its event stream ends at once instead of in an hour.
    quick = EventTiming(poll_seconds=0.01, keep_alive_seconds=0.01, max_stream_seconds=0.05)
    app.dependency_overrides[event_timing] = lambda: quick
    headers = {
        name: {"Authorization": f"Bearer {rs256_token(signing_key, kid=None, sub=subject)}"}
        for name, subject in (
            ("alice", f"user_alice_{uuid.uuid4().hex[:8]}"),
            ("bob", f"user_bob_{uuid.uuid4().hex[:8]}"),
        )
    }
    # The client runs the app's lifespan (migrations, runner); schemathesis then calls the
    # same app object directly.
    with TestClient(app) as client:
        yield Contract(app, client, headers)


@pytest.fixture(scope="module")
def api_schema(contract: Contract) -> BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", contract.app, config=CONFIG)
