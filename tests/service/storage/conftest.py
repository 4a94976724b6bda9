"""Storage backends for the shared behaviour suite: a folder, and a bucket on a moto server.

The moto server is a separate process speaking real S3 over HTTP on a loopback port it picks
itself; it starts once per session, only if a test asks for S3, and is stopped by its pid.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pdf2audiobook.service.storage import LocalStorage, S3Storage, Storage, make_s3_client

STARTUP_SECONDS = 30.0
POLL_SECONDS = 0.05
# Small pages make delete_prefix walk several list/delete rounds with a few dozen objects.
TEST_PAGE_SIZE = 7
_RUNNING_ON = re.compile(r"Running on (http://127\.0\.0\.1:\d+)")


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        yield _wait_until_serving(process, log_path)
    finally:
        _stop(process)


def _wait_until_serving(process: subprocess.Popen[bytes], log_path: Path) -> str:
    """The server's URL once it answers HTTP; port 0 means it announces its port in the log."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        announced = _RUNNING_ON.search(log_path.read_text(errors="replace"))
        if announced and _answers(announced.group(1)):
            return announced.group(1)
        try:
            # Waiting on the process doubles as the poll interval and notices an early exit.
            process.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"moto server exited with {process.returncode}: {log_path.read_text()}")
    pytest.fail(f"moto server did not answer within {STARTUP_SECONDS} s: {log_path.read_text()}")


def _answers(endpoint: str) -> bool:
    try:
        httpx.get(endpoint, timeout=1.0)
    except httpx.TransportError:
        return False
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_client(moto_endpoint: str) -> Any:
    return make_s3_client(
        region="us-east-1",
        endpoint_url=moto_endpoint,
        access_key_id="testing",
        secret_access_key="testing",
    )


@pytest.fixture
def s3_bucket(s3_client: Any) -> str:
    """A new, empty bucket for each test, so no test sees another's objects."""
    name = f"test-{uuid.uuid4().hex}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_storage(s3_client: Any, s3_bucket: str) -> S3Storage:
    return S3Storage(s3_bucket, s3_client, list_page_size=TEST_PAGE_SIZE)


@pytest.fixture
def local_storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest) -> Storage:
    """Each backend in turn; the moto server starts only when the S3 case first runs."""
    backend: Storage = request.getfixturevalue(f"{request.param}_storage")
    return backend
