"""Attacks as a client sends them, against `pdf2audiobook serve` in its own process: large
and stalled bodies, slow downloads, bomb estimates in bulk. Each is bounded in seconds."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import update

from pdf2audiobook.service.kit.db import create_engine_for, migrate, session_factory
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.models import Job, JobStatus
from pdf2audiobook.service.state import ServiceState
from pdf2audiobook.service.storage.factory import storage_from_settings
from tests.conftest import SAMPLE_BOOK, corpus_file
from tests.service.conftest import throwaway_postgres_database
from tests.service.hardening.conftest import complete_with_audio
from tests.service.hardening.server import (
    ApiServer,
    closed_by_server,
    open_request,
    read_head,
    send_quietly,
)
from tests.service.worker.processes import RedisServer, wait_for

MIB = 1024 * 1024
BODY_TIMEOUT_SECONDS = 2
SERVER_SETTINGS = {
    "max_upload_bytes": 60 * MIB,
    "body_timeout_seconds": BODY_TIMEOUT_SECONDS,
    "max_concurrent_uploads": 2,
    "estimate_concurrency": 2,
    "estimate_queue": 2,
    "database_pool_size": 2,
    "database_max_overflow": 0,
    "credits_enabled": "false",
    "max_event_streams_per_user": 2,
}
ANSWER_SECONDS = 3.0
UPLOAD_HEAD = (
    b"--x\r\n"
    b'Content-Disposition: form-data; name="file"; filename="book.pdf"\r\n'
    b"Content-Type: application/pdf\r\n\r\n"
    b"%PDF-1.7\n"
)
"""How quickly another client's request must be answered while the service is attacked."""


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, signing_key: rsa.RSAPrivateKey
) -> Iterator[ApiServer]:
    """One server for the module, on its own PostgreSQL database with a pool of two
    connections. Jobs go to a Redis of its own that no worker reads: a job stays as the
    test leaves it, and no other test's job is ever picked up."""
    folder = tmp_path_factory.mktemp("server")
    redis_server = RedisServer(folder / "redis")
    with throwaway_postgres_database() as database_url:
        migrate(database_url)
        redis_server.start()
        running = ApiServer(
            folder,
            signing_key,
            database_url,
            {**SERVER_SETTINGS, "redis_url": redis_server.url},
        )
        try:
            running.start()
            yield running
        finally:
            running.stop()
            redis_server.kill()


def _user() -> str:
    return f"user_{uuid.uuid4().hex[:10]}"


def _bearer(server: ApiServer, subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token(subject)}"}


def _timed_get(server: ApiServer, path: str, headers: dict[str, str]) -> tuple[int, float]:
    started = time.monotonic()
    response = httpx.get(f"{server.url}{path}", headers=headers, timeout=ANSWER_SECONDS * 3)
    return response.status_code, time.monotonic() - started


def test_large_json_without_a_token_is_401_unread_and_memory_stays_flat(
    server: ApiServer,
) -> None:
    body = b'{"first_name": "' + b"a" * (10 * MIB) + b'"}'
    before = server.rss_bytes()
    for _ in range(5):
        connection = open_request(
            server,
            "PUT",
            "/api/v1/auth/me",
            {"Content-Type": "application/json", "Content-Length": str(len(body))},
        )
        with connection:
            sent = send_quietly(connection, body)
            status, headers, _ = read_head(connection)
            assert status == 401
            assert headers["connection"] == "close"
            assert closed_by_server(connection)
        assert sent < len(body)
    assert server.rss_bytes() - before < 20 * MIB


def test_large_json_with_a_token_is_413_past_64_kb(server: ApiServer) -> None:
    response = httpx.put(
        f"{server.url}/api/v1/auth/me",
        content=b'{"first_name": "' + b"a" * (100 * 1024) + b'"}',
        headers={**_bearer(server, _user()), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "PayloadTooLarge"


def test_stalled_upload_without_a_token_is_refused_at_once(server: ApiServer) -> None:
    connection = open_request(
        server,
        "POST",
        "/api/v1/jobs",
        {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(50 * MIB)},
    )
    with connection:
        send_quietly(connection, UPLOAD_HEAD + b"0" * MIB)
        status, _, _ = read_head(connection)
        assert status == 401
        assert closed_by_server(connection)


def test_stalled_upload_is_cut_off_with_408_and_its_connection_closed(
    server: ApiServer,
) -> None:
    connection = open_request(
        server,
        "POST",
        "/api/v1/jobs",
        {
            **_bearer(server, _user()),
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(50 * MIB),
        },
    )
    with connection:
        started = time.monotonic()
        send_quietly(connection, UPLOAD_HEAD + b"0" * MIB)
        status, headers, body = read_head(connection, whole_body=True)
        waited = time.monotonic() - started
        assert status == 408
        assert b"RequestTimeout" in body
        assert headers["connection"] == "close"
        assert closed_by_server(connection)
    assert BODY_TIMEOUT_SECONDS <= waited < BODY_TIMEOUT_SECONDS + 3


def test_uploads_past_the_cap_are_503_with_retry_after(server: ApiServer) -> None:
    headers = {
        **_bearer(server, _user()),
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(50 * MIB),
    }
    stalled = [open_request(server, "POST", "/api/v1/jobs", headers) for _ in range(2)]
    for connection in stalled:
        send_quietly(connection, UPLOAD_HEAD)
    refused: list[httpx.Response] = []

    def third_upload_refused() -> bool:
        for connection in stalled:  # still sending, so neither times out
            send_quietly(connection, b"0" * 1024)
        response = httpx.post(
            f"{server.url}/api/v1/jobs/estimate",
            files={"file": ("x.pdf", b"not a pdf")},
            headers=_bearer(server, _user()),
        )
        refused.append(response)
        return response.status_code == 503

    try:
        wait_for(third_upload_refused, 10, "an upload past the cap to be refused")
    finally:
        for connection in stalled:
            connection.close()
    assert refused[-1].json()["error"] == "TooManyUploads"
    assert refused[-1].headers["retry-after"].isdigit()


def _completed_job_with_audio(server: ApiServer, subject: str, audio: bytes) -> str:
    response = httpx.post(
        f"{server.url}/api/v1/jobs",
        files={"file": ("book.pdf", SAMPLE_BOOK.read_bytes())},
        headers=_bearer(server, subject),
        timeout=30,
    )
    assert response.status_code == 201, response.text
    job_id: str = response.json()["id"]
    settings = Settings(
        _env_file=None,
        **{  # type: ignore[arg-type]
            "environment": "test",
            "secret_key": "test-secret-not-for-production",
            "data_dir": server.folder / "data",
            "database_url": server.environment["DATABASE_URL"],
        },
    )
    engine = create_engine_for(settings.resolved_database_url, pool_size=1, max_overflow=0)
    try:
        state = ServiceState(
            settings=settings,
            sessions=session_factory(engine),
            storage=storage_from_settings(settings),
            runner=None,  # type: ignore[arg-type]
            authenticator=None,  # type: ignore[arg-type]
        )
        complete_with_audio(state, job_id, audio)
    finally:
        engine.dispose()
    return job_id


def test_forty_slow_downloads_leave_the_pool_to_everyone_else(server: ApiServer) -> None:
    owner = _user()
    job_id = _completed_job_with_audio(server, owner, b"\x00" * (32 * MIB))
    token = server.token(owner)
    downloads = []
    try:
        for _ in range(40):
            connection = open_request(
                server,
                "GET",
                f"/api/v1/jobs/{job_id}/audio",
                {"Authorization": f"Bearer {token}"},
                receive_buffer=4096,
            )
            downloads.append(connection)
            status, _, _ = read_head(connection)  # past the database; now read no further
            assert status == 200
        other = _bearer(server, _user())
        for path in ("/api/v1/jobs", "/api/v1/auth/me", "/api/v1/credits", "/health"):
            status, seconds = _timed_get(server, path, other)
            assert status == 200, path
            assert seconds < ANSWER_SECONDS, path
    finally:
        for connection in downloads:
            connection.close()


def test_forty_bomb_estimates_at_once_leave_health_and_other_routes_answering(
    server: ApiServer,
) -> None:
    bomb = corpus_file(23).read_bytes()
    headers = _bearer(server, _user())
    other = _bearer(server, _user())
    done = threading.Event()
    answers: list[tuple[str, int, float]] = []

    def estimate() -> httpx.Response:
        return httpx.post(
            f"{server.url}/api/v1/jobs/estimate",
            files={"file": ("bomb.pdf", bomb)},
            headers=headers,
            timeout=60,
        )

    def keep_asking() -> None:
        while not done.is_set():
            for path in ("/health", "/api/v1/jobs"):
                status, seconds = _timed_get(server, path, other)
                answers.append((path, status, seconds))

    watcher = threading.Thread(target=keep_asking)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=40) as pool:
            estimates = list(pool.map(lambda _: estimate(), range(40)))
    finally:
        done.set()
        watcher.join(timeout=30)
    statuses = [response.status_code for response in estimates]
    assert set(statuses) <= {400, 503}, statuses
    assert statuses.count(400) >= 2
    for response in estimates:
        if response.status_code == 400:
            assert "memory" in response.json()["detail"]
        else:
            assert response.headers["retry-after"].isdigit()
    assert answers
    assert all(status == 200 for _, status, _ in answers), answers
    assert max(seconds for _, _, seconds in answers) < ANSWER_SECONDS, answers


def test_no_attack_made_a_server_error(server: ApiServer) -> None:
    log = Path(server.log).read_text(errors="replace")
    assert "Traceback" not in log
    assert not re.search(r"\b500\b.*status=500", log)


def test_a_stream_past_the_cap_is_429_until_one_is_closed(server: ApiServer) -> None:
    owner = _user()
    job_id = _completed_job_with_audio(server, owner, b"audio")
    headers = {"Authorization": f"Bearer {server.token(owner)}", "Accept": "text/event-stream"}
    path = f"/api/v1/jobs/{job_id}/events"
    # A finished job's stream ends at once; a running one's stays open.
    _running_again(server, job_id)
    streams = [open_request(server, "GET", path, headers) for _ in range(2)]
    try:
        assert [read_head(stream)[0] for stream in streams] == [200, 200]
        refused = httpx.get(f"{server.url}{path}", headers=headers)
        assert refused.status_code == 429
        assert refused.headers["retry-after"].isdigit()
        streams.pop().close()

        def another_stream_opens() -> bool:
            with httpx.stream("GET", f"{server.url}{path}", headers=headers) as response:
                return response.status_code == 200

        wait_for(another_stream_opens, 10, "the closed stream's slot to be given back")
    finally:
        for stream in streams:
            stream.close()


def _running_again(server: ApiServer, job_id: str) -> None:
    engine = create_engine_for(server.environment["DATABASE_URL"], pool_size=1, max_overflow=0)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(Job).where(Job.id == job_id).values(status=JobStatus.PROCESSING)
            )
    finally:
        engine.dispose()
