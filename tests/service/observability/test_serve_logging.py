"""`pdf2audiobook serve` as a process: its own INFO lines reach stderr in LOG_FORMAT, one
per request, and the metrics folder of an earlier run is emptied when it starts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.worker.processes import CLI, START_SECONDS, free_port, wait_for

pytestmark = pytest.mark.timeout(300)
METRICS_TOKEN = "metrics-" + uuid.uuid4().hex


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """A running `serve` on a free loopback port: its address, data folder and stderr log."""
    data_dir = tmp_path / "data"
    stale = data_dir / "metrics" / "counter_999999.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left by an earlier run")
    port = free_port()
    log = tmp_path / "serve.log"
    environment = {
        **os.environ,
        "ENVIRONMENT": "test",
        "SECRET_KEY": "test-secret-not-for-production",
        "DATA_DIR": str(data_dir),
        "JOB_WORKERS": "1",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "info",
        "METRICS_TOKEN": METRICS_TOKEN,
    }
    environment.pop("DATABASE_URL", None)
    environment.pop("REDIS_URL", None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(CLI), "serve", "--port", str(port)],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=tmp_path,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/health"), START_SECONDS * 4, f"serve ({log})")
        yield base, data_dir, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=START_SECONDS)


def test_serve_logs_each_request_as_json_and_restarts_its_counters(
    served: tuple[str, Path, Path],
) -> None:
    base, data_dir, log = served
    answer = httpx.get(f"{base}/health", headers={"X-Request-ID": "probe-1"}, timeout=10)
    metrics = httpx.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    )
    request_lines: list[dict[str, object]] = []

    def logged() -> bool:
        request_lines[:] = [
            entry
            for line in log.read_text().splitlines()
            if line.startswith("{")
            and (entry := json.loads(line))["logger"] == "pdf2audiobook.request"
            and entry["request_id"] == "probe-1"
        ]
        return bool(request_lines)

    wait_for(logged, START_SECONDS, "the request's log line")

    assert answer.headers["X-Request-ID"] == "probe-1"
    (line,) = request_lines
    assert line["level"] == "INFO"
    assert line["route"] == "/health"
    assert line["status"] == 200
    assert line["time"]
    assert not (data_dir / "metrics" / "counter_999999.db").exists()
    assert 'route="/health",status="200"' in metrics.text
