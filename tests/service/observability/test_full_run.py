"""A whole run through the API with logging at DEBUG: a job submitted under a request id is
logged under that id by the processes that convert it, `/metrics` counts what it did, and
no captured line holds a token, the PDF's password, a presigned link or a secret."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from fpdf import FPDF
from fpdf.enums import EncryptionMethod

from pdf2audiobook.pipeline.voices import tone
from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.jobs.runners.embedded import EmbeddedRunner
from pdf2audiobook.service.kit.db import (
    create_engine_from_settings,
    session_factory,
    session_scope,
)
from pdf2audiobook.service.kit.logging_setup import configure_logging
from pdf2audiobook.service.payments.paddle.signature import sign
from pdf2audiobook.service.products.repository import ProductRepository
from pdf2audiobook.service.users.tokens import create_token_for_email
from tests.service.api.conftest import api_settings
from tests.service.auth.token_factory import rs256_token
from tests.service.payments import paddle_payloads as paddle
from tests.service.payments.conftest import CREDIT_PACK_PRICE
from tests.service.storage.conftest import moto_endpoint, s3_bucket, s3_client

__all__ = ["moto_endpoint", "s3_bucket", "s3_client"]  # fixtures used below

JOB_TIMEOUT = 300.0
METRICS_TOKEN = "metrics-" + uuid.uuid4().hex
PARAGRAPH = (
    "The fox walked along the river in the early morning, looking for something to eat. "
    "A crow sat in a tree above the water with a piece of cheese in its beak, and the fox "
    "began to praise the beauty of its feathers and the sweetness of its voice. "
)


def encrypted_book(path: Path, password: str) -> Path:
    """A short two-chapter book that opens only with `password`."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for title in ("The Fox and the Crow", "The Crow and the Pitcher"):
        pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=20)
        pdf.multi_cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=12)
        for _ in range(4):
            pdf.multi_cell(0, 7, PARAGRAPH * 2, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
    pdf.set_encryption(
        owner_password=password + "-owner",
        user_password=password,
        encryption_method=EncryptionMethod.AES_128,
    )
    pdf.output(str(path))
    return path


@dataclass
class FullRun:
    job_id: str
    request_id: str
    secrets: dict[str, str]
    metrics: str
    captured: str


@pytest.fixture
def full_run(
    tmp_path: Path,
    signing_key: rsa.RSAPrivateKey,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    moto_endpoint: str,
    s3_bucket: str,
    s3_client: Any,
    restore_root_logger: None,
) -> FullRun:
    del s3_client  # the bucket fixture needs it; the API builds its own client
    del restore_root_logger  # configure_logging below changes the root logger
    monkeypatch.setenv(tone.ENABLE_ENV_VAR, "1")
    password = "pdf-password-" + uuid.uuid4().hex
    webhook_secret = "pdl_ntfset_" + uuid.uuid4().hex
    s3_secret = "s3-secret-" + uuid.uuid4().hex
    request_id = "run-" + uuid.uuid4().hex[:12]
    settings = api_settings(
        tmp_path / "data",
        signing_key,
        log_level="DEBUG",
        log_format="json",
        metrics_token=METRICS_TOKEN,
        paddle_webhook_secrets=[webhook_secret],
        storage_backend="s3",
        s3_bucket=s3_bucket,
        s3_endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key=s3_secret,
        job_workers=1,
    )
    # What `serve` does; the job processes do the same from these settings.
    configure_logging(settings)
    caplog.set_level(logging.DEBUG)
    runner = EmbeddedRunner(settings, session_factory(create_engine_from_settings(settings)))
    app = create_app(settings, runner=runner)
    jwt = rs256_token(signing_key, kid=None, sub="user_full_run_" + uuid.uuid4().hex[:8])
    book = encrypted_book(tmp_path / "fables.pdf", password)
    with TestClient(app) as client:
        with session_scope(app.state.service.sessions) as session:
            api_token = create_token_for_email(session, "reader@example.org", "full-run")
            ProductRepository(session).set_price_id("pack-1000", "paddle", CREDIT_PACK_PRICE)
        with book.open("rb") as handle:
            submitted = client.post(
                "/api/v1/jobs",
                files={"file": ("fables.pdf", handle)},
                data={"provider": "tone", "password": password},
                headers={"Authorization": f"Bearer {jwt}", "X-Request-ID": request_id},
            )
        assert submitted.status_code == 201, submitted.text
        job_id = submitted.json()["id"]
        assert runner.wait_idle(JOB_TIMEOUT)
        job = client.get(f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {jwt}"})
        assert job.json()["status"] == "completed", job.json()
        link = client.get(
            f"/api/v1/jobs/{job_id}/audio",
            headers={"Authorization": f"Bearer {jwt}"},
            follow_redirects=False,
        )
        presigned_url = link.headers.get("location") or link.json()["url"]
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {api_token}"})
        assert me.status_code == 200
        payload = paddle.completed_credit_pack(custom_data={"user_id": me.json()["id"]})
        payload["event_id"] = "evt_" + uuid.uuid4().hex[:26]
        payload["data"]["id"] = "txn_" + uuid.uuid4().hex[:26]
        raw = json.dumps(payload).encode()
        hook = client.post(
            "/api/v1/webhooks/paddle",
            content=raw,
            headers={
                "Paddle-Signature": sign(raw, webhook_secret, int(time.time())),
                "Content-Type": "application/json",
            },
        )
        assert hook.status_code == 200, hook.text
        metrics = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert metrics.status_code == 200
    # After the server stopped: its job processes have written everything they will.
    out, err = capfd.readouterr()
    records = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    return FullRun(
        job_id=job_id,
        request_id=request_id,
        secrets={
            "jwt": jwt,
            "api token": api_token,
            "pdf password": password,
            "presigned url": presigned_url,
            "presigned signature": _query_value(presigned_url, "Signature")
            or _query_value(presigned_url, "X-Amz-Signature"),
            "webhook secret": webhook_secret,
            "s3 secret key": s3_secret,
            "metrics token": METRICS_TOKEN,
        },
        metrics=metrics.text,
        captured="\n".join((out, err, records)),
    )


def _query_value(url: str, name: str) -> str:
    match = re.search(rf"[?&]{name}=([^&]+)", url)
    return match.group(1) if match else ""


def _sample(metrics: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in metrics.splitlines():
        if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{{{wanted}}} not in the scrape")


def test_no_captured_line_holds_a_token_password_presigned_link_or_secret(
    full_run: FullRun,
) -> None:
    assert full_run.secrets["presigned signature"], full_run.secrets["presigned url"]
    assert full_run.job_id in full_run.captured  # the capture did see the run
    leaked = [name for name, value in full_run.secrets.items() if value in full_run.captured]
    assert leaked == []
    assert "authorization" not in full_run.captured.lower()


def test_job_processes_log_every_stage_under_the_submitting_request_id(
    full_run: FullRun,
) -> None:
    stage_lines = [
        json.loads(line)
        for line in full_run.captured.splitlines()
        if line.startswith("{") and '"stage"' in line and full_run.job_id in line
    ]
    stages = {line["stage"] for line in stage_lines}
    assert stages == {"extracting", "synthesising", "assembling"}
    assert {line["request_id"] for line in stage_lines} == {full_run.request_id}


def test_metrics_count_the_runs_requests_stages_audio_characters_and_grants(
    full_run: FullRun,
) -> None:
    metrics = full_run.metrics
    submitted = {"method": "POST", "route": "/api/v1/jobs", "status": "201"}
    assert _sample(metrics, "pdf2audiobook_http_requests_total", **submitted) == 1
    assert (
        _sample(
            metrics,
            "pdf2audiobook_http_request_duration_seconds_count",
            method="POST",
            route="/api/v1/jobs",
        )
        == 1
    )
    for stage in ("extracting", "assembling"):
        count = "pdf2audiobook_stage_duration_seconds_count"
        assert _sample(metrics, count, stage=stage, outcome="ok") == 1
    assert (
        _sample(
            metrics,
            "pdf2audiobook_stage_duration_seconds_count",
            stage="synthesising",
            outcome="ok",
        )
        >= 2
    )
    assert _sample(metrics, "pdf2audiobook_audio_seconds_total", provider="tone") > 0
    assert _sample(metrics, "pdf2audiobook_tts_characters_total", provider="tone") > 1000
    assert _sample(metrics, "pdf2audiobook_jobs", status="completed") == 1
    assert _sample(metrics, "pdf2audiobook_jobs_waiting") == 0
    assert _sample(metrics, "pdf2audiobook_credit_grants_total", kind="purchase") == 1
    assert _sample(metrics, "pdf2audiobook_credits_granted_total", kind="purchase") == 1000
