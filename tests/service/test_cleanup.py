"""The daily clean-up: expired jobs go with all their files, active and young ones stay, and the
sweep removes only what provably has no owner.

Every call passes `now`, so nothing depends on the wall clock. Jobs are dated around 2001,
before anything other tests create in the shared PostgreSQL database, so the clean-up never
counts their rows; files written now are "young" at PAST and "old" at FUTURE.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.jobs.lifecycle.cleanup import delete_expired_jobs, sweep_orphaned_files
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import Job, JobStatus
from pdf2audiobook.service.storage import LocalStorage, Storage, StorageError
from pdf2audiobook.service.users.repository import UserRepository
from tests.service.storage.conftest import (
    local_storage,
    moto_endpoint,
    s3_bucket,
    s3_client,
    s3_storage,
    storage,
)

__all__ = [  # fixtures used below
    "local_storage",
    "moto_endpoint",
    "s3_bucket",
    "s3_client",
    "s3_storage",
    "storage",
]

NOW = datetime(2001, 6, 1, 12, 0, tzinfo=UTC)
RETENTION = timedelta(days=30)
OLD = NOW - RETENTION - timedelta(days=1)
YOUNG = NOW - timedelta(days=1)
PAST = datetime(2001, 1, 1, tzinfo=UTC)
FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
FINISHED = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True)
class SeededJob:
    id: str
    keys: tuple[str, ...]


@pytest.fixture
def user_id(sessions: sessionmaker[Session]) -> str:
    with session_scope(sessions) as session:
        external_id = f"user_cleanup_{uuid.uuid4().hex}"
        return UserRepository(session).get_or_create_by_external_id(external_id, None).id


def _seed_job(
    sessions: sessionmaker[Session],
    storage: Storage,
    user_id: str,
    status: JobStatus,
    *,
    created_at: datetime,
    finished_at: datetime | None,
) -> SeededJob:
    """A job row and every kind of file a job stores: PDF, book, chapter audio, scratch."""
    job_id = str(uuid.uuid4())
    pdf_key = f"uploads/{uuid.uuid4().hex}.pdf"
    audio_key = f"audio/{job_id}.m4b"
    keys = (pdf_key, audio_key, f"chapters/{job_id}/001.m4b", f"work/{job_id}/part-1.wav")
    for key in keys:
        storage.put_stream(key, [key.encode()], "application/octet-stream")
    with session_scope(sessions) as session:
        session.add(
            Job(
                id=job_id,
                user_id=user_id,
                status=status,
                original_filename="book.pdf",
                pdf_key=pdf_key,
                audio_key=audio_key,
                options={},
                created_at=created_at,
                finished_at=finished_at,
            )
        )
    return SeededJob(job_id, keys)


def _job_exists(sessions: sessionmaker[Session], job_id: str) -> bool:
    with sessions() as session:
        return session.get(Job, job_id) is not None


def _files_left(storage: Storage, job: SeededJob) -> list[str]:
    return [key for key in job.keys if storage.exists(key)]


def test_jobs_finished_before_the_retention_go_with_all_their_files(
    sessions: sessionmaker[Session], storage: Storage, user_id: str
) -> None:
    expired = [
        _seed_job(sessions, storage, user_id, status, created_at=OLD, finished_at=OLD)
        for status in FINISHED
    ]
    never_finished = _seed_job(
        sessions, storage, user_id, JobStatus.FAILED, created_at=OLD, finished_at=None
    )

    deleted = delete_expired_jobs(sessions, storage, RETENTION, now=NOW)

    assert deleted == 4
    for job in [*expired, never_finished]:
        assert not _job_exists(sessions, job.id)
        assert _files_left(storage, job) == []


def test_young_and_active_jobs_stay_with_their_files(
    sessions: sessionmaker[Session], storage: Storage, user_id: str
) -> None:
    staying = [
        *(
            _seed_job(sessions, storage, user_id, status, created_at=OLD, finished_at=YOUNG)
            for status in FINISHED
        ),
        _seed_job(sessions, storage, user_id, JobStatus.PENDING, created_at=OLD, finished_at=None),
        _seed_job(
            sessions, storage, user_id, JobStatus.PROCESSING, created_at=OLD, finished_at=None
        ),
    ]

    deleted = delete_expired_jobs(sessions, storage, RETENTION, now=NOW)

    assert deleted == 0
    for job in staying:
        assert _job_exists(sessions, job.id)
        assert _files_left(storage, job) == list(job.keys)


def test_a_backlog_larger_than_a_batch_is_deleted_one_transaction_per_batch(
    sessions: sessionmaker[Session], local_storage: LocalStorage, user_id: str
) -> None:
    jobs = [
        _seed_job(
            sessions, local_storage, user_id, JobStatus.COMPLETED, created_at=OLD, finished_at=OLD
        )
        for _ in range(7)
    ]
    commits: list[Session] = []
    event.listen(sessions, "after_commit", commits.append)

    deleted = delete_expired_jobs(sessions, local_storage, RETENTION, now=NOW, batch_size=3)

    assert deleted == 7
    assert len(commits) == 3  # 3 + 3 + 1
    assert not any(_job_exists(sessions, job.id) for job in jobs)
    assert not any(_files_left(local_storage, job) for job in jobs)


class UndeletableStorage(LocalStorage):
    """Local storage whose deletes fail, as an unreachable bucket's would."""

    def _delete(self, key: str) -> None:
        raise StorageError(f"could not delete {key}")

    def _delete_prefix(self, prefix: str) -> int:
        raise StorageError(f"could not delete {prefix}")


def test_a_storage_failure_leaves_the_rows_deleted_and_the_orphans_for_the_sweep(
    sessions: sessionmaker[Session], tmp_path: Path, user_id: str
) -> None:
    failing = UndeletableStorage(tmp_path / "files")
    jobs = [
        _seed_job(sessions, failing, user_id, status, created_at=OLD, finished_at=OLD)
        for status in FINISHED
    ]

    deleted = delete_expired_jobs(sessions, failing, RETENTION, now=NOW, batch_size=2)

    assert deleted == 3
    assert not any(_job_exists(sessions, job.id) for job in jobs)
    assert all(_files_left(failing, job) == list(job.keys) for job in jobs)
    working = LocalStorage(tmp_path / "files")
    assert sweep_orphaned_files(sessions, working, now=FUTURE) == 12
    assert not any(_files_left(working, job) for job in jobs)


def test_sweep_removes_old_files_of_deleted_jobs_and_unreferenced_uploads(
    sessions: sessionmaker[Session], storage: Storage, user_id: str
) -> None:
    owned = _seed_job(
        sessions, storage, user_id, JobStatus.COMPLETED, created_at=YOUNG, finished_at=YOUNG
    )
    gone_id = str(uuid.uuid4())
    orphans = [
        f"chapters/{gone_id}/001.m4b",
        f"chapters/{gone_id}/002.m4b",
        f"work/{gone_id}/chunks/0001.wav",
        f"audio/{gone_id}.mp3",
        f"uploads/{uuid.uuid4().hex}.pdf",
    ]
    not_ours_to_judge = ["voices/en/model.onnx", "chapters/not-a-job/001.m4b", "uploads/notes.txt"]
    for key in [*orphans, *not_ours_to_judge]:
        storage.put_stream(key, [b"x"], "application/octet-stream")

    assert sweep_orphaned_files(sessions, storage, now=PAST) == 0  # all of it is young yet
    removed = sweep_orphaned_files(sessions, storage, now=FUTURE)

    assert removed == len(orphans)
    assert [key for key in orphans if storage.exists(key)] == []
    assert all(storage.exists(key) for key in not_ours_to_judge)
    assert _files_left(storage, owned) == list(owned.keys)


def _write_temporary(path: Path, modified_at: datetime) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a file")
    os.utime(path, (modified_at.timestamp(), modified_at.timestamp()))
    return path


def test_sweep_removes_old_temporary_files_and_keeps_fresh_ones_and_objects(
    sessions: sessionmaker[Session], local_storage: LocalStorage
) -> None:
    local_storage.put_stream("chapters/kept.m4b", [b"audio"], "audio/mp4")
    root = local_storage.root
    crashed = [
        _write_temporary(root / "chapters" / ".001.m4b.k2j4h5ab.part", NOW - timedelta(days=2)),
        _write_temporary(root / "uploads" / ".x.pdf.abcdefgh.part", NOW - timedelta(days=3)),
        _write_temporary(root / ".check-q1w2e3r4", NOW - timedelta(days=2)),
    ]
    writing = _write_temporary(root / "audio" / ".book.m4b.zxcvbnm1.part", NOW - timedelta(hours=1))
    other_dot_file = _write_temporary(root / "chapters" / ".keep", NOW - timedelta(days=9))

    removed = sweep_orphaned_files(sessions, local_storage, now=NOW)

    assert removed == len(crashed)
    assert not any(path.exists() for path in crashed)
    assert writing.exists()
    assert other_dot_file.exists()
    assert local_storage.open_read("chapters/kept.m4b").read() == b"audio"


def test_s3_has_no_temporary_files_to_sweep(s3_storage: Storage) -> None:
    s3_storage.put_stream("chapters/kept.m4b", [b"audio"], "audio/mp4")

    assert s3_storage.sweep_temporary(FUTURE) == 0
    assert s3_storage.exists("chapters/kept.m4b")


def test_clean_up_refuses_a_naive_now(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    naive = datetime(2001, 6, 1, 12, 0)

    with pytest.raises(ValueError, match="naive"):
        delete_expired_jobs(sessions, storage, RETENTION, now=naive)
    with pytest.raises(ValueError, match="naive"):
        sweep_orphaned_files(sessions, storage, now=naive)


def test_listing_matches_prefixes_as_strings_and_never_shows_temporary_files(
    storage: Storage,
) -> None:
    for key in ("jobs/one/a.m4b", "jobs/one/deep/b.m4b", "jobs/onex.m4b", "jobs/two/a.m4b"):
        storage.put_stream(key, [b"x"], "audio/mp4")
    if isinstance(storage, LocalStorage):
        _write_temporary(storage.root / "jobs" / "one" / ".a.m4b.abcdefgh.part", NOW)

    def listed(prefix: str) -> list[str]:
        return sorted(stored.key for stored in storage.list_objects(prefix))

    assert listed("jobs/one") == ["jobs/one/a.m4b", "jobs/one/deep/b.m4b", "jobs/onex.m4b"]
    assert listed("jobs/one/") == ["jobs/one/a.m4b", "jobs/one/deep/b.m4b"]
    assert listed("nothing/") == []
    assert all(stored.modified_at.tzinfo is not None for stored in storage.list_objects("jobs/"))
