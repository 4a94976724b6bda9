"""The embedded runner under the faults that lose jobs: a pool process killed mid-chapter,
a job that kills its process every time, and a runner that can no longer run work.

The runner runs here, with its pool of real processes, on SQLite (the embedded default);
leases are short and the reconciler runs every second, so recovery takes seconds.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.jobs.runners.embedded import EmbeddedRunner
from pdf2audiobook.service.kit.db import create_engine_from_settings, migrate, session_factory
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.models import JobStage, JobStatus
from pdf2audiobook.service.storage.base import Storage
from pdf2audiobook.service.storage.factory import storage_from_settings
from tests.service.api.conftest import ALICE, api_settings
from tests.service.auth.token_factory import rs256_token
from tests.service.worker.processes import wait_for

from .conftest import (
    JOB_SECONDS,
    LEASE_SECONDS,
    MAX_ATTEMPTS,
    SAMPLE_PDF,
    assert_completed_once,
    new_job,
    pid_of,
    process_exists,
    snapshot,
    wait_chapter_speaking,
    wait_finished,
)

pytestmark = pytest.mark.usefixtures("tone_voice")


@dataclass
class Embedded:
    settings: Settings
    sessions: sessionmaker[Session]
    storage: Storage
    runner: EmbeddedRunner

    def submit(self) -> str:
        job_id = new_job(self.sessions, self.storage)
        self.runner.submit(job_id, None)
        return job_id


def _settings(data_dir: Path, key: rsa.RSAPrivateKey, **overrides: object) -> Settings:
    return api_settings(
        data_dir,
        key,
        job_workers=2,
        job_lease_seconds=LEASE_SECONDS,
        job_max_attempts=MAX_ATTEMPTS,
        reconcile_seconds=1,
        requeue_after_seconds=3,
        **overrides,
    )


@pytest.fixture
def embedded(tmp_path: Path, signing_key: rsa.RSAPrivateKey) -> Iterator[Embedded]:
    settings = _settings(tmp_path / "data", signing_key)
    migrate(settings.resolved_database_url)
    engine = create_engine_from_settings(settings)
    sessions = session_factory(engine)
    runner = EmbeddedRunner(settings, sessions)
    runner.start()
    try:
        yield Embedded(settings, sessions, storage_from_settings(settings), runner)
    finally:
        runner.shutdown()
        engine.dispose()


def test_a_pool_process_killed_mid_chapter_is_replaced_and_the_next_job_runs(
    embedded: Embedded,
) -> None:
    job_id = embedded.submit()
    number, pid = wait_chapter_speaking(embedded.sessions, job_id)
    assert pid in embedded.runner.pids(), "the chapter is not running in the runner's pool"

    os.kill(pid, signal.SIGKILL)

    assert_completed_once(wait_finished(embedded.sessions, job_id), interrupted={number})
    assert pid not in embedded.runner.pids()
    embedded.runner.check()
    next_job = embedded.submit()
    assert_completed_once(wait_finished(embedded.sessions, next_job), interrupted=set())


def test_a_job_that_kills_its_process_every_time_fails_after_the_attempt_cap(
    embedded: Embedded,
) -> None:
    job_id = embedded.submit()
    killed: set[int] = set()

    def kill_whoever_reads_it() -> bool:
        found = snapshot(embedded.sessions, job_id)
        if found.status is JobStatus.FAILED:
            return True
        owner = found.lease_owner
        if found.stage is JobStage.EXTRACTING and owner and pid_of(owner) not in killed:
            pid = pid_of(owner)
            if pid in embedded.runner.pids():
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
        return False

    wait_for(kill_whoever_reads_it, JOB_SECONDS, "the job to be given up", poll=0.02)

    found = snapshot(embedded.sessions, job_id)
    assert found.error_code == "too_many_attempts"
    assert found.error_message is not None
    assert f"{MAX_ATTEMPTS} times" in found.error_message
    assert len(killed) == MAX_ATTEMPTS
    assert found.chapters == []
    # The pool carries on with fresh processes.
    assert all(process_exists(pid) for pid in embedded.runner.pids())
    embedded.runner.check()


def test_the_health_check_reports_a_runner_that_cannot_run_work(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey
) -> None:
    # Every call checks again: what is tested is the runner's check, not the health cache.
    settings = _settings(tmp_path / "data", signing_key, health_cache_seconds=0)
    runner = EmbeddedRunner(settings, session_factory(create_engine_from_settings(settings)))
    headers = {"Authorization": f"Bearer {rs256_token(signing_key, kid=None, sub=ALICE)}"}
    with TestClient(create_app(settings, runner=runner)) as client:
        healthy = client.get("/health")
        with SAMPLE_PDF.open("rb") as handle:
            accepted = client.post(
                "/api/v1/jobs",
                files={"file": (SAMPLE_PDF.name, handle)},
                data={"provider": "tone"},
                headers=headers,
            )
        assert accepted.status_code == 201, accepted.text
        pool = runner.pids()
        runner.shutdown()

        unhealthy = client.get("/health")

    assert healthy.status_code == 200
    assert healthy.json()["checks"]["queue"] == "ok"
    assert unhealthy.status_code == 503
    assert unhealthy.json()["checks"]["queue"] == "unavailable"
    assert not any(process_exists(pid) for pid in pool)


def test_work_stopped_by_a_shutdown_resumes_at_the_next_start_without_waiting_for_its_lease(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey
) -> None:
    # A lease far longer than the test: only the leases given back at shutdown let the
    # next start take the book over at once.
    settings = _settings(tmp_path / "data", signing_key).model_copy(
        update={"job_lease_seconds": 3600.0}
    )
    migrate(settings.resolved_database_url)
    engine = create_engine_from_settings(settings)
    sessions = session_factory(engine)
    storage = storage_from_settings(settings)
    first = EmbeddedRunner(settings, sessions)
    first.start()
    job_id = new_job(sessions, storage)
    first.submit(job_id, None)
    number, _ = wait_chapter_speaking(sessions, job_id)
    first.shutdown()

    second = EmbeddedRunner(settings, sessions)
    second.start()
    try:
        found = wait_finished(sessions, job_id)
    finally:
        second.shutdown()
        engine.dispose()
    # The stopped run was given back, not counted: every chapter claimed once in the end.
    assert_completed_once(found, interrupted=set())
    assert number in {chapter for chapter, *_ in found.chapters}
