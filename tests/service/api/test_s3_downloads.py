"""With S3 storage the API hands out a short-lived link instead of streaming the bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.jobs.lifecycle.keys import audio_key_for
from pdf2audiobook.service.jobs.stages.repository import StageRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import JobStage
from pdf2audiobook.service.state import ServiceState
from tests.conftest import SAMPLES
from tests.service.api.conftest import QueueOnlyRunner, api_settings
from tests.service.auth.token_factory import rs256_token
from tests.service.storage.conftest import moto_endpoint, s3_bucket, s3_client

__all__ = ["moto_endpoint", "s3_bucket", "s3_client"]  # fixtures used below


def test_finished_audio_on_s3_is_a_presigned_link_that_downloads(
    tmp_path: Path,
    signing_key: rsa.RSAPrivateKey,
    moto_endpoint: str,
    s3_bucket: str,
    s3_client: Any,
) -> None:
    del s3_client  # the bucket fixture needs it; the API builds its own client
    settings = api_settings(
        tmp_path / "data",
        signing_key,
        storage_backend="s3",
        s3_bucket=s3_bucket,
        s3_endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        presigned_url_seconds=120,
    )
    headers = {"Authorization": f"Bearer {rs256_token(signing_key, kid=None, sub='user_s3')}"}
    app = create_app(settings, runner=QueueOnlyRunner())
    with TestClient(app) as client, (SAMPLES / "sample-book.pdf").open("rb") as handle:
        job_id = client.post(
            "/api/v1/jobs", files={"file": ("Fables.pdf", handle)}, headers=headers
        ).json()["id"]
        state: ServiceState = app.state.service
        # What a worker does at the end of a job: store the audio, then complete the job.
        audio = tmp_path / "book.m4b"
        audio.write_bytes(b"not really audio, but bytes to fetch")
        with session_scope(state.sessions) as session:
            stages = StageRepository(session)
            claim = stages.claim_job(job_id, JobStage.EXTRACTING, "host:1:t", "t", 60, 4)
            assert claim is not None
            key = audio_key_for(job_id, "m4b")
            state.storage.put_file(key, audio, "audio/mp4")
            assert stages.complete(
                job_id, "host:1:t", audio_key=key, audio_format="m4b", duration_seconds=1.0
            )
        link = client.get(f"/api/v1/jobs/{job_id}/audio", headers=headers).json()
    expires_at = datetime.fromisoformat(link["expires_at"])
    now = datetime.now(UTC)
    assert now < expires_at <= now + timedelta(seconds=121)
    fetched = httpx.get(link["url"])
    assert fetched.status_code == 200
    assert fetched.content == audio.read_bytes()
    assert 'filename="Fables.m4b"' in fetched.headers["content-disposition"]
