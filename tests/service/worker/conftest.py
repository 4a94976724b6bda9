"""A job's stages run in this process against a real database and real file storage.

`InlineQueue` is the queue: stage functions send it messages and the test delivers them,
in order or in any order it chooses, so every interleaving is a plain function call. The
chunk cache is the session's `sample_chunk_cache`, which already holds every chunk of the
sample book at speed 1.0, so the stages here speak it without synthesising it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.jobs.lifecycle.repository import JobRepository
from pdf2audiobook.service.jobs.stages import (
    StageContext,
    TaskRun,
    run_assemble,
    run_extract,
    run_synthesise,
)
from pdf2audiobook.service.kit.db import create_engine_for, session_factory, session_scope
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.storage.factory import storage_from_settings
from pdf2audiobook.service.users.repository import UserRepository
from tests.conftest import SAMPLES
from tests.service.auth.token_factory import new_rsa_key
from tests.service.conftest import migrated_sqlite_url

SAMPLE_PDF = SAMPLES / "sample-book.pdf"
MAX_DELIVERIES = 50


@dataclass
class InlineQueue:
    """Records what stages send; `deliver` runs one message, `drain` runs them all."""

    messages: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)
    delivered: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)

    def extract(self, job_id: str, password: str | None) -> None:
        self.messages.append(("extract", (job_id, password)))

    def synthesise(self, job_id: str, number: int, characters: int) -> None:
        assert characters > 0
        self.messages.append(("synthesise", (job_id, number)))

    def assemble(self, job_id: str, page_count: int | None) -> None:
        del page_count  # a time limit; nothing runs here under one
        self.messages.append(("assemble", (job_id,)))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.messages]

    def deliver(self, context: StageContext, index: int = 0, task_id: str | None = None) -> None:
        kind, args = self.messages.pop(index)
        self.delivered.append((kind, args))
        run = TaskRun(task_id or uuid.uuid4().hex)
        if kind == "extract":
            job_id, password = args
            assert isinstance(job_id, str)
            assert password is None or isinstance(password, str)
            run_extract(context, job_id, password, run, self)
        elif kind == "synthesise":
            job_id, number = args
            assert isinstance(job_id, str)
            assert isinstance(number, int)
            run_synthesise(context, job_id, number, run, self)
        else:
            (job_id,) = args
            assert isinstance(job_id, str)
            run_assemble(context, job_id, run)

    def drain(self, context: StageContext) -> None:
        for _ in range(MAX_DELIVERIES):
            if not self.messages:
                return
            self.deliver(context)
        raise AssertionError(f"the queue did not drain: {self.kinds()}")


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    return new_rsa_key()


def stage_settings(data_dir: Path, database_url: str, cache: Path, **overrides: object) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "cache").symlink_to(cache, target_is_directory=True)
    values: dict[str, object] = {
        "environment": "test",
        "secret_key": "test-secret-not-for-production",
        "data_dir": data_dir,
        "database_url": database_url,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def context(
    tmp_path: Path, database_url: str, sessions: sessionmaker[Session], sample_chunk_cache: Path
) -> StageContext:
    settings = stage_settings(tmp_path / "data", database_url, sample_chunk_cache)
    return StageContext(settings, sessions, storage_from_settings(settings))


@pytest.fixture
def book_context(
    tmp_path: Path, sqlite_template: Path, sample_chunk_cache: Path
) -> Iterator[StageContext]:
    """SQLite only: these tests convert whole books, which the Celery fault tests already
    do on PostgreSQL; the stage queries run on both in test_stage_repository.py."""
    url = migrated_sqlite_url(sqlite_template, tmp_path / "books.db")
    engine = create_engine_for(url, pool_size=5, max_overflow=5)
    settings = stage_settings(tmp_path / "data", url, sample_chunk_cache)
    yield StageContext(settings, session_factory(engine), storage_from_settings(settings))
    engine.dispose()


def new_job(
    context: StageContext,
    pdf: Path = SAMPLE_PDF,
    *,
    pdf_password_sealed: str | None = None,
    **options: object,
) -> str:
    """A committed PENDING job for a new user, its PDF in storage."""
    key = f"uploads/{uuid.uuid4().hex}.pdf"
    context.storage.put_file(key, pdf, "application/pdf")
    with session_scope(context.sessions) as session:
        user = UserRepository(session).get_or_create_by_external_id(
            f"user_{uuid.uuid4().hex}", None
        )
        job = JobRepository(session, user.id).create(
            original_filename=pdf.name,
            pdf_key=key,
            options=dict(options),
            pdf_password_sealed=pdf_password_sealed,
        )
        return job.id
