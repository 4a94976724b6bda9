"""`pdf2audiobook serve` killed with SIGKILL in the middle of a book, then started again.

The server runs as its own process, as a user runs it, with the embedded defaults (SQLite
and files in its data folder). Its pool processes must not outlive it, nothing of the
book may be left in scratch, and the restarted server finishes the book without speaking
again the chapters that were done.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.pipeline.voices.tone import ENABLE_ENV_VAR, SECONDS_PER_CHUNK_ENV_VAR
from pdf2audiobook.service.kit.db import create_engine_for, session_factory
from pdf2audiobook.service.models import ChapterStatus
from tests.service.worker.processes import CLI, START_SECONDS, free_port, wait_for

from .conftest import (
    JOB_SECONDS,
    LEASE_SECONDS,
    MAX_ATTEMPTS,
    SAMPLE_PDF,
    SECONDS_PER_CHUNK,
    Snapshot,
    assert_completed_once,
    children_of,
    job_exists,
    process_exists,
    snapshot,
    wait_finished,
)


@dataclass
class Server:
    data_dir: Path
    environment: dict[str, str]
    log: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(CLI), "serve", "--port", str(self.port)],
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self._answers, START_SECONDS, "the server to answer")

    def token(self) -> str:
        created = subprocess.run(
            [str(CLI), "tokens", "create", "--email", "reader@example.com"],
            env=self.environment,
            capture_output=True,
            text=True,
            check=True,
            timeout=START_SECONDS,
        )
        return created.stdout.strip()

    def kill(self) -> None:
        """SIGKILL of the server process alone: its pool must notice by itself."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=START_SECONDS)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=START_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=START_SECONDS)
            self.process = None

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data_dir = tmp_path / "data"
    environment = {
        **os.environ,
        "ENVIRONMENT": "test",
        "SECRET_KEY": "test-secret-not-for-production",
        "DATA_DIR": str(data_dir),
        "JOB_WORKERS": "2",
        "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "JOB_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "RECONCILE_SECONDS": "1",
        "REQUEUE_AFTER_SECONDS": "3",
        ENABLE_ENV_VAR: "1",
        SECONDS_PER_CHUNK_ENV_VAR: str(SECONDS_PER_CHUNK),
    }
    server = Server(data_dir, environment, tmp_path / "server.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sessions(server: Server) -> Iterator[sessionmaker[Session]]:
    engine = create_engine_for(
        f"sqlite:///{server.data_dir / 'pdf2audiobook.db'}", pool_size=2, max_overflow=2
    )
    yield session_factory(engine)
    engine.dispose()


def test_a_killed_server_leaves_no_process_or_scratch_and_resumes_the_book_after_restart(
    server: Server, sessions: sessionmaker[Session]
) -> None:
    server.start()
    headers = {"Authorization": f"Bearer {server.token()}"}
    with SAMPLE_PDF.open("rb") as handle:
        response = httpx.post(
            f"{server.url}/api/v1/jobs",
            files={"file": (SAMPLE_PDF.name, handle)},
            data={"provider": "tone"},
            headers=headers,
            timeout=30,
        )
    assert response.status_code == 201, response.text
    job_id = response.json()["id"]
    # The API may answer before its transaction is visible to another connection.
    wait_for(lambda: job_exists(sessions, job_id), 10, "the job's row")

    def one_done_one_speaking() -> bool:
        chapters = snapshot(sessions, job_id).chapters
        statuses = [status for _, status, progress, _, _ in chapters if progress > 0]
        return ChapterStatus.DONE in statuses and ChapterStatus.SYNTHESISING in statuses

    wait_for(one_done_one_speaking, JOB_SECONDS, "a chapter done and another speaking", poll=0.02)
    assert server.process is not None
    pool = children_of(server.process.pid)
    assert pool, "the server has no pool processes"
    done_before = {
        number
        for number, status, _, _, _ in snapshot(sessions, job_id).chapters
        if status is ChapterStatus.DONE
    }

    server.kill()

    wait_for(
        lambda: not any(process_exists(pid) for pid in pool), 10, "the pool to end with its server"
    )
    server.start()
    found = wait_finished(sessions, job_id)
    book = httpx.get(f"{server.url}/api/v1/jobs/{job_id}/audio", headers=headers, timeout=30)
    server.stop()

    interrupted = {number for number, *_ in found.chapters if number not in done_before}
    _assert_finished_chapters_not_spoken_again(found, done_before, interrupted)
    assert book.status_code == 200
    assert len(book.content) > 10_000
    scratch = server.data_dir / "scratch"
    assert not scratch.exists() or list(scratch.iterdir()) == []
    assert list(server.data_dir.rglob("*.partial")) == []


def _assert_finished_chapters_not_spoken_again(
    found: Snapshot, done_before: set[int], unfinished: set[int]
) -> None:
    """Chapters done before the kill were claimed once; the others once if they had not
    started, twice if the kill cut them off."""
    attempts = {number: claimed for number, _, _, claimed, _ in found.chapters}
    assert all(attempts[number] == 1 for number in done_before), attempts
    assert all(attempts[number] in (1, 2) for number in unfinished), attempts
    assert_completed_once(found, interrupted={n for n in unfinished if attempts[n] == 2})
