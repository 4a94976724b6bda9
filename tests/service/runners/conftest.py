"""Jobs for the embedded runner's tests, spoken by the tone test voice, and what to read back.

The tone voice takes a fixed time per chunk, so a test can stop a process while a chapter
is half spoken; the queue is what these tests exercise, not the voice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.pipeline.voices.tone import ENABLE_ENV_VAR, SECONDS_PER_CHUNK_ENV_VAR
from pdf2audiobook.service.jobs.lifecycle.repository import JobRepository
from pdf2audiobook.service.jobs.stages.repository import StageRepository
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import ChapterStatus, Job, JobStage, JobStatus
from pdf2audiobook.service.storage.base import Storage
from pdf2audiobook.service.users.repository import UserRepository
from tests.conftest import SAMPLES
from tests.service.auth.token_factory import new_rsa_key
from tests.service.worker.processes import wait_for

SAMPLE_PDF = SAMPLES / "sample-book.pdf"
LEASE_SECONDS = 4
MAX_ATTEMPTS = 3
SECONDS_PER_CHUNK = 0.05
JOB_SECONDS = 120.0
FINISHED = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    return new_rsa_key()


@pytest.fixture
def tone_voice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test voice on, at a pace that leaves time to stop a chapter half way. Set in the
    environment, so pool processes spawned from here inherit it."""
    monkeypatch.setenv(ENABLE_ENV_VAR, "1")
    monkeypatch.setenv(SECONDS_PER_CHUNK_ENV_VAR, str(SECONDS_PER_CHUNK))


@dataclass
class Snapshot:
    status: JobStatus
    stage: JobStage | None
    error_code: str | None
    error_message: str | None
    lease_owner: str | None
    chapters: list[tuple[int, ChapterStatus, int, int, str | None]]
    """(number, status, progress, attempts, lease owner)"""


def new_job(sessions: sessionmaker[Session], storage: Storage, pdf: Path = SAMPLE_PDF) -> str:
    """A committed PENDING job read by the tone voice, its PDF in storage."""
    key = f"uploads/{uuid.uuid4().hex}.pdf"
    storage.put_file(key, pdf, "application/pdf")
    with session_scope(sessions) as session:
        user = UserRepository(session).get_or_create_by_external_id(
            f"user_{uuid.uuid4().hex}", None
        )
        job = JobRepository(session, user.id).create(
            original_filename=pdf.name, pdf_key=key, options={"provider": "tone"}
        )
        return job.id


def job_exists(sessions: sessionmaker[Session], job_id: str) -> bool:
    with session_scope(sessions) as session:
        return session.get(Job, job_id) is not None


def snapshot(sessions: sessionmaker[Session], job_id: str) -> Snapshot:
    with session_scope(sessions) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return Snapshot(
            job.status,
            job.stage,
            job.error_code,
            job.error_message,
            job.lease_owner,
            [
                (row.number, row.status, row.progress, row.attempts, row.lease_owner)
                for row in StageRepository(session).chapters(job_id)
            ],
        )


def wait_finished(sessions: sessionmaker[Session], job_id: str) -> Snapshot:
    wait_for(lambda: snapshot(sessions, job_id).status in FINISHED, JOB_SECONDS, "the job")
    return snapshot(sessions, job_id)


def wait_chapter_speaking(sessions: sessionmaker[Session], job_id: str) -> tuple[int, int]:
    """Wait until a chapter has made progress; returns its number and the pid speaking it."""
    found: list[tuple[int, int]] = []

    def speaking() -> bool:
        for number, status, progress, _, owner in snapshot(sessions, job_id).chapters:
            if status is ChapterStatus.SYNTHESISING and progress > 0 and owner:
                found.append((number, pid_of(owner)))
                return True
        return False

    wait_for(speaking, JOB_SECONDS, "a chapter to be part-spoken", poll=0.02)
    return found[0]


def pid_of(owner: str) -> int:
    return int(owner.split(":")[1])


def assert_completed_once(found: Snapshot, interrupted: set[int]) -> None:
    """Completed, and each chapter claimed once but those a fault interrupted (twice)."""
    assert found.status is JobStatus.COMPLETED, found
    assert (found.stage, found.lease_owner) == (None, None)
    assert found.chapters, "the book has no chapters"
    for number, status, progress, attempts, owner in found.chapters:
        assert (status, progress, owner) == (ChapterStatus.DONE, 100, None)
        expected = 2 if number in interrupted else 1
        assert attempts == expected, f"chapter {number} was claimed {attempts} times"


def process_exists(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for a reaper, but runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def children_of(pid: int) -> list[int]:
    """Every child of `pid`, whichever of its threads started it."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children.extend(int(child) for child in (task / "children").read_text().split())
        except FileNotFoundError:
            continue
    return children
