"""The daily clean-up, the same for every runner: expired jobs, orphaned files, old scratch."""

from __future__ import annotations

import logging
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

from pdf2audiobook.service.jobs.lifecycle.cleanup import delete_expired_jobs, sweep_orphaned_files
from pdf2audiobook.service.jobs.lifecycle.files import chunk_cache_for
from pdf2audiobook.service.jobs.stages import StageContext
from pdf2audiobook.service.models import utc_now

logger = logging.getLogger(__name__)

CLEAN_UP_HOUR_UTC = 2
"""The clean-up runs daily at this hour, when few people listen."""
SCRATCH_MIN_AGE = timedelta(days=1)
"""No stage keeps a scratch folder this long; an older one was left by a killed process."""


def clean_up(context: StageContext) -> int:
    """Delete finished jobs past their retention with their files, then files nothing owns
    and stale scratch folders. Returns how many jobs were deleted."""
    settings = context.settings
    deleted = delete_expired_jobs(
        context.sessions,
        context.storage,
        timedelta(days=settings.job_retention_days),
        cache=chunk_cache_for(settings),
    )
    swept = sweep_orphaned_files(context.sessions, context.storage)
    scratch = sweep_scratch(context.scratch_dir, SCRATCH_MIN_AGE)
    logger.info(
        "clean-up: %d old jobs deleted, %d stray files and %d scratch folders removed",
        deleted,
        swept,
        scratch,
    )
    return deleted


def sweep_scratch(folder: Path, min_age: timedelta) -> int:
    """Remove what stages left in `folder` (their working copies of PDFs, half-written
    chapters and books) last changed more than `min_age` ago. Returns how many entries
    went. A zero `min_age` clears the folder: only for a runner that owns it and has not
    started any work yet."""
    if not folder.is_dir():
        return 0
    cutoff = time.time() - min_age.total_seconds()
    removed = 0
    for entry in folder.iterdir():
        try:
            if entry.lstat().st_mtime > cutoff and min_age > timedelta(0):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except FileNotFoundError:
            continue
        except OSError:
            logger.warning("could not remove scratch entry %s", entry, exc_info=True)
            continue
        removed += 1
    return removed


def seconds_until_clean_up(now: datetime | None = None) -> float:
    """Seconds from `now` to the next CLEAN_UP_HOUR_UTC:00 UTC."""
    now = now or utc_now()
    next_run = now.replace(hour=CLEAN_UP_HOUR_UTC, minute=0, second=0, microsecond=0)
    if next_run <= now:
        next_run += timedelta(days=1)
    return (next_run - now).total_seconds()
