"""An API in the test process (for what happens inside one request) and helpers shared by
the attack tests, which run against a real server process (`server.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.jobs.lifecycle.keys import audio_key_for
from pdf2audiobook.service.jobs.stages.repository import StageRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import JobStage
from pdf2audiobook.service.state import ServiceState
from tests.conftest import SAMPLE_BOOK
from tests.service.api.conftest import Api, QueueOnlyRunner, api_settings


@pytest.fixture
def api(tmp_path: Path, signing_key: rsa.RSAPrivateKey, database_url: str) -> Iterator[Api]:
    """The API on SQLite and on PostgreSQL in turn."""
    runner = QueueOnlyRunner()
    data_dir = tmp_path / "data"
    settings = api_settings(data_dir, signing_key, database_url=database_url)
    app = create_app(settings, runner=runner)
    with TestClient(app) as client:
        yield Api(client, app, runner, data_dir, signing_key)


def submit_sample(client: TestClient, headers: dict[str, str]) -> str:
    with SAMPLE_BOOK.open("rb") as handle:
        response = client.post(
            "/api/v1/jobs", files={"file": ("book.pdf", handle)}, headers=headers
        )
    assert response.status_code == 201, response.text
    job_id: str = response.json()["id"]
    return job_id


def complete_with_audio(state: ServiceState, job_id: str, audio: bytes) -> None:
    """What a worker does at the end of a job: store the audio, then complete the job."""
    key = audio_key_for(job_id, "m4b")
    state.storage.put_stream(key, [audio], "audio/mp4")
    with session_scope(state.sessions) as session:
        stages = StageRepository(session)
        assert stages.claim_job(job_id, JobStage.EXTRACTING, "host:1:t", "t", 60, 4) is not None
        assert stages.complete(
            job_id, "host:1:t", audio_key=key, audio_format="m4b", duration_seconds=1.0
        )
