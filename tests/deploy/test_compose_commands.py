"""compose.yaml's commands run the whole service: the sample becomes an audiobook.

No container engine is needed (none runs on the machines this suite runs on): the app
services' commands, entrypoint and health checks are taken from compose.yaml and run as
processes of this environment, with compose's own environment block, against PostgreSQL,
a redis-server started as compose starts it, and an S3 server (moto in MinIO's place).
What this cannot check is the image itself: its system packages and its user.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from mutagen.mp4 import MP4

from tests.conftest import SAMPLE_BOOK
from tests.deploy.files import COMPOSE_REQUIRED_VARIABLES, compose, services
from tests.service.conftest import throwaway_postgres_database
from tests.service.worker.processes import CLI, CeleryProcess, RedisServer, free_port, wait_for

BIN = Path(sys.executable).parent
START_SECONDS = 120.0
CONVERT_SECONDS = 300.0
HEALTHCHECK_SECONDS = 60.0
S3_KEY = {"AWS_ACCESS_KEY_ID": "compose-test", "AWS_SECRET_ACCESS_KEY": "compose-test-secret"}
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?::(?P<kind>[-?])(?P<rest>[^}]*))?\}")

pytestmark = pytest.mark.slow


def _interpolate(value: str, given: Mapping[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?message}`, and `$$`."""

    def replace(match: re.Match[str]) -> str:
        name, kind, rest = match.group("name", "kind", "rest")
        if given.get(name):
            return given[name]
        if kind == "?":
            raise AssertionError(f"compose needs {name}: {rest}")
        return rest or ""

    return _VARIABLE.sub(replace, value).replace("$$", "$")


def _compose_environment() -> dict[str, str]:
    block: dict[str, Any] = compose()["x-service-env"]
    return {
        name: _interpolate(str(value), COMPOSE_REQUIRED_VARIABLES) for name, value in block.items()
    }


def _healthcheck(service: str, **replace: str) -> list[str]:
    """The service's health check as a command line for this environment."""
    test: list[str] = services()[service]["healthcheck"]["test"]
    kind, *rest = test
    if kind == "CMD-SHELL":
        rest = ["sh", "-c", _interpolate(rest[0], {})]
    if rest[0] == "python":
        rest[0] = sys.executable
    for old, new in replace.items():
        rest = [part.replace(old, new) for part in rest]
    return rest


def _passes(command: list[str], environment: Mapping[str, str]) -> bool:
    result = subprocess.run(
        command,
        env={**os.environ, **environment},
        capture_output=True,
        timeout=HEALTHCHECK_SECONDS,
        check=False,
    )
    return result.returncode == 0


@contextmanager
def _moto(log: Path) -> Iterator[str]:
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: _listening(port), START_SECONDS, "the S3 server to start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def _running(process: CeleryProcess) -> Iterator[CeleryProcess]:
    process.start()
    try:
        yield process
    finally:
        process.stop()


def test_compose_services_convert_the_sample_book(tmp_path: Path) -> None:
    with ExitStack() as stack:
        redis_server = RedisServer(tmp_path / "redis", appendonly=True)
        redis_server.start()
        stack.callback(redis_server.kill)
        s3_endpoint = stack.enter_context(_moto(tmp_path / "moto.log"))
        database_url = stack.enter_context(throwaway_postgres_database())
        environment = {
            **_compose_environment(),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_server.url,
            "S3_ENDPOINT_URL": s3_endpoint,
            **S3_KEY,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        _create_bucket(environment)

        subprocess.run(
            [str(CLI), *services()["migrate"]["command"]],
            env={**os.environ, **environment},
            check=True,
            timeout=START_SECONDS,
        )
        port = str(free_port())
        api_command = [
            "127.0.0.1" if part == "0.0.0.0" else port if part == "8000" else part
            for part in services()["api"]["command"]
        ]
        processes = {
            "api": api_command,
            # One pool process per core by default; two keep a CI machine responsive.
            "worker": [*services()["worker"]["command"], "--concurrency", "2"],
            "beat": services()["beat"]["command"],
        }
        for name, arguments in processes.items():
            data_dir = tmp_path / name
            data_dir.mkdir()
            stack.enter_context(
                _running(
                    CeleryProcess(
                        arguments,
                        {**environment, "DATA_DIR": str(data_dir)},
                        tmp_path / f"{name}.log",
                    )
                )
            )

        api_check = _healthcheck("api", **{"8000": port})
        wait_for(
            lambda: _passes(api_check, environment),
            START_SECONDS,
            "the API's health check",
            poll=1.0,
        )
        checks_env = {**environment, "HOSTNAME": socket.gethostname()}
        wait_for(
            lambda: _passes(_healthcheck("worker"), checks_env),
            START_SECONDS,
            "the worker's health check",
            poll=1.0,
        )
        assert _passes(_healthcheck("beat"), environment)

        audio = _convert_sample(f"http://127.0.0.1:{port}", _token(environment, tmp_path / "api"))

    (tmp_path / "book.m4b").write_bytes(audio)
    # mutagen leaves its constructors unannotated.
    book = MP4(tmp_path / "book.m4b")  # type: ignore[no-untyped-call]
    assert book.info is not None
    assert book.info.length > 600
    assert book.tags is not None
    assert book.tags["\xa9nam"] == ["Fables of Aesop"]


def _create_bucket(environment: Mapping[str, str]) -> None:
    """What the `minio-bucket` service does."""
    client = boto3.client(
        "s3",
        endpoint_url=environment["S3_ENDPOINT_URL"],
        aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
        region_name=environment["AWS_REGION"],
    )
    client.create_bucket(Bucket=environment["S3_BUCKET"])


def _token(environment: Mapping[str, str], data_dir: Path) -> str:
    """As the README says: `docker compose exec api pdf2audiobook tokens create ...`."""
    created = subprocess.run(
        [str(BIN / "pdf2audiobook"), "tokens", "create", "--email", "compose@example.com"],
        env={**os.environ, **environment, "DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        check=True,
        timeout=START_SECONDS,
    )
    return created.stdout.strip().splitlines()[-1]


def _convert_sample(api: str, token: str) -> bytes:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api, headers=headers, timeout=60) as client:
        with SAMPLE_BOOK.open("rb") as handle:
            submitted = client.post(
                "/api/v1/jobs", files={"file": (SAMPLE_BOOK.name, handle, "application/pdf")}
            )
        assert submitted.status_code == 201, submitted.text
        job_id = submitted.json()["id"]
        deadline = time.monotonic() + CONVERT_SECONDS
        status = client.get(f"/api/v1/jobs/{job_id}/status").json()
        while status["status"] not in {"completed", "failed", "cancelled"}:
            assert time.monotonic() < deadline, f"still {status} after {CONVERT_SECONDS:.0f} s"
            time.sleep(1.0)
            status = client.get(f"/api/v1/jobs/{job_id}/status").json()
        assert status["status"] == "completed", status
        link = client.get(f"/api/v1/jobs/{job_id}/audio")
        assert link.status_code == 200, link.text
        downloaded = httpx.get(link.json()["url"], timeout=60)
        assert downloaded.status_code == 200
        return downloaded.content
