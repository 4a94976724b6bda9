"""Jobs on real Celery workers over a throwaway Redis, under the faults that lose jobs.

Each test starts its own redis-server on a free loopback port and its own `pdf2audiobook
worker`/`beat` processes, on a PostgreSQL database, and ends them by their process ids.
Leases are short (4 s) and beat reconciles every second, so recovery takes seconds.
Every chapter records how many times it was claimed: a finished book whose chapters were
each claimed once was synthesised once, apart from the chapter a fault interrupted.

The jobs speak with the `tone` test voice, which loads at once and, in the workers of tests
that interrupt or watch a chapter, takes a fixed time per chunk so that a chapter lasts long
enough for that; these tests are about the queue, and the real voice is tested end to end
through the API and the pipeline.
"""

from __future__ import annotations

import io
import os
import signal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.pipeline.voices import tone
from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.jobs.lifecycle.repository import JobRepository
from pdf2audiobook.service.jobs.stages.repository import StageRepository
from pdf2audiobook.service.kit.db import (
    create_engine_for,
    migrate,
    session_factory,
    session_scope,
)
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.models import ChapterStatus, Job, JobStage, JobStatus
from pdf2audiobook.service.storage.factory import storage_from_settings
from pdf2audiobook.service.users.repository import UserRepository
from pdf2audiobook.service.worker.app import create_celery
from pdf2audiobook.service.worker.config import QUEUE_CHAPTERS
from pdf2audiobook.service.worker.enqueue import CeleryEnqueuer
from tests.conftest import corpus_file
from tests.service.api.conftest import api_settings
from tests.service.auth.token_factory import rs256_token
from tests.service.conftest import throwaway_postgres_database

from .conftest import SAMPLE_PDF
from .processes import CeleryProcess, RedisServer, wait_for

LEASE_SECONDS = 4
MAX_ATTEMPTS = 3
JOB_SECONDS = 240.0
"""Bound on one test's book: the sample takes about 10 s with the tone voice on one core."""
VOICE = "tone"
INTERRUPTED_CHUNK_SECONDS = 0.1
"""For workers whose chapter a test interrupts: about 25 chunks a chapter, so a chapter takes
some 2.5 s, time to see it part-spoken and act before it is done. Other workers speak each
chunk at once (a chapter then takes about half a second)."""
WATCHED_CHUNK_SECONDS = 0.04
"""For a worker whose book a test watches chapter by chapter: a chapter takes about 1.5 s."""

pytestmark = pytest.mark.timeout(600)


@dataclass
class Snapshot:
    status: JobStatus
    stage: JobStage | None
    attempts: int
    error_code: str | None
    error_message: str | None
    lease_owner: str | None
    chapters: list[tuple[int, ChapterStatus, int, int, str | None]] = field(default_factory=list)
    """(number, status, progress, attempts, lease owner)"""

    def chapter_attempts(self) -> list[int]:
        return [attempts for _, _, _, attempts, _ in self.chapters]


@dataclass
class Cluster:
    folder: Path
    redis: RedisServer
    settings: Settings
    environment: dict[str, str]
    sessions: sessionmaker[Session]
    processes: list[CeleryProcess] = field(default_factory=list)

    def worker(
        self, name: str, concurrency: int = 1, *, chunk_seconds: float = 0.0
    ) -> CeleryProcess:
        """A worker whose tone voice takes `chunk_seconds` per chunk."""
        process = CeleryProcess(
            ["worker", f"--concurrency={concurrency}", f"--hostname={name}@%h"],
            {**self.environment, tone.SECONDS_PER_CHUNK_ENV_VAR: str(chunk_seconds)},
            self.folder / f"{name}.log",
        )
        process.start()
        self.processes.append(process)
        return process

    def beat(self) -> CeleryProcess:
        process = CeleryProcess(
            ["beat", "--loglevel=warning"], self.environment, self.folder / "beat.log"
        )
        process.start()
        self.processes.append(process)
        return process

    def submit(self, pdf: Path = SAMPLE_PDF, *, speed: float, copies: int = 1) -> str:
        """Create a job as the API does, then send its first message `copies` times."""
        key = f"uploads/{uuid.uuid4().hex}.pdf"
        storage_from_settings(self.settings).put_file(key, pdf, "application/pdf")
        with session_scope(self.sessions) as session:
            user = UserRepository(session).get_or_create_by_external_id(
                f"user_{uuid.uuid4().hex}", None
            )
            job_id = (
                JobRepository(session, user.id)
                .create(
                    original_filename=pdf.name,
                    pdf_key=key,
                    options={"provider": VOICE, "reading_speed": speed},
                )
                .id
            )
        app = create_celery(self.settings)
        try:
            enqueue = CeleryEnqueuer(app, self.settings)
            for _ in range(copies):
                enqueue.extract(job_id, None)
        finally:
            app.close()
        return job_id

    def snapshot(self, job_id: str) -> Snapshot:
        with session_scope(self.sessions) as session:
            job = session.get(Job, job_id)
            assert job is not None
            return Snapshot(
                job.status,
                job.stage,
                job.attempts,
                job.error_code,
                job.error_message,
                job.lease_owner,
                [
                    (row.number, row.status, row.progress, row.attempts, row.lease_owner)
                    for row in StageRepository(session).chapters(job_id)
                ],
            )

    def wait_finished(self, job_id: str) -> Snapshot:
        wait_for(
            lambda: (
                self.snapshot(job_id).status
                in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)
            ),
            JOB_SECONDS,
            f"job {job_id} to finish (logs in {self.folder})",
        )
        return self.snapshot(job_id)

    def wait_chapter_speaking(self, job_id: str) -> tuple[int, int]:
        """Wait until a chapter has made progress; returns its number and worker pid."""
        found: list[tuple[int, int]] = []

        def speaking() -> bool:
            for number, status, progress, _, owner in self.snapshot(job_id).chapters:
                if status is ChapterStatus.SYNTHESISING and progress > 0 and owner:
                    found.append((number, _pid_of(owner)))
                    return True
            return False

        wait_for(speaking, JOB_SECONDS, "a chapter to be part-spoken")
        return found[0]

    def stop_all(self) -> None:
        for process in self.processes:
            process.kill()


def _pid_of(owner: str) -> int:
    return int(owner.split(":")[1])


@pytest.fixture(scope="module")
def cluster_database_url() -> Iterator[str]:
    """A database of these tests' own: beat's reconciler takes every waiting job it finds,
    and other tests leave jobs waiting on purpose."""
    with throwaway_postgres_database() as url:
        migrate(url)
        yield url


@pytest.fixture
def cluster(
    tmp_path: Path, cluster_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cluster]:
    postgres_database_url = cluster_database_url
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # The test voice, for the API in this process and for the workers, which inherit it.
    monkeypatch.setenv(tone.ENABLE_ENV_VAR, "1")
    redis_server = RedisServer(tmp_path / "redis")
    redis_server.start()
    environment = {
        "ENVIRONMENT": "test",
        "SECRET_KEY": "test-secret-not-for-production",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": postgres_database_url,
        "REDIS_URL": redis_server.url,
        "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "JOB_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "RECONCILE_SECONDS": "1",
        "REQUEUE_AFTER_SECONDS": "3",
    }
    settings = Settings(
        _env_file=None,
        environment="test",
        secret_key="test-secret-not-for-production",
        data_dir=data_dir,
        database_url=postgres_database_url,
        redis_url=redis_server.url,
        job_lease_seconds=LEASE_SECONDS,
        job_max_attempts=MAX_ATTEMPTS,
    )
    engine = create_engine_for(postgres_database_url, pool_size=2, max_overflow=2)
    cluster = Cluster(tmp_path, redis_server, settings, environment, session_factory(engine))
    try:
        yield cluster
    finally:
        cluster.stop_all()
        redis_server.kill()
        engine.dispose()


def _assert_completed_once(snapshot: Snapshot, interrupted: set[int]) -> None:
    assert snapshot.status is JobStatus.COMPLETED, snapshot
    assert snapshot.stage is None
    assert snapshot.lease_owner is None
    for number, status, progress, attempts, owner in snapshot.chapters:
        assert status is ChapterStatus.DONE
        assert progress == 100
        assert owner is None
        expected = 2 if number in interrupted else 1
        assert attempts == expected, f"chapter {number} was claimed {attempts} times"


def test_a_worker_process_killed_mid_chapter_is_replaced_and_the_book_completes(
    cluster: Cluster,
) -> None:
    worker = cluster.worker("one", chunk_seconds=INTERRUPTED_CHUNK_SECONDS)
    cluster.beat()
    job_id = cluster.submit(speed=1.05)
    number, pid = cluster.wait_chapter_speaking(job_id)
    assert pid in worker.children(), "the chapter is not running in our worker's pool"
    os.kill(pid, signal.SIGKILL)

    snapshot = cluster.wait_finished(job_id)
    _assert_completed_once(snapshot, interrupted={number})


def test_a_whole_worker_killed_mid_chapter_hands_the_book_to_a_new_worker(
    cluster: Cluster,
) -> None:
    first = cluster.worker("first", chunk_seconds=INTERRUPTED_CHUNK_SECONDS)
    cluster.beat()
    job_id = cluster.submit(speed=1.1)
    number, _ = cluster.wait_chapter_speaking(job_id)
    first.kill()  # main process and pool together: its messages stay unacknowledged
    cluster.worker("second")

    snapshot = cluster.wait_finished(job_id)
    _assert_completed_once(snapshot, interrupted={number})


def test_a_redis_restart_without_persistence_loses_queued_chapters_but_not_the_book(
    cluster: Cluster,
) -> None:
    cluster.worker("one", chunk_seconds=INTERRUPTED_CHUNK_SECONDS)
    cluster.beat()
    job_id = cluster.submit(speed=1.15)
    number, _ = cluster.wait_chapter_speaking(job_id)
    assert cluster.redis.queued(QUEUE_CHAPTERS) >= 1, "no chapter was waiting in the queue"
    cluster.redis.kill()
    cluster.redis.start()  # same port, empty: the waiting chapter messages are gone
    assert cluster.redis.queued(QUEUE_CHAPTERS) == 0

    snapshot = cluster.wait_finished(job_id)
    assert snapshot.status is JobStatus.COMPLETED, snapshot
    # The chapter being spoken may have been cut off with the connection; no other
    # chapter was spoken twice.
    others = [a for n, _, _, a, _ in snapshot.chapters if n != number]
    assert others == [1] * len(others)
    assert snapshot.chapters[number - 1][3] in (1, 2)


def test_the_same_job_sent_to_two_workers_is_spoken_once(cluster: Cluster) -> None:
    cluster.worker("one")
    cluster.worker("two")
    job_id = cluster.submit(speed=1.0, copies=2)

    snapshot = cluster.wait_finished(job_id)
    _assert_completed_once(snapshot, interrupted=set())


def test_a_poison_job_that_kills_its_worker_every_time_fails_after_the_attempt_cap(
    cluster: Cluster,
) -> None:
    worker = cluster.worker("one")
    job_id = cluster.submit(speed=1.25)
    killed: set[int] = set()

    def kill_whoever_holds_it() -> bool:
        snapshot = cluster.snapshot(job_id)
        if snapshot.status is JobStatus.FAILED:
            return True
        owner = snapshot.lease_owner
        if snapshot.stage is JobStage.EXTRACTING and owner and _pid_of(owner) not in killed:
            pid = _pid_of(owner)
            if pid in worker.children():
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
        return False

    wait_for(kill_whoever_holds_it, JOB_SECONDS, "the poison job to be given up", poll=0.02)
    snapshot = cluster.snapshot(job_id)
    assert snapshot.error_code == "too_many_attempts"
    assert snapshot.error_message is not None
    assert f"{MAX_ATTEMPTS} times" in snapshot.error_message
    assert len(killed) == MAX_ATTEMPTS
    assert snapshot.chapters == []


def test_a_hostile_pdf_fails_its_job_once_with_the_readers_message(cluster: Cluster) -> None:
    cluster.worker("one")
    job_id = cluster.submit(corpus_file(23), speed=1.0)

    snapshot = cluster.wait_finished(job_id)
    assert snapshot.status is JobStatus.FAILED
    assert snapshot.error_code == "resource_limit"
    assert snapshot.attempts == 1


def _api_settings(cluster: Cluster, key: rsa.RSAPrivateKey) -> tuple[Settings, dict[str, str]]:
    """The API's settings on the cluster's database, storage and Redis, and a user's token."""
    settings = api_settings(
        cluster.settings.data_dir,
        key,
        database_url=cluster.settings.database_url,
        redis_url=cluster.redis.url,
        # Every call checks again: these tests watch the queue come and go.
        health_cache_seconds=0,
    )
    token = rs256_token(key, kid=None, sub="api-user")
    return settings, {"Authorization": f"Bearer {token}"}


def _upload(client: TestClient, headers: dict[str, str], *, speed: str) -> str:
    with SAMPLE_PDF.open("rb") as handle:
        response = client.post(
            "/api/v1/jobs",
            files={"file": (SAMPLE_PDF.name, handle)},
            data={"provider": VOICE, "reading_speed": speed},
            headers=headers,
        )
    assert response.status_code == 201, response.text
    job_id: str = response.json()["id"]
    return job_id


def test_the_api_sends_jobs_to_workers_and_serves_each_chapter_before_the_book(
    cluster: Cluster, signing_key: rsa.RSAPrivateKey
) -> None:
    cluster.worker("one", chunk_seconds=WATCHED_CHUNK_SECONDS)
    cluster.beat()
    settings, headers = _api_settings(cluster, signing_key)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").status_code == 200
        job_id = _upload(client, headers, speed="1.3")

        seen_early: list[bool] = []

        def a_chapter_is_done() -> bool:
            snapshot = cluster.snapshot(job_id)
            if any(status is ChapterStatus.DONE for _, status, _, _, _ in snapshot.chapters):
                seen_early.append(snapshot.status is JobStatus.PROCESSING)
                return True
            return False

        wait_for(a_chapter_is_done, JOB_SECONDS, "the first chapter")
        first = next(n for n, s, _, _, _ in cluster.snapshot(job_id).chapters if s.value == "done")
        chapter = client.get(f"/api/v1/jobs/{job_id}/chapters/{first}/audio", headers=headers)
        assert chapter.status_code == 200
        assert len(chapter.content) > 10_000
        assert seen_early == [True], "the book was done before any chapter could be fetched"

        assert cluster.wait_finished(job_id).status is JobStatus.COMPLETED
        book = client.get(f"/api/v1/jobs/{job_id}/audio", headers=headers)
        assert book.status_code == 200
        with av.open(io.BytesIO(book.content)) as container:
            assert len(container.chapters()) == 3


def test_a_job_submitted_while_redis_is_down_waits_and_then_runs(
    cluster: Cluster, signing_key: rsa.RSAPrivateKey
) -> None:
    settings, headers = _api_settings(cluster, signing_key)
    with TestClient(create_app(settings)) as client:
        cluster.redis.kill()
        health = client.get("/health")
        assert health.status_code == 503
        assert health.json()["checks"]["queue"] == "unavailable"
        # The job is safe in the database; only its message could not be sent.
        job_id = _upload(client, headers, speed="1.0")
        assert cluster.snapshot(job_id).status is JobStatus.PENDING

        cluster.redis.start()
        cluster.worker("one")
        cluster.beat()
        assert cluster.wait_finished(job_id).status is JobStatus.COMPLETED
        assert client.get("/health").status_code == 200
