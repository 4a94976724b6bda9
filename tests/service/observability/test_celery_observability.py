"""Celery workers, as separate processes: a job's stages are logged under the id of the
request that submitted it, and their metrics reach the API's `/metrics`."""

from __future__ import annotations

import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.models import JobStatus
from pdf2audiobook.service.worker.config import QUEUE_CHAPTERS, QUEUE_JOBS
from tests.service.api.conftest import api_settings
from tests.service.auth.token_factory import rs256_token
from tests.service.worker.conftest import SAMPLE_PDF
from tests.service.worker.processes import wait_for
from tests.service.worker.test_celery_faults import (
    JOB_SECONDS,
    Cluster,
    cluster,
    cluster_database_url,
)

__all__ = ["cluster", "cluster_database_url"]  # fixtures used below

pytestmark = pytest.mark.timeout(600)
METRICS_TOKEN = "metrics-" + uuid.uuid4().hex


def _stage_lines(log: str, job_id: str) -> list[dict[str, object]]:
    lines = []
    for line in log.splitlines():
        if line.startswith("{") and job_id in line and '"stage"' in line:
            lines.append(json.loads(line))
    return lines


def test_celery_workers_log_stages_under_the_request_id_and_count_them_for_the_api(
    cluster: Cluster, signing_key: rsa.RSAPrivateKey
) -> None:
    cluster.environment["LOG_FORMAT"] = "json"
    worker = cluster.worker("one")
    settings = api_settings(
        cluster.settings.data_dir,
        signing_key,
        database_url=cluster.settings.database_url,
        redis_url=cluster.redis.url,
        metrics_token=METRICS_TOKEN,
    )
    token = rs256_token(signing_key, kid=None, sub="user_celery_obs_" + uuid.uuid4().hex[:8])
    request_id = "celery-" + uuid.uuid4().hex[:12]
    with TestClient(create_app(settings)) as client:
        with SAMPLE_PDF.open("rb") as handle:
            response = client.post(
                "/api/v1/jobs",
                files={"file": (SAMPLE_PDF.name, handle)},
                data={"provider": "tone"},
                headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id},
            )
        assert response.status_code == 201, response.text
        job_id = response.json()["id"]
        assert cluster.wait_finished(job_id).status is JobStatus.COMPLETED

        # The stage's line and its histogram are written just after it completes the job.
        def assembled() -> bool:
            lines = _stage_lines(worker.log.read_text(), job_id)
            return any(line["stage"] == "assembling" for line in lines)

        wait_for(assembled, JOB_SECONDS, "the assembly's log line")
        metrics = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})

    lines = _stage_lines(worker.log.read_text(), job_id)
    assert {line["stage"] for line in lines} == {"extracting", "synthesising", "assembling"}
    assert {line["request_id"] for line in lines} == {request_id}
    text = metrics.text
    assert 'pdf2audiobook_stage_duration_seconds_count{outcome="ok",stage="extracting"}' in text
    assert 'pdf2audiobook_audio_seconds_total{provider="tone"}' in text
    for queue in (QUEUE_JOBS, QUEUE_CHAPTERS):
        assert f'pdf2audiobook_celery_queue_length{{queue="{queue}"}} 0.0' in text
