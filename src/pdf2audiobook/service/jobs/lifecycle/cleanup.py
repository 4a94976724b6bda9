"""The daily clean-up: expired jobs with their files, and files nothing owns any more.

Plain functions over a session factory and a storage backend, for a scheduled task to call.
Rows go first and are committed, files after: a file that cannot be deleted is logged and
left as an orphan for `sweep_orphaned_files`, and a storage failure never brings a deleted
job back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.pipeline.voices import ChunkCache
from pdf2audiobook.service.jobs.lifecycle.cleanup_repository import CleanupRepository
from pdf2audiobook.service.jobs.lifecycle.files import JobFiles
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import utc_now
from pdf2audiobook.service.storage.base import Storage

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 100
SWEEP_CHUNK_SIZE = 500
"""How many listed files the sweep checks against the database in one query."""

_JOB_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Keys that name their job. Anything else in the bucket is not the sweep's to judge.
_JOB_FOLDER_KEY = re.compile(rf"(?P<folder>(?:chapters|work)/(?P<job_id>{_JOB_ID})/).+")
_JOB_AUDIO_KEY = re.compile(rf"audio/(?P<job_id>{_JOB_ID})\.[a-z0-9]{{1,10}}")
_UPLOAD_KEY = re.compile(r"uploads/[0-9a-f]{32}\.pdf")

StillOwned = Callable[[CleanupRepository, list[str]], set[str]]


def delete_expired_jobs(
    sessions: sessionmaker[Session],
    storage: Storage,
    older_than: timedelta,
    *,
    cache: ChunkCache | None = None,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    """Delete jobs that finished (completed, failed or cancelled) more than `older_than`
    before `now`, with their chapters and files; return how many jobs were deleted.

    A job with no finish time counts from its creation. Pending and processing jobs are never
    touched, however old. Works in batches of `batch_size` jobs, each its own transaction, so
    a backlog never holds one long transaction; each batch's files are deleted after its
    commit. Idempotent, and safe while the service runs. Raises ValueError for a naive `now`
    or a `batch_size` below 1, and database errors (batches done so far stay done).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    cutoff = _aware(now) - older_than
    deleted = 0
    while True:
        with session_scope(sessions) as session:
            records = CleanupRepository(session)
            found = records.expired_job_ids(cutoff, batch_size)
            batch = [JobFiles.of(job) for job in records.delete_expired(found, cutoff)]
        for files in batch:
            files.delete(storage, cache)
        deleted += len(batch)
        # A short page is the last; an empty batch means every job found was retried meanwhile.
        if len(found) < batch_size or not batch:
            break
    logger.info("deleted %d jobs finished before %s", deleted, cutoff.isoformat())
    return deleted


def sweep_orphaned_files(
    sessions: sessionmaker[Session],
    storage: Storage,
    *,
    now: datetime | None = None,
    min_age: timedelta = timedelta(days=1),
) -> int:
    """Remove stored files nothing owns, last written more than `min_age` before `now`;
    return how many were removed. Only what can be checked safely:

    - temporary files an interrupted write left behind (`Storage.sweep_temporary`; only local
      disk has them, as S3 makes an object visible only once it is complete);
    - files of deleted jobs: `chapters/<job id>/`, `work/<job id>/` and `audio/<job id>.<ext>`
      whose job has no row. A job's row exists before any of its files is written and ids
      are never reused, so once the row is gone nothing can own them again (a runner that
      was still writing when its job was deleted leaves such files);
    - uploads (`uploads/<hex>.pdf`) no job refers to, left by a request whose transaction
      failed after storing the PDF, or by a failed delete. Requests last far less than
      `min_age`, so the upload of a job about to be created is never taken.

    Keys of any other shape are left alone. A file that cannot be removed is logged and tried
    again on the next run. Raises ValueError for a naive `now`, StorageError if the storage
    cannot be listed, and database errors.
    """
    cutoff = _aware(now) - min_age
    removed = storage.sweep_temporary(cutoff)
    removed += _remove_unowned(
        sessions, storage, _job_files_by_owner(storage, cutoff), _existing_job_ids
    )
    removed += _remove_unowned(sessions, storage, _uploads(storage, cutoff), _referenced_uploads)
    logger.info("swept %d orphaned files older than %s", removed, cutoff.isoformat())
    return removed


def _job_files_by_owner(storage: Storage, cutoff: datetime) -> Iterator[tuple[str, str]]:
    """(target, job id) for old files that name their job; a target ending in `/` is a whole
    folder, named once per run of its files (listings keep a folder's files together)."""
    previous_folder = None
    for prefix in ("chapters/", "work/", "audio/"):
        for stored in storage.list_objects(prefix):
            if stored.modified_at >= cutoff:
                continue
            if folder := _JOB_FOLDER_KEY.fullmatch(stored.key):
                if folder["folder"] != previous_folder:
                    previous_folder = folder["folder"]
                    yield folder["folder"], folder["job_id"]
            elif audio := _JOB_AUDIO_KEY.fullmatch(stored.key):
                yield stored.key, audio["job_id"]


def _uploads(storage: Storage, cutoff: datetime) -> Iterator[tuple[str, str]]:
    for stored in storage.list_objects("uploads/"):
        if stored.modified_at < cutoff and _UPLOAD_KEY.fullmatch(stored.key):
            yield stored.key, stored.key


def _existing_job_ids(records: CleanupRepository, job_ids: list[str]) -> set[str]:
    return records.existing_job_ids(job_ids)


def _referenced_uploads(records: CleanupRepository, keys: list[str]) -> set[str]:
    return records.referenced_pdf_keys(keys)


def _remove_unowned(
    sessions: sessionmaker[Session],
    storage: Storage,
    candidates: Iterable[tuple[str, str]],
    still_owned: StillOwned,
) -> int:
    """Remove each (target, owner) whose owner `still_owned` does not confirm, in chunks."""
    removed = 0
    for chunk in _chunks(candidates, SWEEP_CHUNK_SIZE):
        with session_scope(sessions) as session:
            owned = still_owned(CleanupRepository(session), [owner for _, owner in chunk])
        for target, owner in chunk:
            if owner not in owned:
                removed += _remove(storage, target)
    return removed


def _remove(storage: Storage, target: str) -> int:
    try:
        if target.endswith("/"):
            return storage.delete_prefix(target)
        storage.delete(target)
    except Exception:
        logger.warning("could not remove orphaned %s", target, exc_info=True)
        return 0
    return 1


def _chunks(items: Iterable[tuple[str, str]], size: int) -> Iterator[Sequence[tuple[str, str]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return utc_now()
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now!r}; pass a timezone-aware value")
    return now
